//! The one naming pass: schema names to Rust identifiers, with keywords, digits and collisions
//! settled deterministically.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::collections::BTreeSet;

/// Keywords that cannot even be raw identifiers: they get a trailing `_`.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// Strict and reserved keywords (2015 to 2024 editions), which become raw identifiers.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// Keeps ASCII letters and digits; everything else separates words.
fn words(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect()
}

/// `s`, with a trailing `_` where it is a keyword that cannot be raw (`self`, `Self`, ...).
fn not_raw_safe(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else {
        s
    }
}

/// A `snake_case` identifier for `name` (without the `r#` of a keyword; see [`ident_text`]).
pub fn snake(name: &str) -> String {
    not_raw_safe(snake_raw(name))
}

fn snake_raw(name: &str) -> String {
    let s = words(name).to_snake_case();
    if s.is_empty() {
        "field".into()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// An `UpperCamelCase` identifier for `name`; `prefix` goes before a leading digit, and before
/// `Self` (which cannot be an identifier, and `Self_` is not UpperCamelCase).
pub fn camel(name: &str, prefix: &str) -> String {
    let s = camel_raw(name, prefix);
    if NOT_RAW.contains(&s.as_str()) {
        format!("{prefix}{s}")
    } else {
        s
    }
}

fn camel_raw(name: &str, prefix: &str) -> String {
    let s = words(name).to_upper_camel_case();
    if s.is_empty() {
        "Empty".into()
    } else if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{prefix}{s}")
    } else {
        s
    }
}

/// Whether `s` is a keyword that needs `r#` (or, for `self` and the like, a trailing `_`).
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s) || NOT_RAW.contains(&s)
}

/// Identifier `s` as generated code writes it: `r#s` for keywords, `s_` where even raw is not
/// allowed (`self`, `Self`, `super`, `crate`, `_`).
pub fn ident_text(s: &str) -> std::borrow::Cow<'_, str> {
    match ident_form(s) {
        IdentForm::Plain => s.into(),
        IdentForm::Raw => format!("r#{s}").into(),
        IdentForm::Suffixed => format!("{s}_").into(),
    }
}

enum IdentForm {
    Plain,
    Raw,
    Suffixed,
}

fn ident_form(s: &str) -> IdentForm {
    if NOT_RAW.contains(&s) {
        IdentForm::Suffixed
    } else if KEYWORDS.contains(&s) {
        IdentForm::Raw
    } else {
        IdentForm::Plain
    }
}

/// Hands out identifiers unique within one namespace: the first claim of a name gets it, later
/// claims get `_2`, `_3`, ... (`2`, `3` for camel case). Callers claim in sorted order, so the
/// outcome is deterministic.
#[derive(Debug, Default)]
pub struct Namer {
    used: BTreeSet<String>,
}

