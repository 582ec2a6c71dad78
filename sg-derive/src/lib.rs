//! Derive macros for sg-runtime.
//!
//! `#[derive(Select)]` makes a struct of your own a projection of one entity type: a typed read
//! returns exactly its fields, each checked at compile time to exist on that entity with a
//! compatible Rust type.
//!
//! ```ignore
//! #[derive(sg_derive::Select)]
//! #[sg(entity = sg::Shot)]            // the generated entity struct
//! struct ShotRow {
//!     id: sg_runtime::typed::Id<sg::markers::Shot>, // optional: the record's id (or an `i64`)
//!     code: Option<String>,             // the field `code`, as `Option` of its Rust type
//!     #[sg(field = "sg_status_list")]   // another name for the Rust field
//!     status: Option<sg::ShotSgStatusList>,
//!     #[sg(path = "sg_sequence.Sequence.code")] // a deep link through single-entity links
//!     sequence: Option<String>,
//!     assets: Vec<sg_runtime::typed::Link<sg::markers::Asset>>, // a multi-entity field: a `Vec`
//! }
//! let rows: Vec<ShotRow> = ShotRow::find().filter(sg::Shot::F.code.starts_with("sh")).all(&client)?;
//! ```
//!
//! A misspelt field is rustc's own "no field" error on the entity's handles, pointing at your
//! field, with its "a field with a similar name exists" hint; a wrong type is a type mismatch
//! pointing at your field's type. Deep-link paths name entity types by their generated struct
//! names, found beside the entity struct (`sg::Sequence`).

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{parse_macro_input, Data, DeriveInput, Fields, LitStr, Path};

/// Derives `sg_runtime::typed::Readable` for a projection struct; see the crate docs.
#[proc_macro_derive(Select, attributes(sg))]
pub fn derive_select(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match select(&input) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

enum Source {
    Field(String, Span),
    Path(LitStr),
}

fn entity_path(input: &DeriveInput) -> syn::Result<Path> {
    let mut entity = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("sg")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("entity") {
                entity = Some(meta.value()?.parse::<Path>()?);
                Ok(())
            } else {
                Err(meta.error("expected `entity = path::To::EntityStruct`"))
            }
        })?;
    }
    entity.ok_or_else(|| {
        syn::Error::new(
            input.ident.span(),
            "#[derive(Select)] needs #[sg(entity = path::To::EntityStruct)]",
        )
    })
}

fn field_source(field: &syn::Field) -> syn::Result<Source> {
    let ident = field.ident.as_ref().expect("named fields");
    let mut source = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("sg")) {
        attr.parse_nested_meta(|meta| {
            let lit: LitStr = meta.value()?.parse()?;
            if meta.path.is_ident("field") {
                source = Some(Source::Field(lit.value(), lit.span()));
            } else if meta.path.is_ident("path") {
                source = Some(Source::Path(lit));
            } else {
                return Err(
                    meta.error("expected `field = \"name\"` or `path = \"link.Type.field\"`")
                );
            }
            Ok(())
        })?;
    }
    Ok(source.unwrap_or_else(|| {
        let name = ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
        Source::Field(name, ident.span())
    }))
}

