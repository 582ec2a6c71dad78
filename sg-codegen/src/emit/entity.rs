//! An entity type's file (or, in the single-file layout, its inline module): the struct, its
//! field enum, its typed handles `F`, and an enum per list field.

use super::code::{literal, Code};
use super::{doc_values, escape, field_doc, Emitter};
use crate::model::{EntityModel, FieldModel, Kind, ListEnum};
use crate::names::ident_text;
use std::collections::{BTreeMap, BTreeSet};

impl Emitter<'_> {
    /// The text of entity `e`'s items; with `inline`, wrapped in its module `pub mod shot { .. }`.
    pub(super) fn entity_file(&self, e: &EntityModel, inline: bool) -> String {
        let mut c = Code::default();
        if inline {
            c.open(&format!("pub mod {}", ident_text(&e.module)));
        }
        self.entity_items(e, &mut c);
        if inline {
            c.close("");
        }
        c.finish()
    }

    fn entity_items(&self, e: &EntityModel, c: &mut Code) {
        let rt = &self.rt;
        let ident = ident_text(&e.ident).into_owned();
        let marker = self.marker_ty(e);
        let fe = &e.field_enum;
        let handles = &e.handles;
        let wire = literal(&e.wire);
        let all = &e.fields;
        let own: Vec<&FieldModel> = all.iter().filter(|f| f.wire != "id").collect();

        // The struct.
        c.doc(&doc_values(&format!(
            "**{}**: a record of entity type `{}`.\n\nEvery field is optional (a read returns only the fields asked for) except `id`. \
             Typed field handles are in `{}::F`; field names in `{}`.",
            escape(&e.display),
            e.wire,
            e.ident,
            e.field_enum
        )));
        c.line("#[derive(Clone, Debug)]");
        c.open(&format!("pub struct {ident}"));
        c.line("/// The record's id.");
        c.line(&format!("pub id: {rt}::typed::Id<{marker}>,"));
        for f in &own {
            c.doc(&doc_values(&field_doc(e, f)));
            c.line(&format!(
                "pub {}: {},",
                ident_text(&f.ident),
                self.struct_field_ty(e, f)
            ));
        }
        c.close("");
        c.blank();

        // One statement per field: a derived `PartialEq` is one `&&` chain, nested as deep as
        // the entity has fields, which overflows rustc's stack past ~5,000 fields.
        c.open(&format!("impl ::core::cmp::PartialEq for {ident}"));
        c.open("fn eq(&self, other: &Self) -> bool");
        for x in std::iter::once("id".into()).chain(own.iter().map(|f| ident_text(&f.ident))) {
            c.open(&format!("if self.{x} != other.{x}"));
            c.line("return false;");
            c.close("");
        }
        c.line("true");
        c.close("");
        c.close("");
        c.blank();

        // Decoding: one `match` arm per field, straight from the answer's bytes.
        c.open(&format!("impl {rt}::typed::Entity for {ident}"));
        c.line(&format!("type Type = {marker};"));
        c.line(&format!("type Field = {fe};"));
        c.line(&format!(
            "fn read_fields<'de, A: {rt}::__private::MapAccess<'de>>("
        ));
        c.indented([format!("r: &mut {rt}::__private::RecordReader<'de, A>,")]);
        c.open(") -> ::core::result::Result<Self, A::Error>");
        self.read_fields_body(e, &own, c);
        c.close("");
        c.open(&format!("fn id(&self) -> {rt}::typed::Id<{marker}>"));
        c.line("self.id");
        c.close("");
        c.close("");
        c.blank();

        // The field enum.
        c.line(&format!("/// The fields of `{}`, by wire name.", e.wire));
        c.line("#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]");
        c.open(&format!("pub enum {fe}"));
        for f in all {
            // The name alone: the struct field and the handle carry the whole doc (a third copy
            // of every description, link-target list included, bought nothing).
            c.doc(&doc_values(&format!(
                "**{}** (`{}.{}`).",
                escape(&f.display),
                e.wire,
                f.wire
            )));
            c.line(&format!("{},", ident_text(&f.variant)));
        }
        c.close("");
        c.blank();
        let count = all.len();
        c.open(&format!("impl {fe}"));
        c.line("/// Every field, sorted by wire name.");
        c.line(&format!("pub const ALL: &'static [{fe}; {count}] = &["));
        c.indented(
            all.iter()
                .map(|f| format!("Self::{},", ident_text(&f.variant))),
        );
        c.line("];");
        c.line("/// What the schema says of each field, in the order of `ALL`.");
        c.line(&format!(
            "pub const INFO: &'static [{rt}::typed::FieldInfo; {count}] = &["
        ));
        c.indented(all.iter().map(|f| {
            format!(
                "{rt}::typed::FieldInfo {{ wire_name: {}, display_name: {}, data_type: {}, writable: {} }},",
                literal(&f.wire),
                literal(&f.display),
                literal(&f.data_type),
                f.writable
            )
        }));
        c.line("];");
        c.line("/// What the schema says of this field.");
        c.open(&format!(
            "pub const fn info(self) -> &'static {rt}::typed::FieldInfo"
        ));
        c.line("&Self::INFO[self as usize]");
        c.close("");
        for (name, doc, ty) in [
            ("wire_name", "The wire name.", "&'static str"),
            (
                "display_name",
                "The display name on the site.",
                "&'static str",
            ),
            ("data_type", "The schema's data type.", "&'static str"),
        ] {
            c.line(&format!("/// {doc}"));
            c.open(&format!("pub const fn {name}(self) -> {ty}"));
            c.line(&format!("self.info().{name}"));
            c.close("");
        }
        c.line("/// Whether the API may write the field.");
        c.open("pub const fn is_writable(self) -> bool");
        c.line("self.info().writable");
        c.close("");
        c.close("");
        c.blank();

        c.open(&format!("impl {rt}::typed::EntityField for {fe}"));
        c.line(&format!("type Type = {marker};"));
        c.line(&format!("const ALL: &'static [Self] = {fe}::ALL;"));
        for (name, ty) in [
            ("wire_name", "&'static str"),
            ("display_name", "&'static str"),
            ("data_type", "&'static str"),
            ("is_writable", "bool"),
        ] {
            c.line(&format!("fn {name}(self) -> {ty} {{ {fe}::{name}(self) }}"));
        }
        c.close("");
        c.blank();

        // Debug and Display print the wire name: no derive, no second match per field.
        for tr in ["Debug", "Display"] {
            c.open(&format!("impl ::core::fmt::{tr} for {fe}"));
            c.open("fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result");
            c.line("f.write_str(self.wire_name())");
            c.close("");
            c.close("");
            c.blank();
        }

        c.open(&format!("impl ::core::str::FromStr for {fe}"));
        c.line(&format!("type Err = {rt}::typed::UnknownField;"));
        c.line("/// By binary search: `ALL` is sorted by wire name.");
        // `Self::Err` would be ambiguous with a variant named `Err` (a field `err`).
        c.open(&format!(
            "fn from_str(name: &str) -> ::core::result::Result<Self, {rt}::typed::UnknownField>"
        ));
        c.open("match Self::ALL.binary_search_by(|f| f.wire_name().cmp(name))");
        c.line("::core::result::Result::Ok(i) => ::core::result::Result::Ok(Self::ALL[i]),");
        c.open(&format!(
            "::core::result::Result::Err(_) => ::core::result::Result::Err({rt}::typed::UnknownField"
        ));
        c.line(&format!("entity_type: {wire},"));
        c.line("name: ::std::string::ToString::to_string(name),");
        c.close("),");
        c.close("");
        c.close("");
        c.close("");
        c.blank();

        // The typed handles.
        c.line(&format!(
            "/// Typed handles on the fields of `{}`: reach them as `{ident}::F`.",
            e.wire
        ));
        c.open(&format!("pub struct {handles}"));
        for f in all {
            c.doc(&doc_values(&field_doc(e, f)));
            let access = if f.writable { "Writable" } else { "ReadOnly" };
            c.line(&format!(
                "pub {}: {rt}::typed::FieldRef<",
                ident_text(&f.ident)
            ));
            c.indented([
                format!("{marker},"),
                format!("{},", self.kind_ty(&f.kind, &marker)),
                format!("{rt}::typed::{access},"),
            ]);
            c.line(">,");
        }
        c.close("");
        c.blank();

        // The entry points as inherent functions, so that rustdoc shows them on the struct (the
        // `Record` trait has them too, with `summarize`, `delete` and `revive`, for code generic
        // over entity types). Three, not six: each costs compile time per entity.
        c.open(&format!("impl {ident}"));
        c.line("/// Typed handles on this entity type's fields.");
        c.open(&format!("pub const F: {handles} = {handles}"));
        for f in all {
            match &f.kind {
                Kind::Query(q) => c.line(&format!(
                    "{}: {rt}::__private::query_field({}, {}),",
                    ident_text(&f.ident),
                    literal(&f.wire),
                    raw_literal(&q.json)
                )),
                _ => c.line(&format!(
                    "{}: {rt}::__private::field({}),",
                    ident_text(&f.ident),
                    literal(&f.wire)
                )),
            }
        }
        c.close(";");
        c.line("/// A typed read (`find`, `find_one` with `.first`): every field unless `.fields(..)` names some.");
        c.line("#[doc(alias = \"find_one\")]");
        c.open(&format!("pub fn find() -> {rt}::typed::Find<Self>"));
        c.line(&format!("{rt}::typed::Find::new()"));
        c.close("");
        c.line("/// A typed create; `.send` returns the new record's id and the fields set.");
        c.open(&format!("pub fn create() -> {rt}::typed::Create<Self>"));
        c.line(&format!("{rt}::typed::Create::new()"));
        c.close("");
        c.line("/// A typed update of record `id`.");
        c.open(&format!(
            "pub fn update(id: {rt}::typed::Id<{marker}>) -> {rt}::typed::Update<Self>"
        ));
        c.line(&format!("{rt}::typed::Update::new(id)"));
        c.close("");
        c.close("");

        for f in all {
            if let Kind::List(Some(l)) = &f.kind {
                c.blank();
                self.list_enum(e, f, l, c);
            }
        }
    }

    /// The body of `read_fields`.
    fn read_fields_body(&self, e: &EntityModel, own: &[&FieldModel], c: &mut Code) {
        let rt = &self.rt;
        let fe = &e.field_enum;
        let mut body = Code::default();
        body.open("let mut value = Self");
        body.line(&format!("id: {rt}::typed::Id::new(0),"));
        for f in own {
            let empty = match f.kind {
                Kind::MultiEntity(_) => "::std::vec::Vec::new()",
                _ => "::core::option::Option::None",
            };
            body.line(&format!("{}: {empty},", ident_text(&f.ident)));
        }
        body.close(";");
        if own.is_empty() {
            // An entity with no field but `id` has no arm of its own to match.
            body.open(&format!("while r.next_field({fe}::INFO).is_some()"));
            body.line("r.skip();");
            body.close("");
        } else {
            body.open(&format!(
                "while let ::core::option::Option::Some(i) = r.next_field({fe}::INFO)"
            ));
            body.open("match i");
            for f in own {
                // Each field's index in the field enum's `INFO` (sorted by wire name); `value`
                // for an `Option`, `list` for a multi-entity `Vec`: a direct call per field (a
                // generic `read` through a trait costs type-checking time on every field).
                let i = e
                    .fields
                    .iter()
                    .position(|a| a.wire == f.wire)
                    .expect("a field of the entity");
                let take = match f.kind {
                    Kind::MultiEntity(_) => "list",
                    _ => "value",
                };
                body.line(&format!(
                    "{i} => r.{take}(&mut value.{}),",
                    ident_text(&f.ident)
                ));
            }
            body.line("_ => r.skip(),");
            body.close("");
            body.close("");
        }
        body.line("value.id = r.id();");
        body.line("r.finish(value)");
        for line in body.finish().lines() {
            c.line(line);
        }
    }

    /// A struct field's type: `Vec<..>` for multi-entity fields, else `Option<..>`.
    fn struct_field_ty(&self, e: &EntityModel, f: &FieldModel) -> String {
        let t = self.value_ty(&f.kind, &self.marker_ty(e));
        match f.kind {
            Kind::MultiEntity(_) => t,
            _ => format!("::core::option::Option<{t}>"),
        }
    }

    /// The enum of a list field's values.
    fn list_enum(&self, e: &EntityModel, f: &FieldModel, l: &ListEnum, c: &mut Code) {
        let rt = &self.rt;
        let ident = &l.ident;
        let field_path = literal(&format!("{}.{}", e.wire, f.wire));
        c.doc(&doc_values(&format!(
            "The values of **{}** (`{}.{}`) when these bindings were generated; `Other` keeps a value added on the site since.",
            escape(&f.display),
            e.wire,
            f.wire
        )));
        c.line("#[derive(Clone, Debug, PartialEq, Eq, Hash)]");
        c.open(&format!("pub enum {ident}"));
        for (v, w, d) in &l.variants {
            let w = w.replace('`', "'");
            c.doc(&doc_values(&match d {
                Some(d) => format!("`{w}`: {}", escape(d)),
                None => format!("`{w}`"),
            }));
            c.line(&format!("{},", ident_text(v)));
        }
        c.line("/// A value not in the schema when these bindings were generated.");
        c.line("Other(::std::string::String),");
        c.close("");
        c.blank();

        let values: Vec<String> = l.variants.iter().map(|(_, w, _)| literal(w)).collect();
        c.open(&format!("impl {ident}"));
        c.line("/// Every value the schema listed, in its order.");
        c.line(&format!(
            "pub const VALUES: &'static [&'static str] = &[{}];",
            values.join(", ")
        ));
        c.line("/// The wire value.");
        c.open("pub fn as_str(&self) -> &str");
        c.open("match self");
        for ((v, _, _), w) in l.variants.iter().zip(&values) {
            c.line(&format!("Self::{} => {w},", ident_text(v)));
        }
        c.line("Self::Other(value) => value.as_str(),");
        c.close("");
        c.close("");
        c.line("/// The display name on the site, where the schema gives it.");
        c.open("pub fn display_name(&self) -> ::core::option::Option<&'static str>");
        let named: Vec<(&String, &String)> = l
            .variants
            .iter()
            .filter_map(|(v, _, d)| Some((v, d.as_ref()?)))
            .collect();
        if named.is_empty() {
            // With no display names, no `match` (clippy's `match_single_binding`).
            c.line("::core::option::Option::None");
        } else {
            c.open("match self");
            for (v, d) in named {
                c.line(&format!(
                    "Self::{} => ::core::option::Option::Some({}),",
                    ident_text(v),
                    literal(d)
                ));
            }
            c.line("_ => ::core::option::Option::None,");
            c.close("");
        }
        c.close("");
        c.close("");
        c.blank();

        // Parsing takes a wire value or, where the schema gives one, the display name; a name
        // that is another value's wire value, or shared by two values, is left out (it would be
        // an unreachable arm, and ambiguous).
        let wires: BTreeSet<&str> = l.variants.iter().map(|(_, w, _)| w.as_str()).collect();
        let mut display_count = BTreeMap::new();
        for d in l.variants.iter().filter_map(|(_, _, d)| d.as_deref()) {
            *display_count.entry(d).or_insert(0) += 1;
        }
        c.open(&format!("impl ::core::str::FromStr for {ident}"));
        c.line(&format!("type Err = {rt}::typed::UnknownValue;"));
        c.line("/// A wire value or display name the schema listed; anything else is an error that lists them (reading from the site keeps unknown values as `Other`).");
        c.open(&format!(
            "fn from_str(value: &str) -> ::core::result::Result<Self, {rt}::typed::UnknownValue>"
        ));
        c.open("match value");
        for ((v, _, d), w) in l.variants.iter().zip(&values) {
            let alias = d
                .as_deref()
                .filter(|d| !wires.contains(d) && display_count.get(d) == Some(&1));
            let pattern = match alias {
                Some(d) => format!("{w} | {}", literal(d)),
                None => w.clone(),
            };
            c.line(&format!(
                "{pattern} => ::core::result::Result::Ok(Self::{}),",
                ident_text(v)
            ));
        }
        c.line(&format!(
            "_ => ::core::result::Result::Err({rt}::typed::UnknownValue {{ field: {field_path}, value: ::std::string::ToString::to_string(value), valid: Self::VALUES }}),"
        ));
        c.close("");
        c.close("");
        c.close("");
        c.blank();

        c.open(&format!("impl ::core::fmt::Display for {ident}"));
        c.open("fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result");
        c.line("f.write_str(self.as_str())");
        c.close("");
        c.close("");
        c.blank();

        c.open(&format!("impl {rt}::WireValue for {ident}"));
        c.open(&format!("fn to_wire(&self) -> {rt}::serde_json::Value"));
        c.line(&format!(
            "{rt}::serde_json::Value::String(::std::string::ToString::to_string(self.as_str()))"
        ));
        c.close("");
        c.open(&format!(
            "fn from_wire(value: &{rt}::serde_json::Value) -> ::core::result::Result<Self, {rt}::ValueError>"
        ));
        c.open("match value.as_str()");
        for ((v, _, _), w) in l.variants.iter().zip(&values) {
            c.line(&format!(
                "::core::option::Option::Some({w}) => ::core::result::Result::Ok(Self::{}),",
                ident_text(v)
            ));
        }
        c.line("::core::option::Option::Some(other) => ::core::result::Result::Ok(Self::Other(::std::string::ToString::to_string(other))),");
        c.line(&format!(
            "::core::option::Option::None => ::core::result::Result::Err({rt}::ValueError::new(\"a string\", value)),"
        ));
        c.close("");
        c.close("");
        c.close("");
    }
}

/// `r#"..."#` when `s` can be one (JSON reads better without escapes), else a plain literal.
fn raw_literal(s: &str) -> String {
    if s.contains("\"#") || s.chars().any(super::is_hidden) {
        literal(s)
    } else {
        format!("r#\"{s}\"#")
    }
}
