//! The model between the schema and the emitted code: every name, type and doc decided once.

use crate::names::{camel, snake, Namer};
use crate::Options;
use sg_api3::data_type::DataType;
/// The data-type table's kinds, which [`Kind::Plain`] holds.
pub use sg_api3::data_type::FieldKind;
use sg_api3::query::{QueryDefinition, SummaryKind};
use sg_api3::schema::{FieldSchema, Schema};
use std::collections::{BTreeMap, BTreeSet};

/// What a field holds, which decides its handle kind and Rust value type: a kind of the
/// data-type table, with what codegen adds to it (a list field's enum, a link's targets) and
/// two fields of its own (the `id`, the event log's `meta`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A kind of the data-type table that needs nothing more: text, numbers, measures,
    /// checkboxes, dates, tag lists, file links, images, opaque strings, passwords, JSON, and
    /// computed fields (summary, pivot, calculated, and data types the table does not know).
    Plain(FieldKind),
    /// `list`, `status_list`; with the generated enum's name, or `None` for `String`.
    List(Option<ListEnum>),
    /// `entity`
    Entity(Targets),
    /// `multi_entity`
    MultiEntity(Targets),
    /// The `id` field: compared with ids of its own entity type.
    Id,
    /// `EventLogEntry.meta`: what the event says happened.
    EventMeta,
    /// A query field (`summary` with a query the generator could check): read-only, computed
    /// by the client when a read names it.
    Query(Box<QueryModel>),
}

/// A query field: what its value is, and its definition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryModel {
    /// The kind of one value (a count is a number; a sum, the summed field's kind).
    pub value: Kind,
    /// Whether the value is a list of those (a `single_record` with a limit over one).
    pub many: bool,
    /// For a list kind whose enum another entity's module defines: the path to it from this
    /// entity's module (`super::TaskSgStatusList`).
    pub enum_path: Option<String>,
    /// The definition as JSON, as the runtime reads it.
    pub json: String,
    /// The query in words, for docs.
    pub words: String,
}

impl Kind {
    /// Whether the field is computed by the site: read-only, whatever its schema says.
    pub fn is_computed(&self) -> bool {
        matches!(self, Kind::Plain(FieldKind::COMPUTED) | Kind::Query(_))
    }
}

/// The entity types a link may point at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Targets {
    /// No `valid_types`: any entity.
    Any,
    /// Exactly one known type: its marker's identifier.
    One(String),
    /// Several (or, when the schema names only absent types, no) known types: the generated
    /// target-set marker and its members' marker identifiers.
    Set {
        /// The target-set marker.
        marker: String,
        /// Member markers.
        members: Vec<String>,
    },
}

/// A generated enum of a list field's `valid_values`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEnum {
    /// The enum's identifier.
    pub ident: String,
    /// `(variant, wire value, display name)`, in the schema's order.
    pub variants: Vec<(String, String, Option<String>)>,
}

/// One field.
#[derive(Clone, Debug)]
pub struct FieldModel {
    /// The wire name.
    pub wire: String,
    /// The Rust field identifier (snake case; may be a keyword, emitted raw).
    pub ident: String,
    /// The field enum variant.
    pub variant: String,
    /// The display name.
    pub display: String,
    /// The schema's data type.
    pub data_type: String,
    /// What it holds.
    pub kind: Kind,
    /// Whether the API may write it.
    pub writable: bool,
    /// Link targets as the schema names them (present or not), for docs.
    pub valid_types: Vec<String>,
    /// The description.
    pub description: Option<String>,
}

/// One entity type.
#[derive(Clone, Debug)]
pub struct EntityModel {
    /// The wire type name.
    pub wire: String,
    /// The display name.
    pub display: String,
    /// The struct (and marker) identifier.
    pub ident: String,
    /// The module identifier.
    pub module: String,
    /// The field enum identifier.
    pub field_enum: String,
    /// The handles struct identifier.
    pub handles: String,
    /// A display-name alias, when it is a valid, unused identifier different from `ident`.
    pub alias: Option<String>,
    /// Fields, sorted by wire name; `id` included when the schema has it.
    pub fields: Vec<FieldModel>,
}

/// The whole model.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Entities, sorted by wire name.
    pub entities: Vec<EntityModel>,
    /// Target-set markers: identifier -> (doc, member marker identifiers).
    pub target_sets: BTreeMap<String, (String, Vec<String>)>,
    /// Things the generator met and worked around (unknown data types, ...).
    pub warnings: Vec<String>,
}

