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

/// Panics unless every file parses as Rust and is laid out as the printer lays text out:
/// indentation in steps of four spaces, no trailing space, a newline at the end.
pub fn assert_well_formed(what: &str, files: &[GeneratedFile]) {
    for f in files {
        let body = f.text.split_once("\n\n").expect("a header").1;
        if let Err(e) = syn::parse_file(body) {
            panic!("{what}: {} does not parse: {e}", f.name);
        }
        assert!(
            f.text.ends_with('\n'),
            "{what}: {} ends without a newline",
            f.name
        );
        for (n, line) in f.text.lines().enumerate() {
            let indent = line.len() - line.trim_start_matches(' ').len();
            assert!(
                indent % 4 == 0 && !line.ends_with(' ') && !line.contains('\t'),
                "{what}: {} line {}: {line:?}",
                f.name,
                n + 1
            );
        }
    }
}