impl Namer {
    /// A namer with `reserved` already taken.
    pub fn with_reserved<'a>(reserved: impl IntoIterator<Item = &'a str>) -> Namer {
        Namer {
            used: reserved.into_iter().map(str::to_owned).collect(),
        }
    }

    /// Claims `base`, or the first free variant of it.
    pub fn claim(&mut self, base: &str) -> String {
        let camel = base.starts_with(|c: char| c.is_ascii_uppercase());
        let mut candidate = base.to_string();
        let mut n = 2;
        while self.used.contains(&candidate) {
            // `self_` goes to `self_2`: a double underscore is not snake case.
            candidate = if camel || base.ends_with('_') {
                format!("{base}{n}")
            } else {
                format!("{base}_{n}")
            };
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }

    /// Claims `name` only if it is free.
    pub fn try_claim(&mut self, name: &str) -> bool {
        self.used.insert(name.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_and_camel_cases() {
        assert_eq!(snake("sg_Status_List"), "sg_status_list");
        assert_eq!(snake("CustomEntity01"), "custom_entity01");
        assert_eq!(snake("step_0"), "step_0");
        assert_eq!(snake("3d_model"), "_3d_model");
        assert_eq!(snake("sg_caf\u{e9}"), "sg_caf");
        assert_eq!(snake(""), "field");
        assert_eq!(camel("sg_status_list", "F"), "SgStatusList");
        assert_eq!(camel("Bg only", "V"), "BgOnly");
        assert_eq!(camel("1", "V"), "V1");
        assert_eq!(camel("In Progress!", "V"), "InProgress");
        assert_eq!(camel("", "V"), "Empty");
        assert_eq!(camel("Custom_Thing", "E"), "CustomThing");
        assert_eq!(snake("self"), "self_");
        assert_eq!(camel("self", "E"), "ESelf", "`Self_` is not UpperCamelCase");
        assert_eq!(camel("Self", "V"), "VSelf");
        assert_eq!(snake("type"), "type", "raw at emission: r#type");
    }

    #[test]
    fn collisions_get_suffixes_in_claim_order() {
        let mut n = Namer::with_reserved(["id"]);
        assert_eq!(n.claim("id"), "id_2");
        assert_eq!(n.claim("sg_foo"), "sg_foo");
        assert_eq!(n.claim("sg_foo"), "sg_foo_2");
        let mut n = Namer::default();
        assert_eq!(n.claim("Shot"), "Shot");
        assert_eq!(n.claim("Shot"), "Shot2");
        assert!(!n.try_claim("Shot2"));
        let mut n = Namer::default();
        assert_eq!(n.claim("self_"), "self_");
        assert_eq!(
            n.claim("self_"),
            "self_2",
            "not `self__2`: a double underscore is not snake case"
        );
    }

    fn check_keyword(k: &str) {
        let t = ident_text(k).into_owned();
        // Each keyword yields an identifier that parses as a field name and a type name.
        let field: syn::Result<syn::FieldsNamed> = syn::parse_str(&format!("{{ pub {t}: u8 }}"));
        assert!(field.is_ok(), "{k} -> {t}");
        let item: syn::Result<syn::ItemStruct> = syn::parse_str(&format!("struct {t};"));
        assert!(item.is_ok(), "{k} -> {t}");
        if NOT_RAW.contains(&k) {
            assert_eq!(t, format!("{k}_"));
        } else {
            assert_eq!(t, format!("r#{k}"));
        }
    }

    // One test per keyword, as prost does: a failure names the keyword.
    macro_rules! keyword_tests {
        ($($name:ident => $kw:literal,)*) => {$(
            #[test]
            fn $name() {
                check_keyword($kw);
            }
        )*};
    }

    keyword_tests! {
        kw_abstract => "abstract", kw_as => "as", kw_async => "async", kw_await => "await",
        kw_become => "become", kw_box => "box", kw_break => "break", kw_const => "const",
        kw_continue => "continue", kw_crate => "crate", kw_do => "do", kw_dyn => "dyn",
        kw_else => "else", kw_enum => "enum", kw_extern => "extern", kw_false => "false",
        kw_final => "final", kw_fn => "fn", kw_for => "for", kw_gen => "gen", kw_if => "if",
        kw_impl => "impl", kw_in => "in", kw_let => "let", kw_loop => "loop",
        kw_macro => "macro", kw_match => "match", kw_mod => "mod", kw_move => "move",
        kw_mut => "mut", kw_override => "override", kw_priv => "priv", kw_pub => "pub",
        kw_ref => "ref", kw_return => "return", kw_self => "self", kw_self_type => "Self",
        kw_static => "static", kw_struct => "struct", kw_super => "super", kw_trait => "trait",
        kw_true => "true", kw_try => "try", kw_type => "type", kw_typeof => "typeof",
        kw_underscore => "_", kw_unsafe => "unsafe", kw_unsized => "unsized", kw_use => "use",
        kw_virtual => "virtual", kw_where => "where", kw_while => "while", kw_yield => "yield",
    }

    #[test]
    fn every_listed_keyword_has_a_test() {
        assert_eq!(KEYWORDS.len() + NOT_RAW.len(), 53);
    }
}