/// `entity::F.a.via(B::F.c)...` for a path `a.B.c...`, with `B` found beside `entity`.
fn handle_expr(entity: &Path, source: &Source) -> syn::Result<(TokenStream2, String)> {
    match source {
        Source::Field(name, span) => {
            let f = format_ident!("{}", name, span = *span);
            Ok((quote_spanned!(*span=> #entity::F.#f), name.clone()))
        }
        Source::Path(lit) => {
            let text = lit.value();
            let parts: Vec<&str> = text.split('.').collect();
            if parts.len() < 3 || parts.len() % 2 == 0 || parts.iter().any(|p| p.is_empty()) {
                return Err(syn::Error::new(
                    lit.span(),
                    "a deep link reads `link_field.EntityType.field` (repeatable)",
                ));
            }
            let span = lit.span();
            let first = format_ident!("{}", parts[0], span = span);
            let mut expr = quote_spanned!(span=> #entity::F.#first);
            let mut module = entity.clone();
            module.segments.pop();
            for pair in parts[1..].chunks(2) {
                let ty = format_ident!("{}", pair[0], span = span);
                let field = format_ident!("{}", pair[1], span = span);
                let target = if module.segments.is_empty() {
                    quote_spanned!(span=> #ty)
                } else {
                    quote_spanned!(span=> #module #ty)
                };
                expr = quote_spanned!(span=> #expr.via(#target::F.#field));
            }
            Ok((expr, text))
        }
    }
}

fn select(input: &DeriveInput) -> syn::Result<TokenStream2> {
    let entity = entity_path(input)?;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Select)] takes a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.span(),
            "#[derive(Select)] takes a struct with named fields",
        ));
    };
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let rt = quote!(::sg_runtime);
    let mut wires = Vec::new();
    let mut inits = Vec::new();
    let mut locals = Vec::new();
    let mut arms = Vec::new();
    let mut queries = Vec::new();
    for field in &fields.named {
        let ident = field.ident.as_ref().expect("named fields");
        let ty = &field.ty;
        if ident == "id" && field.attrs.iter().all(|a| !a.path().is_ident("sg")) {
            inits.push(quote!(id: __r.id()));
            continue;
        }
        let source = field_source(field)?;
        let (handle, wire) = handle_expr(&entity, &source)?;
        let at = match &source {
            Source::Field(_, span) => *span,
            Source::Path(lit) => lit.span(),
        };
        // The handle's types, from a closure never called: a misspelt field or a path through
        // a multi-entity link is reported at the field's name or path.
        let types = quote_spanned!(at=> #rt::__private::handle_types(|| #handle));
        let local = format_ident!("__f{}", wires.len(), span = ty.span());
        let index = wires.len();
        locals.push(quote!(let mut #local = ::core::default::Default::default();));
        // Spanned at the field's type: a type that cannot hold the field is reported there.
        arms.push(quote_spanned!(ty.span()=> #index => __r.read_projected(#types, &mut #local),));
        inits.push(quote!(#ident: #local));
        queries.push(quote!(#rt::__private::query_of(&#handle)));
        wires.push(wire);
    }
    // Query fields a projection names are filled by the read (the handles know which).
    let query_fields = if queries.is_empty() {
        quote!()
    } else {
        quote! {
            fn query_fields() -> ::std::vec::Vec<(::std::string::String, &'static str)> {
                [#(#queries),*].into_iter().flatten().collect()
            }
        }
    };
    // A projection of `id` alone has no arm of its own to match.
    let read_loop = if wires.is_empty() {
        quote! {
            while __r.next_of(__NAMES).is_some() {
                __r.skip();
            }
        }
    } else {
        quote! {
            while let ::core::option::Option::Some(__i) = __r.next_of(__NAMES) {
                match __i {
                    #(#arms)*
                    _ => __r.skip(),
                }
            }
        }
    };
    Ok(quote! {
        impl #impl_generics #rt::typed::Readable for #name #ty_generics #where_clause {
            type Type = <#entity as #rt::typed::Entity>::Type;
            fn return_fields() -> ::std::vec::Vec<::std::string::String> {
                ::std::vec![#( ::std::string::ToString::to_string(#wires) ),*]
            }
            #query_fields
            fn read_fields<'de, A: #rt::__private::MapAccess<'de>>(
                __r: &mut #rt::__private::RecordReader<'de, A>,
            ) -> ::core::result::Result<Self, A::Error> {
                const __NAMES: &[&str] = &[#(#wires),*];
                #(#locals)*
                #read_loop
                let __value = Self { #(#inits),* };
                __r.finish(__value)
            }
        }
    })
}
