//! The root of the bindings (`mod.rs`, or the single file): the markers module, the list of
//! entity types, and each entity's module declared (or, inline, written in place) and
//! re-exported.

use super::code::{literal, Code};
use super::{doc_values, escape, Emitter};
use crate::model::{EntityModel, Kind, Model, MARKERS_MODULE};
use crate::names::ident_text;
use sg_api3::data_type::FieldKind;

impl Emitter<'_> {
    /// The root's text; with `inline`, each entity's module written in place from it.
    pub(super) fn root(&self, model: &Model, inline: Option<&[String]>) -> String {
        let mut c = Code::default();
        c.line(
            "/// Entity-type markers and link-target sets: always compiled, whatever entities are",
        );
        c.line("/// enabled, so that every link can name its targets.");
        c.open(&format!("pub mod {MARKERS_MODULE}"));
        self.markers(model, &mut c);
        c.close("");
        c.line("/// Every entity type in these bindings, sorted.");
        c.line("pub const ENTITY_TYPES: &[&str] = &[");
        c.indented(
            model
                .entities
                .iter()
                .map(|e| format!("{},", literal(&e.wire))),
        );
        c.line("];");
        let mut text = c.finish();
        for (i, e) in model.entities.iter().enumerate() {
            let mut c = Code::default();
            let m = ident_text(&e.module);
            let cfg = self.cfg(e);
            c.doc(&doc_values(&format!(
                "Entity type `{}` (**{}**).",
                e.wire,
                escape(&e.display)
            )));
            if let Some(cfg) = &cfg {
                c.line(cfg);
            }
            match inline {
                None => c.line(&format!("pub mod {m};")),
                Some(modules) => {
                    text.push_str(&c.finish());
                    text.push_str(&modules[i]);
                    c = Code::default();
                }
            }
            let mut exports = vec![e.ident.clone(), e.field_enum.clone(), e.handles.clone()];
            exports.extend(e.fields.iter().filter_map(|f| match &f.kind {
                Kind::List(Some(l)) => Some(l.ident.clone()),
                _ => None,
            }));
            let exports: Vec<String> = exports.iter().map(|x| ident_text(x).into_owned()).collect();
            if let Some(cfg) = &cfg {
                c.line(cfg);
            }
            c.line(&format!("pub use {m}::{{{}}};", exports.join(", ")));
            if let Some(alias) = &e.alias {
                c.doc(&doc_values(&format!(
                    "`{}` by its display name, **{}**.",
                    e.wire,
                    escape(&e.display)
                )));
                if let Some(cfg) = &cfg {
                    c.line(cfg);
                }
                c.line(&format!(
                    "pub type {alias} = {m}::{};",
                    ident_text(&e.ident)
                ));
            }
            text.push_str(&c.finish());
        }
        text
    }

    /// The items of the markers module: a marker per entity type and a target set per link
    /// field, with an impl per member (thousands on a large site: most of `mod.rs`).
    fn markers(&self, model: &Model, c: &mut Code) {
        // What uploads make: the bindings' Attachment marker, or any entity type without one.
        let attachment = match model.entities.iter().find(|e| e.wire == "Attachment") {
            Some(e) => ident_text(&e.ident).to_string(),
            None => format!("{}::typed::AnyEntity", self.rt),
        };
        for e in &model.entities {
            self.entity_marker(e, &attachment, c);
        }
        let wire_of: std::collections::BTreeMap<&str, &str> = model
            .entities
            .iter()
            .map(|e| (e.ident.as_str(), e.wire.as_str()))
            .collect();
        for (name, (doc, members)) in &model.target_sets {
            let mut names: Vec<&str> = members.iter().map(|m| wire_of[m.as_str()]).collect();
            names.sort_unstable();
            self.target_set(name, doc, members, &names, c);
        }
    }

    /// Entity type `e` as a type.
    fn entity_marker(&self, e: &EntityModel, attachment: &str, c: &mut Code) {
        let rt = &self.rt;
        let m = ident_text(&e.ident);
        c.doc(&doc_values(&format!(
            "The entity type `{}` (**{}**) as a type.",
            e.wire,
            escape(&e.display)
        )));
        c.line(&format!("pub enum {m} {{}}"));
        // A refusal names the markers in its note, not a list of every entity type.
        c.line("#[diagnostic::do_not_recommend]");
        c.open(&format!("impl {rt}::typed::EntityType for {m}"));
        c.line(&format!("const NAME: &'static str = {};", literal(&e.wire)));
        c.line(&format!("type Attachment = {attachment};"));
        c.close("");
        // Thumbnail uploads compile only for entity types with an `image` field.
        if e.fields
            .iter()
            .any(|f| f.wire == "image" && f.kind == Kind::Plain(FieldKind::IMAGE))
        {
            c.line(&format!("impl {rt}::typed::HasThumbnail for {m} {{}}"));
        }
        if e.fields.iter().any(|f| f.wire == "filmstrip_image") {
            c.line(&format!("impl {rt}::typed::HasFilmstrip for {m} {{}}"));
        }
        // The entity types some methods take in one role: a note's thread (Note, Reply,
        // Attachment), downloads (Attachment), following (HumanUser, Project).
        let role = match e.wire.as_str() {
            "Note" => Some("IsNote"),
            "Reply" => Some("IsReply"),
            "Attachment" => Some("IsAttachment"),
            "HumanUser" => Some("IsHumanUser"),
            "Project" => Some("IsProject"),
            _ => None,
        };
        if let Some(role) = role {
            c.line(&format!("impl {rt}::typed::{role} for {m} {{}}"));
        }
    }

    /// The link-target set `name` with its `members` (marker identifiers) and their wire
    /// `names`.
    fn target_set(&self, name: &str, doc: &str, members: &[String], names: &[&str], c: &mut Code) {
        let rt = &self.rt;
        c.doc(&doc_values(doc));
        c.line(&format!("pub enum {name} {{}}"));
        // Hidden from rustdoc: the set's doc lists its types, and an impl per member on every
        // marker's page made the markers module most of the bindings' documentation.
        // Not recommended: a link refused by a field shows the field's note, not a list of the
        // sets each type belongs to.
        for m in members {
            c.line("#[doc(hidden)]");
            c.line("#[diagnostic::do_not_recommend]");
            c.line(&format!(
                "impl {rt}::typed::LinkTarget<{name}> for {} {{}}",
                ident_text(m)
            ));
        }
        c.open(&format!("impl {rt}::typed::TargetSet for {name}"));
        let names: Vec<String> = names.iter().map(|n| literal(n)).collect();
        c.filled("const NAMES: &'static [&'static str] = &[", &names, "];");
        c.line(&format!("type Link = {rt}::typed::TargetRef<{name}>;"));
        // The members as a type list (`type_list!(A, B)` is `(A, (B, ()))`): a link read from
        // this field goes into any field that takes all its types (`Within`, checked where it
        // is used).
        let members: Vec<String> = members.iter().map(|m| ident_text(m).into_owned()).collect();
        c.filled(
            &format!("type Members = {rt}::__private::type_list!("),
            &members,
            ");",
        );
        c.close("");
    }
}
