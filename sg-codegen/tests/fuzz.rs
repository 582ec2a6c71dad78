//! Hostile schemas, seeded: real schemas (the demo's, and both real sites' where
//! `SG_SHARED_SCHEMAS` names them) mutated with names and text that have broken code generators
//! (keywords, `mod`, `Self`, `err`, control characters, std names, collisions), generated in both
//! layouts (never a panic), and a sample compiled under `#![deny(warnings)]` with
//! `cargo check`, together with one entity of 6,000 fields.

mod support;

use serde_json::{json, Value};
use sg_api3::schema::Schema;
use sg_codegen::{generate, Layout, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A splitmix64 generator: the same seed gives the same schemas on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const HOSTILE_FIELDS: &[&str] = &[
    "mod",
    "self",
    "Self",
    "self_",
    "super",
    "crate",
    "_",
    "err",
    "Err",
    "ok",
    "type",
    "r#type",
    "",
    "3d",
    "ALL",
    "INFO",
    "F",
    "Other",
    "id_2",
    "markers",
    "std",
    "core",
    "Option",
    "Result",
    "String",
    "Vec",
    "Value",
    "a\rb",
    "\u{e9}t\u{e9}",
    "sg_foo",
    "SG_FOO",
    "Sg Foo",
    "fn",
    "async",
    "gen",
    "try",
    "__",
    "field",
    "Field",
    "Fields",
    "id ",
    "x\u{0}y",
];
const HOSTILE_ENTITIES: &[&str] = &[
    "mod",
    "Self",
    "self",
    "markers",
    "Option",
    "Result",
    "Vec",
    "String",
    "std",
    "core",
    "Entity",
    "ShotField",
    "Shot_Field",
    "Type",
    "crate",
    "Fields",
    "CustomEntity99",
];
const HOSTILE_TEXT: &[&str] = &[
    // Text that looks like code or breaks lines where the printer writes them.
    "}\n}\nfn injected() {}",
    "line\n    Self::Code,",
    "a\rb",
    "line\nbreak",
    "tab\there",
    "nul\u{0}x",
    "*/ /* */",
    "\"quoted\"",
    "back\\slash",
    "[link](x)",
    "<b>",
    "`code`",
    "#![deny]",
    "\u{202e}rtl",
    "",
    "   ",
    "\r\n\r\n",
];
const DATA_TYPES: &[&str] = &[
    "text",
    "number",
    "float",
    "checkbox",
    "date",
    "date_time",
    "list",
    "status_list",
    "entity",
    "multi_entity",
    "url",
    "image",
    "tag_list",
    "serializable",
    "weird_new_type",
    "",
];

/// Applies `n` random mutations to a snapshot value.
fn mutate(snap: &mut Value, rng: &mut Rng, n: usize) {
    for _ in 0..n {
        let entities: Vec<String> = snap["fields"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let entity = rng.pick(&entities).clone();
        let fields: Vec<String> = snap["fields"][&entity]
            .as_object()
            .unwrap()
            .keys()
            .filter(|f| *f != "id")
            .cloned()
            .collect();
        match rng.below(6) {
            // Rename a field.
            0 if !fields.is_empty() => {
                let from = rng.pick(&fields).clone();
                let to = rng.pick(HOSTILE_FIELDS).to_string();
                let m = snap["fields"][&entity].as_object_mut().unwrap();
                if let Some(f) = m.remove(&from) {
                    m.insert(to, f);
                }
            }
            // Rename an entity type.
            1 => {
                let to = rng.pick(HOSTILE_ENTITIES).to_string();
                if snap["fields"].get(&to).is_none() {
                    let f = snap["fields"]
                        .as_object_mut()
                        .unwrap()
                        .remove(&entity)
                        .unwrap();
                    snap["fields"][&to] = f;
                    let e = snap["entities"]
                        .as_object_mut()
                        .unwrap()
                        .remove(&entity)
                        .unwrap_or(json!({"name": {"value": entity}}));
                    snap["entities"][&to] = e;
                }
            }
            // Hostile display names and descriptions.
            2 if !fields.is_empty() => {
                let f = rng.pick(&fields).clone();
                let text = rng.pick(HOSTILE_TEXT).to_string();
                let field = &mut snap["fields"][&entity][&f];
                field["name"] = json!({"editable": true, "value": text});
                field["description"] =
                    json!({"editable": true, "value": rng.pick(HOSTILE_TEXT).to_string()});
            }
            // Hostile list values.
            3 if !fields.is_empty() => {
                let f = rng.pick(&fields).clone();
                let field = &mut snap["fields"][&entity][&f];
                field["data_type"] =
                    json!({"editable": false, "value": rng.pick(&["list", "status_list"])});
                let mut values: Vec<&str> = (0..4).map(|_| *rng.pick(HOSTILE_TEXT)).collect();
                values.extend((0..3).map(|_| *rng.pick(HOSTILE_FIELDS)));
                field["properties"]["valid_values"] = json!({"editable": true, "value": values});
            }
            // Another data type, known or not, with or without valid types.
            4 if !fields.is_empty() => {
                let f = rng.pick(&fields).clone();
                let field = &mut snap["fields"][&entity][&f];
                field["data_type"] = json!({"editable": false, "value": rng.pick(DATA_TYPES)});
                if rng.below(2) == 0 {
                    let target = rng.pick(&entities).clone();
                    field["properties"]["valid_types"] =
                        json!({"editable": true, "value": [target, "Nowhere"]});
                }
            }
            // Display name of the entity type.
            _ => {
                snap["entities"][&entity]["name"] =
                    json!({"editable": false, "value": rng.pick(HOSTILE_TEXT).to_string()});
            }
        }
    }
}

/// The schemas to mutate: the demo's always, the real sites' when named.
fn bases() -> Vec<(String, Schema)> {
    let mut out = vec![("demo".to_string(), Schema::demo())];
    out.extend(support::real_sites());
    out
}

fn options(layout: Layout) -> Options {
    Options {
        layout,
        ..Options::default()
    }
}

/// Runs `cargo check` on a crate holding `files` (generated in `layout`) as module `sg`.
fn check_compiles(name: &str, files: &[sg_codegen::GeneratedFile], layout: Layout) {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    let root = scratch.join(name);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("src/sg")).unwrap();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let runtime = workspace.join("sg-runtime").canonicalize().unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nsg-runtime = {{ path = {:?} }}\n\n[workspace]\n",
            runtime.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(workspace.join("Cargo.lock"), root.join("Cargo.lock")).unwrap();
    let lib = match layout {
        Layout::Files => {
            for f in files {
                std::fs::write(root.join("src/sg").join(&f.name), &f.text).unwrap();
            }
            "#![deny(warnings)]\n//! Fuzzed bindings.\n/// The bindings.\npub mod sg;\n".to_string()
        }
        Layout::SingleFile => {
            std::fs::write(root.join("src/bindings.rs"), &files[0].text).unwrap();
            "#![deny(warnings)]\n//! Fuzzed bindings.\n/// The bindings.\npub mod sg {\n    include!(\"bindings.rs\");\n}\n".to_string()
        }
    };
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    let out = Command::new(env!("CARGO"))
        .args(["check", "-q", "--offline"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: the generated code does not compile:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn mutated_schemas_generate_without_panic_and_a_sample_compiles() {
    let mut generated = 0;
    let mut refused = 0;
    let mut sample = Vec::new();
    for (name, schema) in bases() {
        let snap: Value = serde_json::from_str(&schema.to_snapshot_string()).unwrap();
        let runs = if name == "demo" { 60 } else { 30 };
        for seed in 0..runs {
            let mut rng = Rng(seed * 7919 + name.len() as u64);
            let mut v = snap.clone();
            let n = 1 + rng.below(40);
            mutate(&mut v, &mut rng, n);
            let text = v.to_string();
            let parsed = std::panic::catch_unwind(|| Schema::from_snapshot_str(&text));
            let Ok(Ok(mutated)) = parsed else {
                assert!(
                    parsed.is_ok(),
                    "{name} seed {seed}: the snapshot parser panicked"
                );
                refused += 1;
                continue;
            };
            for layout in [Layout::Files, Layout::SingleFile] {
                let g = std::panic::catch_unwind(|| generate(&mutated, &options(layout)));
                match g {
                    Err(_) => panic!("{name} seed {seed} {layout:?}: sg-codegen panicked"),
                    Ok(Err(e)) => {
                        assert!(!e.to_string().is_empty());
                        assert!(
                            !e.to_string().contains("internal error"),
                            "{name} seed {seed} {layout:?}: {e}"
                        );
                        refused += 1;
                    }
                    Ok(Ok(g)) => {
                        generated += 1;
                        // Whatever the names and texts, the files parse and are laid out as the
                        // printer lays them out (on a third of the demo's mutations).
                        if name == "demo" && seed % 3 == 0 {
                            support::assert_well_formed(&format!("demo seed {seed}"), &g.files);
                        }
                        // The first mutation that generates: the demo's in both layouts, each
                        // real site's in one (a real site's bindings take a while to check).
                        let wanted = match name.as_str() {
                            "demo" => true,
                            "python-api" => layout == Layout::Files,
                            _ => layout == Layout::SingleFile,
                        };
                        if wanted
                            && !sample
                                .iter()
                                .any(|(n, l, _): &(String, Layout, _)| n == &name && *l == layout)
                        {
                            sample.push((name.clone(), layout, g.files));
                        }
                    }
                }
            }
        }
    }
    eprintln!("fuzz: {generated} generated, {refused} refused with an error, none panicked");
    assert!(generated > 100, "most mutations still generate");
    for (name, layout, files) in &sample {
        let krate = format!(
            "fuzz_{}_{}",
            name.replace('-', "_"),
            if *layout == Layout::Files {
                "files"
            } else {
                "single"
            }
        );
        check_compiles(&krate, files, *layout);
    }
}

#[test]
fn an_entity_of_six_thousand_fields_compiles() {
    // A derived `PartialEq` nests one `&&` per field and overflowed rustc's stack here.
    let mut fields = serde_json::Map::new();
    let field = |name: &str, data_type: &str| {
        json!({
            "data_type": {"editable": false, "value": data_type},
            "editable": {"editable": false, "value": true},
            "entity_type": {"editable": false, "value": "Wide"},
            "name": {"editable": true, "value": name},
            "properties": {},
        })
    };
    fields.insert("id".into(), field("Id", "number"));
    for i in 0..6000 {
        fields.insert(
            format!("sg_f{i:05}"),
            field(
                &format!("F {i}"),
                if i % 2 == 0 { "text" } else { "number" },
            ),
        );
    }
    let demo: Value = serde_json::from_str(&Schema::demo().to_snapshot_string()).unwrap();
    let snap = json!({
        "entities": {"Wide": {"name": {"editable": false, "value": "Wide"}}},
        "fields": {"Wide": fields},
        "format": demo["format"],
        "version": demo["version"],
    });
    let schema = Schema::from_snapshot_str(&snap.to_string()).unwrap();
    let g = generate(&schema, &options(Layout::SingleFile)).unwrap();
    check_compiles("fuzz_wide", &g.files, Layout::SingleFile);
}
