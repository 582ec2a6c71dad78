//! The data-type table: for each data type a schema names, what it holds, which filter
//! relations a site takes on it, what value a write takes, and whether the API can write it.
//!
//! This is the one statement of these rules. The code generator reads it to pick each field's
//! kind, the local site to check written values and filter relations, and a test in sg-runtime
//! (`tests/data_types.rs`) checks that the typed API's operator traits offer exactly these
//! relations on each kind.
//!
//! The types here are small values with named constants (`DataType::TEXT`, `FieldKind::LIST`)
//! over private enums, not public enums: rustc shortens a type's path in its error messages only
//! where the name is unique in the whole crate graph, and every program that uses the typed API
//! has this crate in its graph. Public variants named `Text` or `Measure` here would turn the
//! typed API's errors from "not to a `Text` field" into "not to a
//! `sg_runtime::typed::kind::Text` field".

/// A field's data type, as `schema_read` names it (`data_type.value`): one of the constants
/// (`DataType::TEXT`, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DataType(D);

impl std::fmt::Debug for DataType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wire_name())
    }
}

/// The data types, privately (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum D {
    Text,
    Number,
    Integer,
    Float,
    Currency,
    Percent,
    Duration,
    Timecode,
    Checkbox,
    Date,
    DateTime,
    List,
    StatusList,
    Entity,
    MultiEntity,
    TagList,
    Url,
    Image,
    Color,
    Uuid,
    EntityType,
    Footage,
    Password,
    SystemTaskType,
    Serializable,
    Summary,
    PivotColumn,
    Calculated,
}

/// What a field of a data type holds, which decides its handle kind in the typed API (the
/// marker type `sg_runtime::typed::kind::{name}`) and its Rust value type: one of the
/// constants (`FieldKind::TEXT`, ...).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldKind(K);

impl std::fmt::Debug for FieldKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The kinds, privately (see the module doc).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum K {
    Text,
    Number,
    Float,
    Measure,
    Checkbox,
    Date,
    DateTime,
    List,
    Entity,
    MultiEntity,
    TagList,
    Url,
    Image,
    Opaque,
    Password,
    Serializable,
    Computed,
}

/// The JSON value a write of a data type takes (`null` clears any field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A JSON string.
    AString,
    /// A whole JSON number.
    AnInteger,
    /// Any JSON number.
    ANumber,
    /// `true` or `false`.
    ABool,
    /// A string `YYYY-MM-DD`.
    ADate,
    /// A string `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    ADateTime,
    /// A string among the field's `valid_values` (when it lists any).
    AListValue,
    /// An entity link `{type, id}` to one of the field's `valid_types`.
    ALink,
    /// A list of entity links.
    AListOfLinks,
    /// A list of strings.
    AListOfStrings,
    /// A file link: an object with a `url`, or a `local_path` (`link_type: local`).
    AFileLink,
    /// Any JSON value.
    AnyJson,
    /// Nothing: the API does not write the field.
    NotWritable,
}

