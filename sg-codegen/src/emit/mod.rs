//! The model to Rust source, written as text by one printer (`code::Code`): an entity's file
//! in `entity.rs`, the root (`mod.rs`, the markers module) in `root.rs`. The types and docs
//! every file shares are here.

mod code;
mod entity;
mod root;

use crate::model::{EntityModel, FieldModel, Kind, Model, Targets, MARKERS_MODULE};
use crate::names::ident_text;
use crate::{Layout, Options};
use sg_api3::data_type::FieldKind;

/// One generated file: its name in the output directory and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name, such as `mod.rs` or `shot.rs`.
    pub name: String,
    /// The whole text, header included.
    pub text: String,
}

/// The lines of a doc comment for `text`, each with its leading space.
fn doc_values(text: &str) -> Vec<String> {
    // A bare CR is an error in a doc comment, a text-direction codepoint is denied by default,
    // and other control characters have no place in one: schema text can hold any of them.
    let text: String = text
        .chars()
        .map(|c| if is_hidden(c) { ' ' } else { c })
        .collect();
    text.lines()
        .map(|l| {
            let l = l.trim_end();
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect()
}

/// Characters a doc comment must not hold: controls (but the line break) and the codepoints
/// that change the visible direction of text (rustc's `text_direction_codepoint_in_literal`).
fn is_hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Keeps schema text from being read as Markdown links, HTML or code by rustdoc.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '[' | ']' | '<' | '>' | '`' | '*' | '_' | '\\' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

/// A field's doc: its display name, wire path, data type, link targets and description.
fn field_doc(e: &EntityModel, f: &FieldModel) -> String {
    let mut s = format!(
        "**{}** (`{}.{}`): `{}`",
        escape(&f.display),
        e.wire,
        f.wire,
        f.data_type
    );
    if !f.valid_types.is_empty() {
        s.push_str(&format!(", links to {}", f.valid_types.join(", ")));
    }
    s.push_str(if f.writable { "." } else { ", read-only." });
    if let Kind::Query(q) = &f.kind {
        s.push_str(&format!(
            "\n\nA query field: {}. A site returns it empty through the API; a read that names it (`with_query_fields`, `.fields`, a projection) computes it.",
            escape(&q.words)
        ));
    }
    if let Some(d) = &f.description {
        s.push_str("\n\n");
        s.push_str(&escape(d));
    }
    s
}

/// What every file's code names: the runtime crate's path, and the options.
struct Emitter<'a> {
    /// The path generated code names the runtime crate by (`::sg_runtime`).
    rt: String,
    options: &'a Options,
}

impl Emitter<'_> {
    /// The marker type of entity `e`, as its module names it.
    fn marker_ty(&self, e: &EntityModel) -> String {
        format!("super::{MARKERS_MODULE}::{}", ident_text(&e.ident))
    }

    /// The Rust type of a value of kind `k` in a record of the entity whose marker is `marker`.
    fn value_ty(&self, k: &Kind, marker: &str) -> String {
        let rt = &self.rt;
        let string = "::std::string::String".to_string();
        match k {
            Kind::Id => format!("{rt}::typed::Id<{marker}>"),
            Kind::List(None) => string,
            Kind::List(Some(e)) => ident_text(&e.ident).into_owned(),
            Kind::Entity(t) => self.link_ty(t),
            Kind::MultiEntity(t) => format!("::std::vec::Vec<{}>", self.link_ty(t)),
            Kind::EventMeta => format!("{rt}::typed::EventMeta"),
            Kind::Query(q) => {
                let one = match &q.enum_path {
                    Some(path) => path.clone(),
                    None => self.value_ty(&q.value, marker),
                };
                if q.many {
                    format!("::std::vec::Vec<{one}>")
                } else {
                    one
                }
            }
            Kind::Plain(plain) => match *plain {
                FieldKind::NUMBER | FieldKind::MEASURE => "i64".into(),
                FieldKind::FLOAT => "f64".into(),
                FieldKind::CHECKBOX => "bool".into(),
                FieldKind::DATE => format!("{rt}::chrono::NaiveDate"),
                FieldKind::DATE_TIME => format!("{rt}::chrono::DateTime<{rt}::chrono::Utc>"),
                FieldKind::TAG_LIST => format!("::std::vec::Vec<{string}>"),
                FieldKind::URL => format!("{rt}::FileLink"),
                FieldKind::IMAGE => format!("{rt}::Image"),
                FieldKind::SERIALIZABLE | FieldKind::COMPUTED => {
                    format!("{rt}::serde_json::Value")
                }
                // Text, opaque strings, passwords.
                _ => string,
            },
        }
    }

    /// One link of a field with targets `t`: `Link<M>` for one type, else `TargetRef<Set>`.
    fn link_ty(&self, t: &Targets) -> String {
        let head = match t {
            Targets::One(_) => "Link",
            Targets::Any | Targets::Set { .. } => "TargetRef",
        };
        format!("{}::typed::{head}<{}>", self.rt, self.targets_ty(t))
    }

    fn targets_ty(&self, t: &Targets) -> String {
        match t {
            Targets::Any => format!("{}::typed::AnyEntity", self.rt),
            Targets::One(m) | Targets::Set { marker: m, .. } => {
                format!("super::{MARKERS_MODULE}::{m}")
            }
        }
    }

    /// The kind type of a field handle (`kind::Text`, `kind::Entity<Targets>`, ...): the
    /// typed marker the data-type table names.
    fn kind_ty(&self, k: &Kind, marker: &str) -> String {
        let kind = |name: &str| format!("{}::typed::kind::{name}", self.rt);
        match k {
            Kind::Plain(plain) => kind(plain.name()),
            Kind::EventMeta => kind("EventMeta"),
            Kind::Query(q) => {
                let one = match &q.enum_path {
                    Some(path) => format!("{}<{path}>", kind(FieldKind::LIST.name())),
                    None => self.kind_ty(&q.value, marker),
                };
                format!(
                    "{}<{one}>",
                    kind(if q.many { "QueryList" } else { "Query" })
                )
            }
            Kind::Id => format!("{}<{marker}>", kind("Id")),
            Kind::List(_) => format!(
                "{}<{}>",
                kind(FieldKind::LIST.name()),
                self.value_ty(k, marker)
            ),
            Kind::Entity(t) => {
                format!("{}<{}>", kind(FieldKind::ENTITY.name()), self.targets_ty(t))
            }
            Kind::MultiEntity(t) => format!(
                "{}<{}>",
                kind(FieldKind::MULTI_ENTITY.name()),
                self.targets_ty(t)
            ),
        }
    }

    /// `#[cfg(feature = "shot")]` when entities are behind features.
    fn cfg(&self, e: &EntityModel) -> Option<String> {
        self.options
            .entity_features
            .then(|| format!("#[cfg(feature = {})]", code::literal(&e.module)))
    }
}