/// Module names the generator uses itself.
pub const MARKERS_MODULE: &str = "markers";

impl Model {
    /// Builds the model of `schema`'s entities that `options` select.
    pub fn build(schema: &Schema, options: &Options) -> Result<Model, String> {
        for name in options.only.iter().chain(&options.exclude) {
            if !schema.entities.contains_key(name) {
                return Err(format!(
                    "entity type `{name}` (in --only/--exclude) is not in the schema"
                ));
            }
        }
        let selected: Vec<&String> = schema
            .entities
            .keys()
            .filter(|e| options.only.is_empty() || options.only.contains(*e))
            .filter(|e| !options.exclude.contains(*e))
            .collect();
        if selected.is_empty() {
            return Err("no entity type is selected".into());
        }
        let mut model = Model::default();

        // Type names share one namespace (they are all re-exported side by side); entity structs
        // claim first, so an entity keeps its own name whatever else a schema holds.
        let mut types = Namer::with_reserved([MARKERS_MODULE]);
        // `mod` is taken by the per-file layout's `mod.rs`.
        let mut modules = Namer::with_reserved([MARKERS_MODULE, "mod"]);
        let idents: BTreeMap<&str, String> = selected
            .iter()
            .map(|e| (e.as_str(), types.claim(&camel(e, "E"))))
            .collect();
        for wire in &selected {
            let es = &schema.entities[*wire];
            let ident = idents[wire.as_str()].clone();
            let mut entity = EntityModel {
                wire: (*wire).clone(),
                display: es.display_name().unwrap_or(wire).to_string(),
                module: modules.claim(&snake(wire)),
                field_enum: types.claim(&format!("{ident}Field")),
                handles: types.claim(&format!("{ident}Fields")),
                alias: None,
                fields: Vec::new(),
                ident,
            };
            let mut field_idents = Namer::with_reserved(["id"]);
            let mut variants = Namer::default();
            for (fwire, fs) in &es.fields {
                let ident = if fwire == "id" {
                    "id".to_string()
                } else {
                    field_idents.claim(&snake(fwire))
                };
                let variant = variants.claim(&camel(fwire, "F"));
                let kind = if fwire == "id" {
                    Kind::Id
                } else if wire.as_str() == "EventLogEntry"
                    && fwire == "meta"
                    && fs.data_type() == "serializable"
                {
                    Kind::EventMeta
                } else {
                    field_kind(
                        &entity, fwire, &variant, fs, &idents, &mut types, &mut model, options,
                    )
                };
                // `image` is editable on a site, but only to clear it (uploads set it), which is
                // all the typed API allows: no value is settable to an image field.
                let writable = fs.is_editable() && !kind.is_computed() && fwire != "id";
                entity.fields.push(FieldModel {
                    wire: fwire.clone(),
                    ident,
                    variant,
                    display: fs.display_name().to_string(),
                    data_type: fs.data_type().to_string(),
                    kind,
                    writable,
                    valid_types: fs.valid_types(),
                    description: fs.description().map(str::to_owned),
                });
            }
            model.entities.push(entity);
        }
        query_fields(schema, options, &mut model);
        // Aliases last, so they never take a name a generated item needs.
        for e in &mut model.entities {
            let alias = camel(&e.display, "E");
            if alias != e.ident && !crate::names::is_keyword(&alias) && types.try_claim(&alias) {
                e.alias = Some(alias);
            }
        }
        Ok(model)
    }

    /// The number of fields over all entities.
    pub fn field_count(&self) -> usize {
        self.entities.iter().map(|e| e.fields.len()).sum()
    }
}

/// Types the query fields: each `summary` field with a query that checks against the schema
/// gets [`Kind::Query`]; one that does not stays an untyped JSON value, with a warning that says
/// why (never a failure).
fn query_fields(schema: &Schema, options: &Options, model: &mut Model) {
    let kinds: BTreeMap<(String, String), (Kind, String)> = model
        .entities
        .iter()
        .flat_map(|e| {
            e.fields.iter().map(move |f| {
                (
                    (e.wire.clone(), f.wire.clone()),
                    (f.kind.clone(), e.module.clone()),
                )
            })
        })
        .collect();
    let mut warnings = Vec::new();
    for e in &mut model.entities {
        for f in &mut e.fields {
            let Some(fs) = schema.field(&e.wire, &f.wire) else {
                continue;
            };
            let Some(def) = QueryDefinition::of_in(fs, schema) else {
                continue;
            };
            match query_model(&def, schema, &kinds, &e.module, options) {
                Ok(q) => f.kind = Kind::Query(Box::new(q)),
                Err(why) => warnings.push(format!(
                    "{}.{}: query field left untyped (serde_json::Value): {why}",
                    e.wire, f.wire
                )),
            }
        }
    }
    model.warnings.extend(warnings);
}