/// Every filter relation a site takes, by its wire name.
pub mod relation {
    /// `is`
    pub const IS: &str = "is";
    /// `is_not`
    pub const IS_NOT: &str = "is_not";
    /// `in`
    pub const IN: &str = "in";
    /// `not_in`
    pub const NOT_IN: &str = "not_in";
    /// `less_than`
    pub const LESS_THAN: &str = "less_than";
    /// `greater_than`
    pub const GREATER_THAN: &str = "greater_than";
    /// `between`
    pub const BETWEEN: &str = "between";
    /// `not_between`
    pub const NOT_BETWEEN: &str = "not_between";
    /// `contains`
    pub const CONTAINS: &str = "contains";
    /// `not_contains`
    pub const NOT_CONTAINS: &str = "not_contains";
    /// `starts_with`
    pub const STARTS_WITH: &str = "starts_with";
    /// `ends_with`
    pub const ENDS_WITH: &str = "ends_with";
    /// `in_last`
    pub const IN_LAST: &str = "in_last";
    /// `not_in_last`
    pub const NOT_IN_LAST: &str = "not_in_last";
    /// `in_next`
    pub const IN_NEXT: &str = "in_next";
    /// `not_in_next`
    pub const NOT_IN_NEXT: &str = "not_in_next";
    /// `in_calendar_day`
    pub const IN_CALENDAR_DAY: &str = "in_calendar_day";
    /// `in_calendar_week`
    pub const IN_CALENDAR_WEEK: &str = "in_calendar_week";
    /// `in_calendar_month`
    pub const IN_CALENDAR_MONTH: &str = "in_calendar_month";
    /// `in_calendar_year`
    pub const IN_CALENDAR_YEAR: &str = "in_calendar_year";
    /// `type_is`
    pub const TYPE_IS: &str = "type_is";
    /// `type_is_not`
    pub const TYPE_IS_NOT: &str = "type_is_not";
    /// `name_contains`
    pub const NAME_CONTAINS: &str = "name_contains";
    /// `name_not_contains`
    pub const NAME_NOT_CONTAINS: &str = "name_not_contains";
    /// `name_is`
    pub const NAME_IS: &str = "name_is";
}

use relation::*;

const EQ: &[&str] = &[IS, IS_NOT];
const TEXT: &[&str] = &[
    IS,
    IS_NOT,
    CONTAINS,
    NOT_CONTAINS,
    STARTS_WITH,
    ENDS_WITH,
    IN,
    NOT_IN,
];
const NUMBER: &[&str] = &[
    IS,
    IS_NOT,
    LESS_THAN,
    GREATER_THAN,
    BETWEEN,
    NOT_BETWEEN,
    IN,
    NOT_IN,
];
const MEASURE: &[&str] = &[IS, IS_NOT, LESS_THAN, GREATER_THAN, BETWEEN, IN, NOT_IN];
const DATE: &[&str] = &[
    IS,
    IS_NOT,
    LESS_THAN,
    GREATER_THAN,
    BETWEEN,
    IN,
    NOT_IN,
    IN_LAST,
    NOT_IN_LAST,
    IN_NEXT,
    NOT_IN_NEXT,
    IN_CALENDAR_DAY,
    IN_CALENDAR_WEEK,
    IN_CALENDAR_MONTH,
    IN_CALENDAR_YEAR,
];
const LIST: &[&str] = &[IS, IS_NOT, IN, NOT_IN];
const ENTITY: &[&str] = &[
    IS,
    IS_NOT,
    IN,
    NOT_IN,
    TYPE_IS,
    TYPE_IS_NOT,
    NAME_CONTAINS,
    NAME_NOT_CONTAINS,
    NAME_IS,
];
const MULTI_ENTITY: &[&str] = &[
    IS,
    IS_NOT,
    IN,
    NOT_IN,
    TYPE_IS,
    TYPE_IS_NOT,
    NAME_CONTAINS,
    NAME_NOT_CONTAINS,
];
const TAG_LIST: &[&str] = &[IS, IS_NOT, NAME_CONTAINS, NAME_NOT_CONTAINS];
const NONE: &[&str] = &[];