/// Whether `path` is a Rust path (`::sg_runtime`, `crate::rt`, `my_runtime`): segments of
/// identifiers joined by `::`, with an optional leading `::`.
fn is_path(path: &str) -> bool {
    let body = path.strip_prefix("::").unwrap_or(path);
    !body.is_empty()
        && body.split("::").all(|seg| {
            let mut chars = seg.chars();
            chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
                && chars.all(|c| c.is_alphanumeric() || c == '_')
                && seg != "_"
        })
}

/// Renders `model` as files. The header names the generator but not the source, so the same
/// schema gives the same bytes whether it came from a snapshot or a live site.
pub fn emit(model: &Model, options: &Options) -> Result<Vec<GeneratedFile>, String> {
    let rt = options.runtime_path.trim();
    if !is_path(rt) {
        return Err(format!(
            "--runtime-path `{}` is not a Rust path",
            options.runtime_path
        ));
    }
    let em = Emitter {
        rt: rt.to_string(),
        options,
    };
    let header = format!(
        "// @generated by sg-codegen {} from a ShotGrid schema.\n// Do not edit: regenerate instead.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    let inline = options.layout == Layout::SingleFile;
    let entities = render_entities(model, inline, &em);
    let files = if inline {
        let mut text = header;
        text.push_str(&em.root(model, Some(&entities)));
        vec![GeneratedFile {
            name: options.file_name.clone(),
            text,
        }]
    } else {
        let mut files = vec![GeneratedFile {
            name: "mod.rs".into(),
            text: format!("{header}{}", em.root(model, None)),
        }];
        files.extend(
            model
                .entities
                .iter()
                .zip(entities)
                .map(|(e, text)| GeneratedFile {
                    name: format!("{}.rs", e.module),
                    text: format!("{header}{text}"),
                }),
        );
        files
    };
    Ok(files)
}

/// The text of every entity, in model order, rendered on every core: entity `i` goes to thread
/// `i % threads`, and the texts are put back in order (the output does not depend on the
/// threads).
fn render_entities(model: &Model, inline: bool, em: &Emitter<'_>) -> Vec<String> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(model.entities.len())
        .max(1);
    let mut texts: Vec<(usize, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    model
                        .entities
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, e)| (i, em.entity_file(e, inline)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a codegen thread does not panic"))
            .collect()
    });
    texts.sort_by_key(|(i, _)| *i);
    texts.into_iter().map(|(_, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_paths_are_rust_paths() {
        for ok in ["::sg_runtime", "sg_runtime", "crate::rt", "::a::b_2"] {
            assert!(is_path(ok), "{ok}");
        }
        for bad in ["", "::", "a::", "a b", "1a", "a::-b", "_", "a::_::b"] {
            assert!(!is_path(bad), "{bad}");
        }
    }
}
