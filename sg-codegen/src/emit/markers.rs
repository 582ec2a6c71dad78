//! The markers module's items printed as text: a marker per entity type and a target set per
//! link field, with an impl per member (thousands on a large site: most of `mod.rs`). Every
//! line here is either unbreakable or laid out by `layout.rs`, so no item needs prettyplease.

use super::layout::{doc_lines, impl_line, line, literal, macro_line, type_line, Ty, INDENT};
use super::{doc_values, escape, Emitter};
use crate::model::{EntityModel, Kind, Model};
use crate::names::ident_text;

impl Emitter<'_> {
    /// Writes every item of the markers module at column `col`.
    pub(super) fn write_markers(&self, model: &Model, col: usize, out: &mut String) {
        for e in &model.entities {
            self.entity_marker(e, col, out);
        }
        let wire_of: std::collections::BTreeMap<&str, &str> = model
            .entities
            .iter()
            .map(|e| (e.ident.as_str(), e.wire.as_str()))
            .collect();
        for (name, (d, members)) in &model.target_sets {
            let mut names: Vec<&str> = members.iter().map(|m| wire_of[m.as_str()]).collect();
            names.sort_unstable();
            self.target_set(name, d, members, &names, col, out);
        }
    }

    /// Entity type `e` as a type.
    fn entity_marker(&self, e: &EntityModel, col: usize, out: &mut String) {
        let rt = &self.rt_text;
        let m = ident_text(&e.ident);
        let d = format!(
            "The entity type `{}` (**{}**) as a type.",
            e.wire,
            escape(&e.display)
        );
        doc_lines(out, col, &doc_values(&d));
        line(out, col, &format!("pub enum {m} {{}}"));
        let head = Ty::path(format!("impl {rt}::typed::EntityType"));
        impl_line(out, col, &head, &m, " {");
        let name = literal(&e.wire);
        line(
            out,
            col + INDENT,
            &format!("const NAME: &'static str = {name};"),
        );
        line(out, col, "}");
        // Thumbnail uploads compile only for entity types with an `image` field.
        if e.fields
            .iter()
            .any(|f| f.wire == "image" && matches!(f.kind, Kind::Image))
        {
            let head = Ty::path(format!("impl {rt}::typed::HasThumbnail"));
            impl_line(out, col, &head, &m, " {}");
        }
    }

    /// The link-target set `name` with its `members` (marker identifiers) and their wire
    /// `names`.
    fn target_set(
        &self,
        name: &str,
        doc: &str,
        members: &[String],
        names: &[&str],
        col: usize,
        out: &mut String,
    ) {
        let rt = &self.rt_text;
        doc_lines(out, col, &doc_values(doc));
        line(out, col, &format!("pub enum {name} {{}}"));
        let link_target = Ty::of(
            format!("impl {rt}::typed::LinkTarget"),
            vec![Ty::path(name)],
        );
        // Hidden from rustdoc: the set's doc lists its types, and an impl per member on every
        // marker's page made the markers module most of the bindings' documentation.
        for m in members {
            line(out, col, "#[doc(hidden)]");
            impl_line(out, col, &link_target, &ident_text(m), " {}");
        }
        let head = Ty::path(format!("impl {rt}::typed::TargetSet"));
        impl_line(out, col, &head, name, " {");
        let c = col + INDENT;
        let names = Ty::array_ref(names.iter().map(|n| Ty::path(literal(n))).collect());
        type_line(
            out,
            c,
            "const NAMES: &'static [&'static str] = ",
            &names,
            ";",
            true,
        );
        let link = Ty::of(format!("{rt}::typed::TargetRef"), vec![Ty::path(name)]);
        type_line(out, c, "type Link = ", &link, ";", true);
        // The members as a type list (`type_list!(A, B)` is `(A, (B, ()))`): a link read from
        // this field goes into any field that takes all its types (`Within`, checked where it
        // is used).
        let members: Vec<String> = members.iter().map(|m| ident_text(m).into_owned()).collect();
        let pre = format!("type Members = {rt}::__private::type_list!(");
        macro_line(out, c, &pre, &members, ";");
        line(out, col, "}");
    }
}