fn query_model(
    def: &QueryDefinition,
    schema: &Schema,
    kinds: &BTreeMap<(String, String), (Kind, String)>,
    module: &str,
    options: &Options,
) -> Result<QueryModel, String> {
    def.check(schema)?;
    let kind = def.kind()?;
    let field_kind = || -> Result<(Kind, Option<String>), String> {
        let key = (def.entity_type.clone(), def.summary_field.clone());
        match kinds.get(&key) {
            Some((Kind::List(Some(l)), m)) if m != module => {
                if options.entity_features {
                    // The enum's module may be left out by its feature.
                    Ok((Kind::List(None), None))
                } else {
                    Ok((
                        Kind::List(Some(l.clone())),
                        Some(format!("super::{}", l.ident)),
                    ))
                }
            }
            Some((Kind::Id, _)) => Ok((Kind::Plain(FieldKind::NUMBER), None)),
            Some((Kind::EventMeta, _)) => Ok((Kind::Plain(FieldKind::SERIALIZABLE), None)),
            Some((Kind::Query(_), _)) => Err(format!(
                "it summarizes `{}.{}`, itself a query field",
                def.entity_type, def.summary_field
            )),
            Some((k, _)) => Ok((k.clone(), None)),
            None => {
                // The query's entity type is not generated: plain kinds only.
                let dt = schema
                    .field(&def.entity_type, &def.summary_field)
                    .map(|f| f.data_type().to_string())
                    .unwrap_or_default();
                match FieldKind::of(&dt) {
                    FieldKind::LIST => Ok((Kind::List(None), None)),
                    k if k == FieldKind::ENTITY || k == FieldKind::MULTI_ENTITY => Err(format!(
                        "it returns links of `{}`, which these bindings leave out",
                        def.entity_type
                    )),
                    k => Ok((Kind::Plain(k), None)),
                }
            }
        }
    };
    let ((value, enum_path), many) = match &kind {
        SummaryKind::Aggregate(k) => (
            match k.as_str() {
                "record_count" | "count" | "checked" | "unchecked" => {
                    (Kind::Plain(FieldKind::NUMBER), None)
                }
                "average" | "percentage" | "status_percentage" | "status_percentage_as_float" => {
                    (Kind::Plain(FieldKind::FLOAT), None)
                }
                _ => field_kind()?,
            },
            false,
        ),
        SummaryKind::SingleRecord { limit, .. } => (field_kind()?, *limit > 1),
    };
    Ok(QueryModel {
        value,
        many,
        enum_path,
        json: def.to_json(),
        words: def.describe(),
    })
}

