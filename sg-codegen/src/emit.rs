//! The model to Rust source: `quote!` token streams, parsed by syn, printed by prettyplease.

use crate::model::{EntityModel, FieldModel, Kind, ListEnum, Model, Targets, MARKERS_MODULE};
use crate::names::ident_tokens;
use crate::{Layout, Options};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

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
    // A bare CR is an error in a doc comment, a text-direction codepoint is denied by default,
    // and other control characters have no place in one: schema text can hold any of them.
    let text: String = text
        .chars()
        .map(|c| if is_hidden(c) { ' ' } else { c })
        .collect();
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
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
    options: &'a Options,
}

impl Emitter<'_> {
    /// The Rust type of a value of kind `k` in a record of the entity whose marker is `marker`.
    fn value_type(&self, k: &Kind, marker: &TokenStream) -> TokenStream {
        let rt = &self.rt;
        match k {
            Kind::Id => quote!(#rt::typed::Id<#marker>),
            Kind::Text | Kind::Opaque | Kind::Password | Kind::List(None) => {
                quote!(::std::string::String)
            }
            Kind::Image => quote!(#rt::Image),
            Kind::Number | Kind::Measure => quote!(i64),
            Kind::Float => quote!(f64),
            Kind::Checkbox => quote!(bool),
            Kind::Date => quote!(#rt::chrono::NaiveDate),
            Kind::DateTime => quote!(#rt::chrono::DateTime<#rt::chrono::Utc>),
            Kind::List(Some(e)) => {
                let i = format_ident!("{}", e.ident);
                quote!(#i)
            }
            Kind::Entity(t) => self.link_type(t),
            Kind::MultiEntity(t) => {
                let l = self.link_type(t);
                quote!(::std::vec::Vec<#l>)
            }
            Kind::TagList => quote!(::std::vec::Vec<::std::string::String>),
            Kind::Url => quote!(#rt::FileLink),
            Kind::Serializable | Kind::Computed => quote!(#rt::serde_json::Value),
            Kind::EventMeta => quote!(#rt::typed::EventMeta),
        }
    }

    /// One link of a field with targets `t`: `Link<M>` for one type, else `TargetRef<Set>`.
    fn link_type(&self, t: &Targets) -> TokenStream {
        let rt = &self.rt;
        let set = self.targets(t);
        match t {
            Targets::One(_) => quote!(#rt::typed::Link<#set>),
            Targets::Any | Targets::Set { .. } => quote!(#rt::typed::TargetRef<#set>),
        }
    }

    fn targets(&self, t: &Targets) -> TokenStream {
        let rt = &self.rt;
        let markers = format_ident!("{}", MARKERS_MODULE);
        match t {
            Targets::Any => quote!(#rt::typed::AnyEntity),
            Targets::One(m) | Targets::Set { marker: m, .. } => {
                let m = format_ident!("{}", m);
                quote!(super::#markers::#m)
            }
        }
    }

    fn kind_type(&self, k: &Kind, marker: &TokenStream) -> TokenStream {
        let rt = &self.rt;
        let simple = |name: &str| {
            let n = format_ident!("{}", name);
            quote!(#rt::typed::kind::#n)
        };
        match k {
            Kind::Text => simple("Text"),
            Kind::Number => simple("Number"),
            Kind::Float => simple("Float"),
            Kind::Measure => simple("Measure"),
            Kind::Checkbox => simple("Checkbox"),
            Kind::Date => simple("Date"),
            Kind::DateTime => simple("DateTime"),
            Kind::TagList => simple("TagList"),
            Kind::Url => simple("Url"),
            Kind::Image => simple("Image"),
            Kind::Opaque => simple("Opaque"),
            Kind::Password => simple("Password"),
            Kind::Id => quote!(#rt::typed::kind::Id<#marker>),
            Kind::EventMeta => simple("EventMeta"),
            Kind::Serializable => simple("Serializable"),
            Kind::Computed => simple("Computed"),
            Kind::List(_) => {
                let v = self.value_type(k, marker);
                quote!(#rt::typed::kind::List<#v>)
            }
            Kind::Entity(t) => {
                let t = self.targets(t);
                quote!(#rt::typed::kind::Entity<#t>)
            }
            Kind::MultiEntity(t) => {
                let t = self.targets(t);
                quote!(#rt::typed::kind::MultiEntity<#t>)
            }
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

    /// The items of one entity's module.
    fn entity_items(&self, e: &EntityModel) -> TokenStream {
        let rt = &self.rt;
        let markers = format_ident!("{}", MARKERS_MODULE);
        let ident = ident_tokens(&e.ident);
        let marker = ident_tokens(&e.ident);
        let field_enum = format_ident!("{}", e.field_enum);
        let handles = format_ident!("{}", e.handles);
        let wire = &e.wire;
        let fields: Vec<&FieldModel> = e.fields.iter().filter(|f| f.wire != "id").collect();
        let marker_path = quote!(super::#markers::#marker);

        let struct_doc = doc(&format!(
            "**{}**: a record of entity type `{wire}`.\n\nEvery field is optional (a read returns only the fields asked for) except `id`. \
             Typed field handles are in `{}::F`; field names in `{}`.",
            escape(&e.display),
            e.ident,
            e.field_enum
        ));
        let idents: Vec<_> = fields.iter().map(|f| ident_tokens(&f.ident)).collect();
        // `value` for an `Option`, `list` for a multi-entity `Vec`: a direct call per field
        // (a generic `read` through a trait costs type-checking time on every field).
        let takes: Vec<_> = fields
            .iter()
            .map(|f| match f.kind {
                Kind::MultiEntity(_) => quote!(list),
                _ => quote!(value),
            })
            .collect();
        // The value of a field not (yet) read, spelt out (a `Default::default()` per field is a
        // trait lookup per field for the type checker).
        let empties: Vec<_> = fields
            .iter()
            .map(|f| match f.kind {
                Kind::MultiEntity(_) => quote!(::std::vec::Vec::new()),
                _ => quote!(::core::option::Option::None),
            })
            .collect();
        // Each field's index in the field enum's `INFO` (sorted by wire name, `id` included).
        let indices: Vec<usize> = fields
            .iter()
            .map(|f| {
                e.fields
                    .iter()
                    .position(|a| a.wire == f.wire)
                    .expect("a field of the entity")
            })
            .collect();
        // Multi-entity fields are lists, empty when the site has no link; the others `Option`.
        let types: Vec<_> = fields
            .iter()
            .map(|f| {
                let t = self.value_type(&f.kind, &marker_path);
                match f.kind {
                    Kind::MultiEntity(_) => t,
                    _ => quote!(::core::option::Option<#t>),
                }
            })
            .collect();
        let docs: Vec<_> = fields.iter().map(|f| doc(&field_doc(e, f))).collect();

        let all = &e.fields;
        let variants: Vec<_> = all.iter().map(|f| ident_tokens(&f.variant)).collect();
        let all_wires: Vec<&str> = all.iter().map(|f| f.wire.as_str()).collect();
        let displays: Vec<&str> = all.iter().map(|f| f.display.as_str()).collect();
        let data_types: Vec<&str> = all.iter().map(|f| f.data_type.as_str()).collect();
        let writable: Vec<bool> = all.iter().map(|f| f.writable).collect();
        let variant_docs = all.iter().map(|f| doc(&field_doc(e, f)));
        let handle_docs = all.iter().map(|f| doc(&field_doc(e, f)));
        let handle_idents: Vec<_> = all.iter().map(|f| ident_tokens(&f.ident)).collect();
        let handle_types = all.iter().map(|f| {
            let k = self.kind_type(&f.kind, &marker_path);
            let access = if f.writable {
                quote!(#rt::typed::Writable)
            } else {
                quote!(#rt::typed::ReadOnly)
            };
            quote!(#rt::typed::FieldRef<super::#markers::#marker, #k, #access>)
        });
        let lists = e.fields.iter().filter_map(|f| match &f.kind {
            Kind::List(Some(l)) => Some(self.list_enum(e, f, l)),
            _ => None,
        });
        let count = all.len();
        // An entity with no field but `id` has no arm of its own to match.
        let read_loop = if fields.is_empty() {
            quote! {
                while r.next_field(#field_enum::INFO).is_some() {
                    r.skip();
                }
            }
        } else {
            quote! {
                while let ::core::option::Option::Some(i) = r.next_field(#field_enum::INFO) {
                    match i {
                        #( #indices => r.#takes(&mut value.#idents), )*
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
                #( #docs pub #idents: #types, )*
            }

            // One statement per field: a derived `PartialEq` is one `&&` chain, nested as deep
            // as the entity has fields, which overflows rustc's stack past ~5,000 fields.
            impl ::core::cmp::PartialEq for #ident {
                fn eq(&self, other: &Self) -> bool {
                    if self.id != other.id {
                        return false;
                    }
                    #( if self.#idents != other.#idents { return false; } )*
                    true
                }
            }

            impl #rt::typed::Entity for #ident {
                type Type = super::#markers::#marker;
                type Field = #field_enum;
                fn read_fields<'de, A: #rt::typed::MapAccess<'de>>(
                    r: &mut #rt::typed::RecordReader<'de, A>,
                ) -> ::core::result::Result<Self, A::Error> {
                    let mut value = Self {
                        id: #rt::typed::Id::new(0),
                        #( #idents: #empties, )*
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
                #( #variant_docs #variants, )*
            }

            impl #field_enum {
                /// Every field, sorted by wire name.
                pub const ALL: &'static [#field_enum; #count] = &[#( Self::#variants, )*];

                /// What the schema says of each field, in the order of `ALL`.
                pub const INFO: &'static [#rt::typed::FieldInfo; #count] = &[#(
                    #rt::typed::FieldInfo {
                        wire_name: #all_wires,
                        display_name: #displays,
                        data_type: #data_types,
                        writable: #writable,
                    },
                )*];

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
                #( #handle_docs pub #handle_idents: #handle_types, )*
            }

            // The entry points as inherent functions, so that rustdoc shows them on the struct
            // (the `Record` trait has them too, with `summarize`, `delete` and `revive`, for code
            // generic over entity types). Three, not six: each costs compile time per entity.
            impl #ident {
                /// Typed handles on this entity type's fields.
                pub const F: #handles = #handles {
                    #( #handle_idents: #rt::typed::FieldRef::new(#all_wires), )*
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

    fn markers(&self, model: &Model) -> TokenStream {
        let rt = &self.rt;
        let markers = format_ident!("{}", MARKERS_MODULE);
        let entity_markers = model.entities.iter().map(|e| {
            let m = ident_tokens(&e.ident);
            let wire = &e.wire;
            let d = doc(&format!(
                "The entity type `{wire}` (**{}**) as a type.",
                escape(&e.display)
            ));
            // Thumbnail uploads compile only for entity types with an `image` field.
            let thumbnail = e
                .fields
                .iter()
                .any(|f| f.wire == "image" && matches!(f.kind, Kind::Image))
                .then(|| quote!(impl #rt::typed::HasThumbnail for #m {}));
            quote! {
                #d
                pub enum #m {}
                impl #rt::typed::EntityType for #m {
                    const NAME: &'static str = #wire;
                }
                #thumbnail
            }
        });
        let wire_of: std::collections::BTreeMap<&str, &str> = model
            .entities
            .iter()
            .map(|e| (e.ident.as_str(), e.wire.as_str()))
            .collect();
        let sets = model.target_sets.iter().map(|(name, (d, members))| {
            let set = format_ident!("{}", name);
            let d = doc(d);
            let mut names: Vec<&str> = members.iter().map(|m| wire_of[m.as_str()]).collect();
            names.sort_unstable();
            let members: Vec<_> = members.iter().map(|m| ident_tokens(m)).collect();
            // The members as a type list `(A, (B, ()))`: a link read from this field goes into
            // any field that takes all its types (`Within`, checked where it is used).
            let list = members
                .iter()
                .rev()
                .fold(quote!(()), |rest, m| quote!((#m, #rest)));
            quote! {
                #d
                pub enum #set {}
                #( impl #rt::typed::LinkTarget<#set> for #members {} )*
                impl #rt::typed::TargetSet for #set {
                    const NAMES: &'static [&'static str] = &[#(#names),*];
                    type Link = #rt::typed::TargetRef<#set>;
                    type Members = #list;
                }
            }
        });
        quote! {
            /// Entity-type markers and link-target sets: always compiled, whatever entities are
            /// enabled, so that every link can name its targets.
            pub mod #markers {
                #( #entity_markers )*
                #( #sets )*
            }
        }
    }

    /// The root items; with `inline`, each entity's module is written in place.
    fn root(&self, model: &Model, inline: bool) -> TokenStream {
        let markers = self.markers(model);
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
            let body = if inline {
                let items = self.entity_items(e);
                quote!({ #items })
            } else {
                quote!(;)
            };
            quote! {
                #d
                #cfg
                pub mod #m #body
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
}

fn render(tokens: TokenStream, header: &str) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("internal error: generated code does not parse: {e}"))?;
    Ok(format!("{header}{}", prettyplease::unparse(&file)))
}

/// Renders `model` as files. The header names the generator but not the source, so the same
/// schema gives the same bytes whether it came from a snapshot or a live site.
pub fn emit(model: &Model, options: &Options) -> Result<Vec<GeneratedFile>, String> {
    let emitter = || -> Result<Emitter<'_>, String> {
        let rt: syn::Path = syn::parse_str(&options.runtime_path).map_err(|e| {
            format!(
                "--runtime-path `{}` is not a Rust path: {e}",
                options.runtime_path
            )
        })?;
        Ok(Emitter {
            rt: quote!(#rt),
            options,
        })
    };
    let em = emitter()?;
    let header = format!(
        "// @generated by sg-codegen {} from a ShotGrid schema.\n// Do not edit: regenerate instead.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    match options.layout {
        Layout::SingleFile => Ok(vec![GeneratedFile {
            name: options.file_name.clone(),
            text: render(em.root(model, true), &header)?,
        }]),
        Layout::Files => {
            // One file per entity, on every core: token streams are not `Send`, so each
            // thread builds its own emitter; entity `i` goes to thread `i % threads`, and the
            // files are put back in model order (the output does not depend on the threads).
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(model.entities.len())
                .max(1);
            let mut entity_files: Vec<(usize, GeneratedFile)> = std::thread::scope(|scope| {
                let workers: Vec<_> = (0..threads)
                    .map(|t| {
                        let (header, emitter) = (&header, &emitter);
                        scope.spawn(move || -> Result<Vec<(usize, GeneratedFile)>, String> {
                            let em = emitter()?;
                            model
                                .entities
                                .iter()
                                .enumerate()
                                .skip(t)
                                .step_by(threads)
                                .map(|(i, e)| {
                                    Ok((
                                        i,
                                        GeneratedFile {
                                            name: format!("{}.rs", e.module),
                                            text: render(em.entity_items(e), header)?,
                                        },
                                    ))
                                })
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
            entity_files.sort_by_key(|(i, _)| *i);
            let mut files = vec![GeneratedFile {
                name: "mod.rs".into(),
                text: render(em.root(model, false), &header)?,
            }];
            files.extend(entity_files.into_iter().map(|(_, f)| f));
            Ok(files)
        }
    }
}
