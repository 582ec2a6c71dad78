//! The data-type table: for each data type a schema names, what it holds, which filter
//! relations a site takes on it, what value a write takes, and whether the API can write it.
//!
//! This is the one statement of these rules. The code generator reads it to pick each field's
//! kind, the local site to check written values and filter relations, and a test in sg-runtime
//! (`tests/data_types.rs`) checks that the typed API's operator traits offer exactly these
//! relations on each kind.

/// A field's data type, as `schema_read` names it (`data_type.value`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataType {
    /// `text`
    Text,
    /// `number`
    Number,
    /// `integer`
    Integer,
    /// `float`
    Float,
    /// `currency`
    Currency,
    /// `percent`
    Percent,
    /// `duration` (minutes)
    Duration,
    /// `timecode` (milliseconds)
    Timecode,
    /// `checkbox`
    Checkbox,
    /// `date`
    Date,
    /// `date_time`
    DateTime,
    /// `list`
    List,
    /// `status_list`
    StatusList,
    /// `entity`
    Entity,
    /// `multi_entity`
    MultiEntity,
    /// `tag_list`
    TagList,
    /// `url` (a file or a link)
    Url,
    /// `image` (the thumbnail)
    Image,
    /// `color`
    Color,
    /// `uuid`
    Uuid,
    /// `entity_type`
    EntityType,
    /// `footage`
    Footage,
    /// `password`
    Password,
    /// `system_task_type`
    SystemTaskType,
    /// `serializable` (any JSON)
    Serializable,
    /// `summary` (a query field, computed by the web UI)
    Summary,
    /// `pivot_column`
    PivotColumn,
    /// `calculated`
    Calculated,
}

/// What a field of a data type holds, which decides its handle kind in the typed API (the
/// marker type `sg_runtime::typed::kind::{name}`) and its Rust value type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A string: `text`.
    Text,
    /// A whole number: `number`, `integer`.
    Number,
    /// A decimal number: `float`, `currency`.
    Float,
    /// A whole-number measure: `percent`, `duration`, `timecode`.
    Measure,
    /// `checkbox`.
    Checkbox,
    /// A calendar day: `date`.
    Date,
    /// A UTC instant: `date_time`.
    DateTime,
    /// One of the field's `valid_values`: `list`, `status_list`.
    List,
    /// A link to one record: `entity`.
    Entity,
    /// Links to records: `multi_entity`.
    MultiEntity,
    /// Tag names: `tag_list`.
    TagList,
    /// A file or link: `url`.
    Url,
    /// The thumbnail's URL: `image`.
    Image,
    /// A string compared as a whole: `color`, `uuid`, `entity_type`, `footage`,
    /// `system_task_type`.
    Opaque,
    /// Written, never filtered on: `password`.
    Password,
    /// Any JSON: `serializable`.
    Serializable,
    /// Read-only, any JSON: `summary`, `pivot_column`, `calculated`, and data types not in this
    /// table.
    Computed,
}