impl DataType {
    /// `text`
    pub const TEXT: DataType = DataType(D::Text);
    /// `number`
    pub const NUMBER: DataType = DataType(D::Number);
    /// `integer`
    pub const INTEGER: DataType = DataType(D::Integer);
    /// `float`
    pub const FLOAT: DataType = DataType(D::Float);
    /// `currency`
    pub const CURRENCY: DataType = DataType(D::Currency);
    /// `percent`
    pub const PERCENT: DataType = DataType(D::Percent);
    /// `duration`
    pub const DURATION: DataType = DataType(D::Duration);
    /// `timecode`
    pub const TIMECODE: DataType = DataType(D::Timecode);
    /// `checkbox`
    pub const CHECKBOX: DataType = DataType(D::Checkbox);
    /// `date`
    pub const DATE: DataType = DataType(D::Date);
    /// `date_time`
    pub const DATE_TIME: DataType = DataType(D::DateTime);
    /// `list`
    pub const LIST: DataType = DataType(D::List);
    /// `status_list`
    pub const STATUS_LIST: DataType = DataType(D::StatusList);
    /// `entity`
    pub const ENTITY: DataType = DataType(D::Entity);
    /// `multi_entity`
    pub const MULTI_ENTITY: DataType = DataType(D::MultiEntity);
    /// `tag_list`
    pub const TAG_LIST: DataType = DataType(D::TagList);
    /// `url`
    pub const URL: DataType = DataType(D::Url);
    /// `image`
    pub const IMAGE: DataType = DataType(D::Image);
    /// `color`
    pub const COLOR: DataType = DataType(D::Color);
    /// `uuid`
    pub const UUID: DataType = DataType(D::Uuid);
    /// `entity_type`
    pub const ENTITY_TYPE: DataType = DataType(D::EntityType);
    /// `footage`
    pub const FOOTAGE: DataType = DataType(D::Footage);
    /// `password`
    pub const PASSWORD: DataType = DataType(D::Password);
    /// `system_task_type`
    pub const SYSTEM_TASK_TYPE: DataType = DataType(D::SystemTaskType);
    /// `serializable`
    pub const SERIALIZABLE: DataType = DataType(D::Serializable);
    /// `summary`
    pub const SUMMARY: DataType = DataType(D::Summary);
    /// `pivot_column`
    pub const PIVOT_COLUMN: DataType = DataType(D::PivotColumn);
    /// `calculated`
    pub const CALCULATED: DataType = DataType(D::Calculated);

    /// Every data type of the table.
    pub const ALL: &'static [DataType] = &[
        DataType::TEXT,
        DataType::NUMBER,
        DataType::INTEGER,
        DataType::FLOAT,
        DataType::CURRENCY,
        DataType::PERCENT,
        DataType::DURATION,
        DataType::TIMECODE,
        DataType::CHECKBOX,
        DataType::DATE,
        DataType::DATE_TIME,
        DataType::LIST,
        DataType::STATUS_LIST,
        DataType::ENTITY,
        DataType::MULTI_ENTITY,
        DataType::TAG_LIST,
        DataType::URL,
        DataType::IMAGE,
        DataType::COLOR,
        DataType::UUID,
        DataType::ENTITY_TYPE,
        DataType::FOOTAGE,
        DataType::PASSWORD,
        DataType::SYSTEM_TASK_TYPE,
        DataType::SERIALIZABLE,
        DataType::SUMMARY,
        DataType::PIVOT_COLUMN,
        DataType::CALCULATED,
    ];

    /// The data type a schema names `name`; `None` for one this table does not know (a site
    /// may add data types: treat such a field as [`FieldKind::COMPUTED`], never as an error).
    pub fn from_wire(name: &str) -> Option<DataType> {
        DataType::ALL
            .iter()
            .copied()
            .find(|d| d.wire_name() == name)
    }

    /// The name the schema uses.
    pub const fn wire_name(self) -> &'static str {
        match self.0 {
            D::Text => "text",
            D::Number => "number",
            D::Integer => "integer",
            D::Float => "float",
            D::Currency => "currency",
            D::Percent => "percent",
            D::Duration => "duration",
            D::Timecode => "timecode",
            D::Checkbox => "checkbox",
            D::Date => "date",
            D::DateTime => "date_time",
            D::List => "list",
            D::StatusList => "status_list",
            D::Entity => "entity",
            D::MultiEntity => "multi_entity",
            D::TagList => "tag_list",
            D::Url => "url",
            D::Image => "image",
            D::Color => "color",
            D::Uuid => "uuid",
            D::EntityType => "entity_type",
            D::Footage => "footage",
            D::Password => "password",
            D::SystemTaskType => "system_task_type",
            D::Serializable => "serializable",
            D::Summary => "summary",
            D::PivotColumn => "pivot_column",
            D::Calculated => "calculated",
        }
    }

    /// What a field of this type holds.
    pub const fn kind(self) -> FieldKind {
        FieldKind(match self.0 {
            D::Text => K::Text,
            D::Number => K::Number,
            D::Integer => K::Number,
            D::Float => K::Float,
            D::Currency => K::Float,
            D::Percent => K::Measure,
            D::Duration => K::Measure,
            D::Timecode => K::Measure,
            D::Checkbox => K::Checkbox,
            D::Date => K::Date,
            D::DateTime => K::DateTime,
            D::List => K::List,
            D::StatusList => K::List,
            D::Entity => K::Entity,
            D::MultiEntity => K::MultiEntity,
            D::TagList => K::TagList,
            D::Url => K::Url,
            D::Image => K::Image,
            D::Color => K::Opaque,
            D::Uuid => K::Opaque,
            D::EntityType => K::Opaque,
            D::Footage => K::Opaque,
            D::Password => K::Password,
            D::SystemTaskType => K::Opaque,
            D::Serializable => K::Serializable,
            D::Summary => K::Computed,
            D::PivotColumn => K::Computed,
            D::Calculated => K::Computed,
        })
    }

    /// The filter relations a site takes on a field of this type (`image` takes `is` and
    /// `is_not` with `null` only).
    pub const fn relations(self) -> &'static [&'static str] {
        self.kind().relations()
    }

    /// The value a write takes.
    pub const fn shape(self) -> Shape {
        self.kind().shape()
    }

    /// Whether a site never takes a write of this type, whatever the field's `editable` says.
    pub const fn is_computed(self) -> bool {
        matches!(self.kind().0, K::Computed)
    }
}

