//! What the codegen tests share: the real sites' schemas, and the layout check.

// Each test crate includes this module and uses a part of it.
#![allow(dead_code)]

use sg_api3::schema::Schema;
use sg_codegen::GeneratedFile;
use std::path::PathBuf;

/// The real sites' schemas when `SG_SHARED_SCHEMAS` names their folder (CI sets it); none, and
/// a line saying they were skipped, otherwise.
pub fn real_sites() -> Vec<(String, Schema)> {
    match std::env::var_os("SG_SHARED_SCHEMAS") {
        Some(dir) => ["python-api", "tk-core"]
            .into_iter()
            .map(|site| {
                let schema = Schema::load(&PathBuf::from(&dir).join(site)).unwrap();
                (site.to_string(), schema)
            })
            .collect(),
        None => {
            eprintln!(
                "SKIPPED the real-site schemas: SG_SHARED_SCHEMAS is unset (CI sets it to ../shared/schemas)"
            );
            Vec::new()
        }
    }
}

/// Panics, showing the first line that differs, unless every file is prettyplease's layout of
/// itself (text printed straight is laid out as prettyplease lays it out).
pub fn assert_prettyplease_layout(what: &str, files: &[GeneratedFile]) {
    for f in files {
        let body = f.text.split_once("\n\n").expect("a header").1;
        let file = syn::parse_file(body)
            .unwrap_or_else(|e| panic!("{what}: {} does not parse: {e}", f.name));
        let again = prettyplease::unparse(&file);
        if again != body {
            let (n, (ours, theirs)) = body
                .lines()
                .zip(again.lines())
                .enumerate()
                .find(|(_, (a, b))| a != b)
                .unwrap_or((0, ("(lengths differ)", "")));
            panic!(
                "{what}: {} line {}: printed\n{ours}\nwhere prettyplease prints\n{theirs}",
                f.name,
                n + 1
            );
        }
    }
}