/// The JSON value a write of a data type takes (`null` clears any field).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A JSON string.
    String,
    /// A whole JSON number.
    Integer,
    /// Any JSON number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A string `YYYY-MM-DD`.
    Date,
    /// A string `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    DateTime,
    /// A string among the field's `valid_values` (when it lists any).
    ListValue,
    /// An entity link `{type, id}` to one of the field's `valid_types`.
    Link,
    /// A list of entity links.
    Links,
    /// A list of strings.
    Strings,
    /// Any JSON value.
    Any,
    /// Nothing: the API does not write the field.
    None,
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
    /// Every data type of the table, in declaration order.
    pub const ALL: &'static [DataType] = &[
        DataType::Text,
        DataType::Number,
        DataType::Integer,
        DataType::Float,
        DataType::Currency,
        DataType::Percent,
        DataType::Duration,
        DataType::Timecode,
        DataType::Checkbox,
        DataType::Date,
        DataType::DateTime,
        DataType::List,
        DataType::StatusList,
        DataType::Entity,
        DataType::MultiEntity,
        DataType::TagList,
        DataType::Url,
        DataType::Image,
        DataType::Color,
        DataType::Uuid,
        DataType::EntityType,
        DataType::Footage,
        DataType::Password,
        DataType::SystemTaskType,
        DataType::Serializable,
        DataType::Summary,
        DataType::PivotColumn,
        DataType::Calculated,
    ];

    /// The data type a schema names `name`; `None` for one this table does not know (a site
    /// may add data types: treat such a field as [`Kind::Computed`], never as an error).
    pub fn from_wire(name: &str) -> Option<DataType> {
        DataType::ALL
            .iter()
            .copied()
            .find(|d| d.wire_name() == name)
    }

    /// The name the schema uses.
    pub const fn wire_name(self) -> &'static str {
        match self {
            DataType::Text => "text",
            DataType::Number => "number",
            DataType::Integer => "integer",
            DataType::Float => "float",
            DataType::Currency => "currency",
            DataType::Percent => "percent",
            DataType::Duration => "duration",
            DataType::Timecode => "timecode",
            DataType::Checkbox => "checkbox",
            DataType::Date => "date",
            DataType::DateTime => "date_time",
            DataType::List => "list",
            DataType::StatusList => "status_list",
            DataType::Entity => "entity",
            DataType::MultiEntity => "multi_entity",
            DataType::TagList => "tag_list",
            DataType::Url => "url",
            DataType::Image => "image",
            DataType::Color => "color",
            DataType::Uuid => "uuid",
            DataType::EntityType => "entity_type",
            DataType::Footage => "footage",
            DataType::Password => "password",
            DataType::SystemTaskType => "system_task_type",
            DataType::Serializable => "serializable",
            DataType::Summary => "summary",
            DataType::PivotColumn => "pivot_column",
            DataType::Calculated => "calculated",
        }
    }

    /// What a field of this type holds.
    pub const fn kind(self) -> Kind {
        match self {
            DataType::Text => Kind::Text,
            DataType::Number | DataType::Integer => Kind::Number,
            DataType::Float | DataType::Currency => Kind::Float,
            DataType::Percent | DataType::Duration | DataType::Timecode => Kind::Measure,
            DataType::Checkbox => Kind::Checkbox,
            DataType::Date => Kind::Date,
            DataType::DateTime => Kind::DateTime,
            DataType::List | DataType::StatusList => Kind::List,
            DataType::Entity => Kind::Entity,
            DataType::MultiEntity => Kind::MultiEntity,
            DataType::TagList => Kind::TagList,
            DataType::Url => Kind::Url,
            DataType::Image => Kind::Image,
            DataType::Color
            | DataType::Uuid
            | DataType::EntityType
            | DataType::Footage
            | DataType::SystemTaskType => Kind::Opaque,
            DataType::Password => Kind::Password,
            DataType::Serializable => Kind::Serializable,
            DataType::Summary | DataType::PivotColumn | DataType::Calculated => Kind::Computed,
        }
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
        matches!(self.kind(), Kind::Computed)
    }
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: &'static [Kind] = &[
        Kind::Text,
        Kind::Number,
        Kind::Float,
        Kind::Measure,
        Kind::Checkbox,
        Kind::Date,
        Kind::DateTime,
        Kind::List,
        Kind::Entity,
        Kind::MultiEntity,
        Kind::TagList,
        Kind::Url,
        Kind::Image,
        Kind::Opaque,
        Kind::Password,
        Kind::Serializable,
        Kind::Computed,
    ];

    /// The kind of a field whose data type the schema names `data_type`: unknown types are
    /// [`Kind::Computed`].
    pub fn of(data_type: &str) -> Kind {
        DataType::from_wire(data_type).map_or(Kind::Computed, DataType::kind)
    }

    /// The typed API's marker type for the kind: `sg_runtime::typed::kind::{name}`.
    pub const fn name(self) -> &'static str {
        match self {
            Kind::Text => "Text",
            Kind::Number => "Number",
            Kind::Float => "Float",
            Kind::Measure => "Measure",
            Kind::Checkbox => "Checkbox",
            Kind::Date => "Date",
            Kind::DateTime => "DateTime",
            Kind::List => "List",
            Kind::Entity => "Entity",
            Kind::MultiEntity => "MultiEntity",
            Kind::TagList => "TagList",
            Kind::Url => "Url",
            Kind::Image => "Image",
            Kind::Opaque => "Opaque",
            Kind::Password => "Password",
            Kind::Serializable => "Serializable",
            Kind::Computed => "Computed",
        }
    }

    /// The filter relations a site takes on a field of this kind.
    pub const fn relations(self) -> &'static [&'static str] {
        match self {
            Kind::Text => TEXT,
            Kind::Number | Kind::Float => NUMBER,
            Kind::Measure => MEASURE,
            Kind::Date | Kind::DateTime => DATE,
            Kind::List => LIST,
            Kind::Entity => ENTITY,
            Kind::MultiEntity => MULTI_ENTITY,
            Kind::TagList => TAG_LIST,
            Kind::Checkbox | Kind::Image | Kind::Opaque => EQ,
            // Sites never filter on a password (its value is never read back either), a file
            // link, JSON or a computed value.
            Kind::Password | Kind::Url | Kind::Serializable | Kind::Computed => NONE,
        }
    }

    /// The value a write takes.
    pub const fn shape(self) -> Shape {
        match self {
            Kind::Text | Kind::Opaque | Kind::Password | Kind::Image => Shape::String,
            Kind::Number | Kind::Measure => Shape::Integer,
            Kind::Float => Shape::Number,
            Kind::Checkbox => Shape::Bool,
            Kind::Date => Shape::Date,
            Kind::DateTime => Shape::DateTime,
            Kind::List => Shape::ListValue,
            Kind::Entity => Shape::Link,
            Kind::MultiEntity => Shape::Links,
            Kind::TagList => Shape::Strings,
            Kind::Url | Kind::Serializable => Shape::Any,
            Kind::Computed => Shape::None,
        }
    }

    /// The value an empty field reads as: `[]` for lists of links and tags, else `null`.
    pub const fn empty_is_list(self) -> bool {
        matches!(self, Kind::MultiEntity | Kind::TagList)
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
        assert_eq!(Kind::of("addressing"), Kind::Computed);
    }

    #[test]
    fn every_kind_is_the_kind_of_some_data_type() {
        for k in Kind::ALL {
            assert!(DataType::ALL.iter().any(|d| d.kind() == *k), "{k:?}");
        }
    }

    #[test]
    fn computed_types_take_no_write_and_no_filter() {
        for d in DataType::ALL.iter().filter(|d| d.is_computed()) {
            assert_eq!(d.shape(), Shape::None);
            assert!(d.relations().is_empty());
        }
    }
}