impl FieldKind {
    /// A string: `text`.
    pub const TEXT: FieldKind = FieldKind(K::Text);
    /// A whole number: `number`, `integer`.
    pub const NUMBER: FieldKind = FieldKind(K::Number);
    /// A decimal number: `float`, `currency`.
    pub const FLOAT: FieldKind = FieldKind(K::Float);
    /// A whole-number measure: `percent`, `duration` (minutes), `timecode` (milliseconds).
    pub const MEASURE: FieldKind = FieldKind(K::Measure);
    /// True or false: `checkbox`.
    pub const CHECKBOX: FieldKind = FieldKind(K::Checkbox);
    /// A calendar day: `date`.
    pub const DATE: FieldKind = FieldKind(K::Date);
    /// A UTC instant: `date_time`.
    pub const DATE_TIME: FieldKind = FieldKind(K::DateTime);
    /// One of the field's `valid_values`: `list`, `status_list`.
    pub const LIST: FieldKind = FieldKind(K::List);
    /// A link to one record: `entity`.
    pub const ENTITY: FieldKind = FieldKind(K::Entity);
    /// Links to records: `multi_entity`.
    pub const MULTI_ENTITY: FieldKind = FieldKind(K::MultiEntity);
    /// Tag names: `tag_list`.
    pub const TAG_LIST: FieldKind = FieldKind(K::TagList);
    /// A file or link: `url`.
    pub const URL: FieldKind = FieldKind(K::Url);
    /// The thumbnail's URL: `image`.
    pub const IMAGE: FieldKind = FieldKind(K::Image);
    /// A string compared as a whole: `color`, `uuid`, `entity_type`, `footage`, `system_task_type`.
    pub const OPAQUE: FieldKind = FieldKind(K::Opaque);
    /// Written, never filtered on: `password`.
    pub const PASSWORD: FieldKind = FieldKind(K::Password);
    /// Any JSON: `serializable`.
    pub const SERIALIZABLE: FieldKind = FieldKind(K::Serializable);
    /// Read-only, any JSON: `summary`, `pivot_column`, `calculated`, and data types not in this table.
    pub const COMPUTED: FieldKind = FieldKind(K::Computed);