#[allow(clippy::too_many_arguments)]
fn field_kind(
    entity: &EntityModel,
    wire: &str,
    variant: &str,
    fs: &FieldSchema,
    idents: &BTreeMap<&str, String>,
    types: &mut Namer,
    model: &mut Model,
    options: &Options,
) -> Kind {
    let targets = |types: &mut Namer, model: &mut Model| -> Targets {
        let valid = fs.valid_types();
        if valid.is_empty() {
            return Targets::Any;
        }
        let members: Vec<String> = valid
            .iter()
            .filter_map(|t| idents.get(t.as_str()).cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if members.len() == 1 {
            return Targets::One(members[0].clone());
        }
        let marker = types.claim(&format!("{}{}Targets", entity.ident, variant));
        let doc = format!(
            "The entity types `{}.{wire}` may link to: {}.",
            entity.wire,
            if members.is_empty() {
                "none of this schema's types".to_string()
            } else {
                members.join(", ")
            }
        );
        model
            .target_sets
            .insert(marker.clone(), (doc, members.clone()));
        Targets::Set { marker, members }
    };
    let data_type = DataType::from_wire(fs.data_type());
    match data_type.map(DataType::kind) {
        Some(FieldKind::LIST) => {
            let values = fs.valid_values();
            if !options.list_enums || values.is_empty() {
                return Kind::List(None);
            }
            let mut names = Namer::with_reserved(["Other"]);
            let mut seen = BTreeSet::new();
            let displays = fs.display_values();
            let variants = values
                .iter()
                .filter(|v| seen.insert(v.as_str()))
                .map(|v| {
                    (
                        names.claim(&camel(v, "V")),
                        v.clone(),
                        displays.get(v).cloned(),
                    )
                })
                .collect();
            Kind::List(Some(ListEnum {
                ident: types.claim(&format!("{}{}", entity.ident, variant)),
                variants,
            }))
        }
        Some(FieldKind::ENTITY) => Kind::Entity(targets(types, model)),
        Some(FieldKind::MULTI_ENTITY) => Kind::MultiEntity(targets(types, model)),
        Some(kind) => Kind::Plain(kind),
        None => {
            model.warnings.push(format!(
                "{}.{wire}: unknown data type `{}`; generated as a read-only serde_json::Value",
                entity.wire,
                fs.data_type()
            ));
            Kind::Plain(FieldKind::COMPUTED)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'m>(model: &'m Model, entity: &str, field: &str) -> &'m FieldModel {
        model
            .entities
            .iter()
            .find(|e| e.wire == entity)
            .and_then(|e| e.fields.iter().find(|f| f.wire == field))
            .unwrap()
    }

    fn query(model: &Model, entity: &str, name: &str) -> QueryModel {
        match &field(model, entity, name).kind {
            Kind::Query(q) => (**q).clone(),
            other => panic!("{entity}.{name} is {other:?}"),
        }
    }

    #[test]
    fn query_fields_are_typed_by_their_summary() {
        let model = Model::build(&Schema::demo(), &Options::default()).unwrap();
        let number = Kind::Plain(FieldKind::NUMBER);
        let float = Kind::Plain(FieldKind::FLOAT);
        for (name, value, many) in [
            ("open_notes_count", &number, false),
            ("sg_movie_count", &number, false),
            ("sg_total_frames", &number, false),
            ("sg_average_frames", &float, false),
            ("sg_approved_percentage", &float, false),
            (
                "sg_first_version_at",
                &Kind::Plain(FieldKind::DATE_TIME),
                false,
            ),
            ("sg_latest_version", &Kind::Plain(FieldKind::TEXT), false),
            ("sg_recent_versions", &Kind::Plain(FieldKind::TEXT), true),
        ] {
            let q = query(&model, "Shot", name);
            assert_eq!((&q.value, q.many), (value, many), "Shot.{name}");
        }
        let status = query(&model, "Shot", "sg_task_status");
        assert_eq!(status.enum_path.as_deref(), Some("super::TaskSgStatusList"));
        assert!(!field(&model, "Shot", "sg_total_frames").writable);
        assert!(model.warnings.is_empty(), "{:?}", model.warnings);
        // With entities behind features, another entity's enum may be left out: a string.
        let gated = Options {
            entity_features: true,
            ..Options::default()
        };
        let model = Model::build(&Schema::demo(), &gated).unwrap();
        let status = query(&model, "Shot", "sg_task_status");
        assert_eq!((status.value, status.enum_path), (Kind::List(None), None));
    }

    #[test]
    fn a_query_the_schema_does_not_support_is_left_untyped_with_a_note() {
        let mut schema = Schema::demo();
        let shot = schema.entities.get_mut("Shot").unwrap();
        let f = shot.fields.get_mut("sg_total_frames").unwrap();
        let mut q = f.property("query").unwrap().clone();
        q["filters"]["conditions"][0]["path"] = "sg_no_such_field".into();
        f.properties
            .insert("query".into(), serde_json::json!({ "value": q }));
        let v = shot.fields.get_mut("sg_version_count").unwrap();
        v.properties.insert(
            "summary_default".into(),
            serde_json::json!({"value": "median"}),
        );
        let model = Model::build(&schema, &Options::default()).unwrap();
        assert_eq!(
            field(&model, "Shot", "sg_total_frames").kind,
            Kind::Plain(FieldKind::COMPUTED)
        );
        assert_eq!(
            field(&model, "Shot", "sg_version_count").kind,
            Kind::Plain(FieldKind::COMPUTED)
        );
        assert_eq!(
            model.warnings,
            [
                "Shot.sg_total_frames: query field left untyped (serde_json::Value): `Version.sg_no_such_field` (in `sg_no_such_field`) is not in the schema",
                "Shot.sg_version_count: query field left untyped (serde_json::Value): summary `median` is not one this crate knows",
            ]
        );
    }
}
