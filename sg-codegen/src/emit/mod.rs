//! The model to Rust source. Each file's frame is `quote!` token streams, parsed by syn and
//! printed by prettyplease; the per-field parts of entity files are printed as text straight
//! into it (`slots.rs`, `markers.rs`), in the same layout (`layout.rs`).

mod layout;
mod markers;
mod slots;

use crate::model::{EntityModel, FieldModel, Kind, ListEnum, Model, Targets, MARKERS_MODULE};
use crate::names::ident_tokens;
use crate::{Layout, Options};
use layout::Ty;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use slots::Slot;

/// One generated file: its name in the output directory and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// The file name, such as `mod.rs` or `shot.rs`.
    pub name: String,
    /// The whole text, header included.
    pub text: String,
}

/// Doc attributes for `text`, one per line, so prettyplease prints them as `///` lines.
fn doc(text: &str) -> TokenStream {
    let lines = doc_values(text).into_iter().map(|l| quote!(#[doc = #l]));
    quote!(#(#lines)*)
}

/// The values of `text`'s doc attributes, one per line.
fn doc_values(text: &str) -> Vec<String> {
    // A bare CR is an error in a doc comment, a text-direction codepoint is denied by default,
    // and other control characters have no place in one: schema text can hold any of them.
    let text: String = text
        .chars()
        .map(|c| if is_hidden(c) { ' ' } else { c })
        .collect();
    text.lines()
        .map(|l| {
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
    if let Some(d) = &f.description {
        s.push_str("\n\n");
        s.push_str(&escape(d));
    }
    s
}

struct Emitter<'a> {
    rt: TokenStream,
    /// `rt` as printed.
    rt_text: String,
    options: &'a Options,
}

impl Emitter<'_> {
    /// The marker type of entity `e`, as its module names it.
    fn marker_ty(&self, e: &EntityModel) -> Ty {
        Ty::path(format!(
            "super::{MARKERS_MODULE}::{}",
            crate::names::ident_text(&e.ident)
        ))
    }

    /// The Rust type of a value of kind `k` in a record of the entity whose marker is `marker`.
    fn value_ty(&self, k: &Kind, marker: &Ty) -> Ty {
        let rt = &self.rt_text;
        let string = || Ty::path("::std::string::String");
        match k {
            Kind::Id => Ty::of(format!("{rt}::typed::Id"), vec![marker.clone()]),
            Kind::Text | Kind::Opaque | Kind::Password | Kind::List(None) => string(),
            Kind::Image => Ty::path(format!("{rt}::Image")),
            Kind::Number | Kind::Measure => Ty::path("i64"),
            Kind::Float => Ty::path("f64"),
            Kind::Checkbox => Ty::path("bool"),
            Kind::Date => Ty::path(format!("{rt}::chrono::NaiveDate")),
            Kind::DateTime => Ty::of(
                format!("{rt}::chrono::DateTime"),
                vec![Ty::path(format!("{rt}::chrono::Utc"))],
            ),
            Kind::List(Some(e)) => Ty::path(crate::names::ident_text(&e.ident)),
            Kind::Entity(t) => self.link_ty(t),
            Kind::MultiEntity(t) => Ty::of("::std::vec::Vec", vec![self.link_ty(t)]),
            Kind::TagList => Ty::of("::std::vec::Vec", vec![string()]),
            Kind::Url => Ty::path(format!("{rt}::FileLink")),
            Kind::Serializable | Kind::Computed => Ty::path(format!("{rt}::serde_json::Value")),
            Kind::EventMeta => Ty::path(format!("{rt}::typed::EventMeta")),
        }
    }

    /// One link of a field with targets `t`: `Link<M>` for one type, else `TargetRef<Set>`.
    fn link_ty(&self, t: &Targets) -> Ty {
        let rt = &self.rt_text;
        let head = match t {
            Targets::One(_) => "Link",
            Targets::Any | Targets::Set { .. } => "TargetRef",
        };
        Ty::of(format!("{rt}::typed::{head}"), vec![self.targets_ty(t)])
    }

    fn targets_ty(&self, t: &Targets) -> Ty {
        match t {
            Targets::Any => Ty::path(format!("{}::typed::AnyEntity", self.rt_text)),
            Targets::One(m) | Targets::Set { marker: m, .. } => {
                Ty::path(format!("super::{MARKERS_MODULE}::{m}"))
            }
        }
    }

    /// The kind type of a field handle (`kind::Text`, `kind::Entity<Targets>`, ...).
    fn kind_ty(&self, k: &Kind, marker: &Ty) -> Ty {
        let kind = |name: &str, args: Vec<Ty>| {
            Ty::of(format!("{}::typed::kind::{name}", self.rt_text), args)
        };
        match k {
            Kind::Text => kind("Text", vec![]),
            Kind::Number => kind("Number", vec![]),
            Kind::Float => kind("Float", vec![]),
            Kind::Measure => kind("Measure", vec![]),
            Kind::Checkbox => kind("Checkbox", vec![]),
            Kind::Date => kind("Date", vec![]),
            Kind::DateTime => kind("DateTime", vec![]),
            Kind::TagList => kind("TagList", vec![]),
            Kind::Url => kind("Url", vec![]),
            Kind::Image => kind("Image", vec![]),
            Kind::Opaque => kind("Opaque", vec![]),
            Kind::Password => kind("Password", vec![]),
            Kind::EventMeta => kind("EventMeta", vec![]),
            Kind::Serializable => kind("Serializable", vec![]),
            Kind::Computed => kind("Computed", vec![]),
            Kind::Id => kind("Id", vec![marker.clone()]),
            Kind::List(_) => kind("List", vec![self.value_ty(k, marker)]),
            Kind::Entity(t) => kind("Entity", vec![self.targets_ty(t)]),
            Kind::MultiEntity(t) => kind("MultiEntity", vec![self.targets_ty(t)]),
        }
    }

    fn list_enum(&self, e: &EntityModel, f: &FieldModel, l: &ListEnum) -> TokenStream {
        let rt = &self.rt;
        let ident = format_ident!("{}", l.ident);
        let enum_doc = doc(&format!(
            "The values of **{}** (`{}.{}`) when these bindings were generated; `Other` keeps a value added on the site since.",
            escape(&f.display),
            e.wire,
            f.wire
        ));
        let variants: Vec<_> = l.variants.iter().map(|(v, _, _)| ident_tokens(v)).collect();
        let values: Vec<&str> = l.variants.iter().map(|(_, w, _)| w.as_str()).collect();
        let docs = l.variants.iter().map(|(_, w, d)| {
            let w = w.replace('`', "'");
            doc(&match d {
                Some(d) => format!("`{w}`: {}", escape(d)),
                None => format!("`{w}`"),
            })
        });
        // Parsing takes a wire value or, where the schema gives one, the display name; a name
        // that is another value's wire value, or shared by two values, is left out (it would be
        // an unreachable arm, and ambiguous).
        let wires: std::collections::BTreeSet<&str> =
            l.variants.iter().map(|(_, w, _)| w.as_str()).collect();
        let mut display_count = std::collections::BTreeMap::new();
        for d in l.variants.iter().filter_map(|(_, _, d)| d.as_deref()) {
            *display_count.entry(d).or_insert(0) += 1;
        }
        let parse_arms = l.variants.iter().map(|(v, w, d)| {
            let v = ident_tokens(v);
            let alias = d
                .as_deref()
                .filter(|d| !wires.contains(d) && display_count.get(d) == Some(&1));
            match alias {
                Some(d) => quote!(#w | #d => ::core::result::Result::Ok(Self::#v),),
                None => quote!(#w => ::core::result::Result::Ok(Self::#v),),
            }
        });
        let display_arms: Vec<_> = l
            .variants
            .iter()
            .filter_map(|(v, _, d)| {
                let v = ident_tokens(v);
                d.as_deref()
                    .map(|d| quote!(Self::#v => ::core::option::Option::Some(#d),))
            })
            .collect();
        // With no display names, no `match` (clippy's `match_single_binding`).
        let display_body = if display_arms.is_empty() {
            quote!(::core::option::Option::None)
        } else {
            quote! {
                match self {
                    #( #display_arms )*
                    _ => ::core::option::Option::None,
                }
            }
        };
        let field_path = format!("{}.{}", e.wire, f.wire);
        quote! {
            #enum_doc
            #[derive(Clone, Debug, PartialEq, Eq, Hash)]
            pub enum #ident {
                #( #docs #variants, )*
                /// A value not in the schema when these bindings were generated.
                Other(::std::string::String),
            }
            impl #ident {
                /// Every value the schema listed, in its order.
                pub const VALUES: &'static [&'static str] = &[#(#values),*];

                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #( Self::#variants => #values, )*
                        Self::Other(value) => value.as_str(),
                    }
                }

                /// The display name on the site, where the schema gives it.
                pub fn display_name(&self) -> ::core::option::Option<&'static str> {
                    #display_body
                }
            }

            impl ::core::str::FromStr for #ident {
                type Err = #rt::typed::UnknownValue;
                /// A wire value or display name the schema listed; anything else is an error
                /// that lists them (reading from the site keeps unknown values as `Other`).
                fn from_str(value: &str) -> ::core::result::Result<Self, #rt::typed::UnknownValue> {
                    match value {
                        #( #parse_arms )*
                        _ => ::core::result::Result::Err(#rt::typed::UnknownValue {
                            field: #field_path,
                            value: ::std::string::ToString::to_string(value),
                            valid: Self::VALUES,
                        }),
                    }
                }
            }
            impl ::core::fmt::Display for #ident {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.as_str())
                }
            }
            impl #rt::WireValue for #ident {
                fn to_wire(&self) -> #rt::serde_json::Value {
                    #rt::serde_json::Value::String(::std::string::ToString::to_string(self.as_str()))
                }
                fn from_wire(value: &#rt::serde_json::Value) -> ::core::result::Result<Self, #rt::ValueError> {
                    match value.as_str() {
                        #( ::core::option::Option::Some(#values) => ::core::result::Result::Ok(Self::#variants), )*
                        ::core::option::Option::Some(other) => ::core::result::Result::Ok(Self::Other(::std::string::ToString::to_string(other))),
                        ::core::option::Option::None => ::core::result::Result::Err(#rt::ValueError::new("a string", value)),
                    }
                }
            }
        }
    }

    /// The items of one entity's module, with a placeholder for each per-field part
    /// ([`Slot`]): `slots.rs` prints those.
    fn entity_items(&self, e: &EntityModel) -> TokenStream {
        let rt = &self.rt;
        let markers = format_ident!("{}", MARKERS_MODULE);
        let ident = ident_tokens(&e.ident);
        let marker = ident_tokens(&e.ident);
        let field_enum = format_ident!("{}", e.field_enum);
        let handles = format_ident!("{}", e.handles);
        let wire = &e.wire;
        let [fields, eq, empties, arms, variants, all, info, handle_fields, consts, _] =
            slots::EVERY_SLOT.map(|s| format_ident!("{}", s.placeholder()));

        let struct_doc = doc(&format!(
            "**{}**: a record of entity type `{wire}`.\n\nEvery field is optional (a read returns only the fields asked for) except `id`. \
             Typed field handles are in `{}::F`; field names in `{}`.",
            escape(&e.display),
            e.ident,
            e.field_enum
        ));
        let lists = e.fields.iter().filter_map(|f| match &f.kind {
            Kind::List(Some(l)) => Some(self.list_enum(e, f, l)),
            _ => None,
        });
        let count = e.fields.len();
        // An entity with no field but `id` has no arm of its own to match.
        let read_loop = if e.fields.iter().all(|f| f.wire == "id") {
            quote! {
                while r.next_field(#field_enum::INFO).is_some() {
                    r.skip();
                }
            }
        } else {
            quote! {
                while let ::core::option::Option::Some(i) = r.next_field(#field_enum::INFO) {
                    match i {
                        #arms => {}
                        _ => r.skip(),
                    }
                }
            }
        };

        quote! {
            #struct_doc
            #[derive(Clone, Debug)]
            pub struct #ident {
                /// The record's id.
                pub id: #rt::typed::Id<super::#markers::#marker>,
                pub #fields: (),
            }

            // One statement per field: a derived `PartialEq` is one `&&` chain, nested as deep
            // as the entity has fields, which overflows rustc's stack past ~5,000 fields.
            impl ::core::cmp::PartialEq for #ident {
                fn eq(&self, other: &Self) -> bool {
                    if self.id != other.id {
                        return false;
                    }
                    #eq;
                    true
                }
            }

            impl #rt::typed::Entity for #ident {
                type Type = super::#markers::#marker;
                type Field = #field_enum;
                fn read_fields<'de, A: #rt::__private::MapAccess<'de>>(
                    r: &mut #rt::__private::RecordReader<'de, A>,
                ) -> ::core::result::Result<Self, A::Error> {
                    let mut value = Self {
                        id: #rt::typed::Id::new(0),
                        #empties: (),
                    };
                    #read_loop
                    value.id = r.id();
                    r.finish(value)
                }
                fn id(&self) -> #rt::typed::Id<super::#markers::#marker> {
                    self.id
                }
            }

            #[doc = concat!(" The fields of `", #wire, "`, by wire name.")]
            #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
            pub enum #field_enum {
                #variants,
            }

            impl #field_enum {
                /// Every field, sorted by wire name.
                pub const ALL: &'static [#field_enum; #count] = &[Self::#all];

                /// What the schema says of each field, in the order of `ALL`.
                pub const INFO: &'static [#rt::typed::FieldInfo; #count] = &[#info];

                /// What the schema says of this field.
                pub const fn info(self) -> &'static #rt::typed::FieldInfo {
                    &Self::INFO[self as usize]
                }

                /// The wire name.
                pub const fn wire_name(self) -> &'static str {
                    self.info().wire_name
                }

                /// The display name on the site.
                pub const fn display_name(self) -> &'static str {
                    self.info().display_name
                }

                /// The schema's data type.
                pub const fn data_type(self) -> &'static str {
                    self.info().data_type
                }

                /// Whether the API may write the field.
                pub const fn is_writable(self) -> bool {
                    self.info().writable
                }
            }

            impl #rt::typed::EntityField for #field_enum {
                type Type = super::#markers::#marker;
                const ALL: &'static [Self] = #field_enum::ALL;
                fn wire_name(self) -> &'static str { #field_enum::wire_name(self) }
                fn display_name(self) -> &'static str { #field_enum::display_name(self) }
                fn data_type(self) -> &'static str { #field_enum::data_type(self) }
                fn is_writable(self) -> bool { #field_enum::is_writable(self) }
            }

            // Debug and Display print the wire name: no derive, no second match per field.
            impl ::core::fmt::Debug for #field_enum {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.wire_name())
                }
            }

            impl ::core::fmt::Display for #field_enum {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(self.wire_name())
                }
            }

            impl ::core::str::FromStr for #field_enum {
                type Err = #rt::typed::UnknownField;
                /// By binary search: `ALL` is sorted by wire name.
                // `Self::Err` would be ambiguous with a variant named `Err` (a field `err`).
                fn from_str(name: &str) -> ::core::result::Result<Self, #rt::typed::UnknownField> {
                    match Self::ALL.binary_search_by(|f| f.wire_name().cmp(name)) {
                        ::core::result::Result::Ok(i) => ::core::result::Result::Ok(Self::ALL[i]),
                        ::core::result::Result::Err(_) => ::core::result::Result::Err(#rt::typed::UnknownField {
                            entity_type: #wire,
                            name: ::std::string::ToString::to_string(name),
                        }),
                    }
                }
            }

            #[doc = concat!(" Typed handles on the fields of `", #wire, "`: reach them as `", stringify!(#ident), "::F`.")]
            pub struct #handles {
                pub #handle_fields: (),
            }

            // The entry points as inherent functions, so that rustdoc shows them on the struct
            // (the `Record` trait has them too, with `summarize`, `delete` and `revive`, for code
            // generic over entity types). Three, not six: each costs compile time per entity.
            impl #ident {
                /// Typed handles on this entity type's fields.
                pub const F: #handles = #handles {
                    #consts: (),
                };

                /// A typed read (`find`, `find_one` with `.first`): every field unless `.fields(..)` names some.
                #[doc(alias = "find_one")]
                pub fn find() -> #rt::typed::Find<Self> {
                    #rt::typed::Find::new()
                }

                /// A typed create; `.send` returns the new record's id and the fields set.
                pub fn create() -> #rt::typed::Create<Self> {
                    #rt::typed::Create::new()
                }

                /// A typed update of record `id`.
                pub fn update(id: #rt::typed::Id<super::#markers::#marker>) -> #rt::typed::Update<Self> {
                    #rt::typed::Update::new(id)
                }

            }

            #( #lists )*
        }
    }

    /// The markers module, its items left to `markers.rs`.
    fn markers(&self) -> TokenStream {
        let markers = format_ident!("{}", MARKERS_MODULE);
        let items = format_ident!("{}", Slot::Markers.placeholder());
        quote! {
            /// Entity-type markers and link-target sets: always compiled, whatever entities are
            /// enabled, so that every link can name its targets.
            pub mod #markers {
                pub struct #items;
            }
        }
    }

    /// The root items, with each entity's module declared (`pub mod shot;`).
    fn root(&self, model: &Model) -> TokenStream {
        let markers = self.markers();
        let wires = model.entities.iter().map(|e| e.wire.as_str());
        let modules = model.entities.iter().map(|e| {
            let m = ident_tokens(&e.module);
            let cfg = self.cfg(e);
            let d = doc(&format!(
                "Entity type `{}` (**{}**).",
                e.wire,
                escape(&e.display)
            ));
            let mut exports = vec![e.ident.clone(), e.field_enum.clone(), e.handles.clone()];
            exports.extend(e.fields.iter().filter_map(|f| match &f.kind {
                Kind::List(Some(l)) => Some(l.ident.clone()),
                _ => None,
            }));
            let exports = exports.iter().map(|x| ident_tokens(x));
            let alias = e.alias.as_ref().map(|a| {
                let a = format_ident!("{}", a);
                let i = ident_tokens(&e.ident);
                let d = doc(&format!(
                    "`{}` by its display name, **{}**.",
                    e.wire,
                    escape(&e.display)
                ));
                quote!(#d #cfg pub type #a = #m::#i;)
            });
            quote! {
                #d
                #cfg
                pub mod #m;
                #cfg
                pub use #m::{#(#exports),*};
                #alias
            }
        });
        quote! {
            #markers
            /// Every entity type in these bindings, sorted.
            pub const ENTITY_TYPES: &[&str] = &[#(#wires),*];
            #( #modules )*
        }
    }

    fn cfg(&self, e: &EntityModel) -> TokenStream {
        if self.options.entity_features {
            let f = e.module.clone();
            quote!(#[cfg(feature = #f)])
        } else {
            quote!()
        }
    }

    /// The text of entity `e`'s items; with `inline`, of its module `pub mod shot { .. }`.
    fn render_entity(&self, e: &EntityModel, inline: bool) -> Result<Rendered, String> {
        let items = self.entity_items(e);
        let tokens = if inline {
            let m = ident_tokens(&e.module);
            quote!(pub mod #m { #items })
        } else {
            items
        };
        let frame = unparse(tokens)?;
        // Every entity slot has its placeholder, but the match arms of an entity with no field
        // of its own (see `entity_items`).
        let has_arms = e.fields.iter().any(|f| f.wire != "id");
        let expected = slots::EVERY_SLOT.len() - 1 - usize::from(!has_arms);
        let (text, exact) = slots::fill(&frame, expected, |slot, col, opener, out| {
            self.write_slot(e, slot, col, opener, out)
        })?;
        if exact {
            return Ok(Rendered { text, whole: false });
        }
        // A part not sure of its layout: prettyplease lays out the whole text.
        let file = syn::parse_file(&text).map_err(|err| {
            format!(
                "internal error: the code of {} does not parse: {err}",
                e.wire
            )
        })?;
        Ok(Rendered {
            text: prettyplease::unparse(&file),
            whole: true,
        })
    }
}

/// One entity's text.
struct Rendered {
    text: String,
    /// Whether prettyplease laid out the whole text (a part was not sure of its layout).
    whole: bool,
}

fn unparse(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("internal error: generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Renders `model` as files. The header names the generator but not the source, so the same
/// schema gives the same bytes whether it came from a snapshot or a live site. With the files,
/// the entity types whose text prettyplease laid out as a whole (see `layout.rs`).
pub fn emit(model: &Model, options: &Options) -> Result<(Vec<GeneratedFile>, Vec<String>), String> {
    let emitter = || -> Result<Emitter<'_>, String> {
        let rt: syn::Path = syn::parse_str(&options.runtime_path).map_err(|e| {
            format!(
                "--runtime-path `{}` is not a Rust path: {e}",
                options.runtime_path
            )
        })?;
        let printed = unparse(quote!(type T = #rt;))?;
        let rt_text = printed
            .trim_end()
            .trim_start_matches("type T = ")
            .trim_end_matches(';')
            .to_string();
        Ok(Emitter {
            rt: quote!(#rt),
            rt_text,
            options,
        })
    };
    let header = format!(
        "// @generated by sg-codegen {} from a ShotGrid schema.\n// Do not edit: regenerate instead.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    let inline = options.layout == Layout::SingleFile;
    let rendered = render_entities(model, inline, &emitter)?;
    let reformatted = model
        .entities
        .iter()
        .zip(&rendered)
        .filter(|(_, r)| r.whole)
        .map(|(e, _)| e.wire.clone())
        .collect();
    let entities = rendered.into_iter().map(|r| r.text);
    let em = emitter()?;
    let root = unparse(em.root(model))?;
    let (root, _) = slots::fill(&root, 1, |_, col, _, out| {
        em.write_markers(model, col, out);
        true
    })?;
    let files = match options.layout {
        Layout::SingleFile => {
            // Each `pub mod shot;` of the root becomes the module written in place.
            let mut at: std::collections::BTreeMap<String, String> = model
                .entities
                .iter()
                .zip(entities)
                .map(|(e, text)| {
                    let m = crate::names::ident_text(&e.module);
                    (format!("pub mod {m};"), text)
                })
                .collect();
            let mut text = header;
            for line in root.lines() {
                match at.remove(line) {
                    Some(module) => text.push_str(&module),
                    None => {
                        text.push_str(line);
                        text.push('\n');
                    }
                }
            }
            vec![GeneratedFile {
                name: options.file_name.clone(),
                text,
            }]
        }
        Layout::Files => {
            let mut files = vec![GeneratedFile {
                name: "mod.rs".into(),
                text: format!("{header}{root}"),
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
        }
    };
    Ok((files, reformatted))
}

/// The text of every entity, in model order, rendered on every core: token streams are not
/// `Send`, so each thread builds its own emitter; entity `i` goes to thread `i % threads`, and
/// the texts are put back in order (the output does not depend on the threads).
fn render_entities<'a>(
    model: &Model,
    inline: bool,
    emitter: &(dyn Fn() -> Result<Emitter<'a>, String> + Sync),
) -> Result<Vec<Rendered>, String> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(model.entities.len())
        .max(1);
    let mut texts: Vec<(usize, Rendered)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> Result<Vec<(usize, Rendered)>, String> {
                    let em = emitter()?;
                    model
                        .entities
                        .iter()
                        .enumerate()
                        .skip(t)
                        .step_by(threads)
                        .map(|(i, e)| Ok((i, em.render_entity(e, inline)?)))
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(model.entities.len());
        for w in workers {
            all.extend(
                w.join()
                    .map_err(|_| "internal error: a codegen thread panicked")??,
            );
        }
        Ok::<_, String>(all)
    })?;
    texts.sort_by_key(|(i, _)| *i);
    Ok(texts.into_iter().map(|(_, t)| t).collect())
}