    /// Every kind.
    pub const ALL: &'static [FieldKind] = &[
        FieldKind::TEXT,
        FieldKind::NUMBER,
        FieldKind::FLOAT,
        FieldKind::MEASURE,
        FieldKind::CHECKBOX,
        FieldKind::DATE,
        FieldKind::DATE_TIME,
        FieldKind::LIST,
        FieldKind::ENTITY,
        FieldKind::MULTI_ENTITY,
        FieldKind::TAG_LIST,
        FieldKind::URL,
        FieldKind::IMAGE,
        FieldKind::OPAQUE,
        FieldKind::PASSWORD,
        FieldKind::SERIALIZABLE,
        FieldKind::COMPUTED,
    ];

    /// The kind of a field whose data type the schema names `data_type`: unknown types are
    /// [`FieldKind::COMPUTED`].
    pub fn of(data_type: &str) -> FieldKind {
        DataType::from_wire(data_type).map_or(FieldKind::COMPUTED, DataType::kind)
    }

    /// The typed API's marker type for the kind: `sg_runtime::typed::kind::{name}`.
    pub const fn name(self) -> &'static str {
        match self.0 {
            K::Text => "Text",
            K::Number => "Number",
            K::Float => "Float",
            K::Measure => "Measure",
            K::Checkbox => "Checkbox",
            K::Date => "Date",
            K::DateTime => "DateTime",
            K::List => "List",
            K::Entity => "Entity",
            K::MultiEntity => "MultiEntity",
            K::TagList => "TagList",
            K::Url => "Url",
            K::Image => "Image",
            K::Opaque => "Opaque",
            K::Password => "Password",
            K::Serializable => "Serializable",
            K::Computed => "Computed",
        }
    }

    /// The filter relations a site takes on a field of this kind.
    pub const fn relations(self) -> &'static [&'static str] {
        match self.0 {
            K::Text => TEXT,
            K::Number | K::Float => NUMBER,
            K::Measure => MEASURE,
            K::Date | K::DateTime => DATE,
            K::List => LIST,
            K::Entity => ENTITY,
            K::MultiEntity => MULTI_ENTITY,
            K::TagList => TAG_LIST,
            K::Checkbox | K::Image | K::Opaque => EQ,
            // Sites never filter on a password (its value is never read back either), a file
            // link, JSON or a computed value.
            K::Password | K::Url | K::Serializable | K::Computed => NONE,
        }
    }

    /// The value a write takes.
    pub const fn shape(self) -> Shape {
        match self.0 {
            K::Text | K::Opaque | K::Password | K::Image => Shape::AString,
            K::Number | K::Measure => Shape::AnInteger,
            K::Float => Shape::ANumber,
            K::Checkbox => Shape::ABool,
            K::Date => Shape::ADate,
            K::DateTime => Shape::ADateTime,
            K::List => Shape::AListValue,
            K::Entity => Shape::ALink,
            K::MultiEntity => Shape::AListOfLinks,
            K::TagList => Shape::AListOfStrings,
            K::Url => Shape::AFileLink,
            K::Serializable => Shape::AnyJson,
            K::Computed => Shape::NotWritable,
        }
    }

    /// Whether an empty field reads as `[]` (lists of links and of tags), not `null`.
    pub const fn empty_is_list(self) -> bool {
        matches!(self.0, K::MultiEntity | K::TagList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_type_reads_back_from_its_wire_name() {
        for d in DataType::ALL {
            assert_eq!(DataType::from_wire(d.wire_name()), Some(*d));
        }
        assert_eq!(DataType::from_wire("addressing"), None);
        assert_eq!(FieldKind::of("addressing"), FieldKind::COMPUTED);
    }

    #[test]
    fn every_kind_is_the_kind_of_some_data_type() {
        for k in FieldKind::ALL {
            assert!(DataType::ALL.iter().any(|d| d.kind() == *k), "{k:?}");
        }
    }

    #[test]
    fn computed_types_take_no_write_and_no_filter() {
        for d in DataType::ALL.iter().filter(|d| d.is_computed()) {
            assert_eq!(d.shape(), Shape::NotWritable);
            assert!(d.relations().is_empty());
        }
    }
}
