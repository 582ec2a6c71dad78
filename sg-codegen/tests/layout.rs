//! Text printed straight (an entity's per-field parts, the markers module) is laid out exactly as
//! prettyplease lays it out: every generated file is prettyplease's fixed point, on the demo, the
//! naming-hazards fixture, the real sites' schemas and names swept across the margin, in both
//! layouts and with runtime paths of several lengths. And the straight printing is what made
//! them: on real schemas no entity type needed prettyplease as a whole, while the swept names
//! take both ways.

mod support;

use serde_json::{json, Value};
use sg_api3::schema::Schema;
use sg_codegen::{generate, Layout, Options};
use std::path::PathBuf;
use support::assert_prettyplease_layout;

const RUNTIME_PATHS: [&str; 4] = [
    "::sg_runtime",
    "crate::rt",
    "::a",
    "::a_runtime_crate_with_a_rather_long_name::and_a_module_inside_it",
];

fn options(layout: Layout, runtime_path: &str) -> Options {
    Options {
        layout,
        runtime_path: runtime_path.into(),
        ..Options::default()
    }
}

fn schemas() -> Vec<(String, Schema)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut out = vec![
        ("demo".to_string(), Schema::demo()),
        (
            "hazards".to_string(),
            Schema::load(&root.join("tests/fixtures/hazards.json")).unwrap(),
        ),
    ];
    out.extend(support::real_sites());
    out
}

#[test]
fn every_file_is_prettyplease_layout_on_every_schema_layout_and_runtime_path() {
    for (name, schema) in schemas() {
        for layout in [Layout::Files, Layout::SingleFile] {
            for rt in RUNTIME_PATHS {
                let g = generate(&schema, &options(layout, rt)).unwrap();
                assert_prettyplease_layout(&format!("{name} {layout:?} {rt}"), &g.files);
                if rt == "::sg_runtime" && name != "hazards" {
                    assert_eq!(
                        g.reformatted,
                        Vec::<String>::new(),
                        "{name}: entity types that needed prettyplease as a whole"
                    );
                }
            }
        }
        let features = Options {
            entity_features: true,
            ..Options::default()
        };
        let g = generate(&schema, &features).unwrap();
        assert_prettyplease_layout(&format!("{name} with entity features"), &g.files);
    }
}

/// A field of the snapshot format.
fn field(name: &str, data_type: &str, valid_types: &[String]) -> Value {
    let mut properties = json!({});
    if !valid_types.is_empty() {
        properties["valid_types"] = json!({"editable": true, "value": valid_types});
    }
    if data_type == "status_list" {
        properties["valid_values"] = json!({"editable": true, "value": ["ip", "fin", name]});
    }
    json!({
        "data_type": {"editable": false, "value": data_type},
        "editable": {"editable": false, "value": true},
        "name": {"editable": true, "value": name},
        "properties": properties,
    })
}

/// Entity types and fields whose names grow a character at a time, across the margin of
/// every line they are on: struct fields, handles, match arms, comparisons, link-target impls.
fn swept() -> Schema {
    let entities: Vec<String> = (0..64).map(|n| format!("E{}", "x".repeat(n))).collect();
    let mut fields = serde_json::Map::new();
    let mut attributes = serde_json::Map::new();
    for (i, e) in entities.iter().enumerate() {
        let mut f = serde_json::Map::new();
        f.insert("id".into(), field("Id", "number", &[]));
        // Every entity has a few fields, a link to a longer-named one and one to two of them.
        let next = &entities[(i + 1) % entities.len()];
        let far = &entities[(i + 32) % entities.len()];
        f.insert("code".into(), field("Code", "text", &[]));
        f.insert(
            "link".into(),
            field("Link", "entity", std::slice::from_ref(next)),
        );
        f.insert(
            "links".into(),
            field("Links", "multi_entity", &[next.clone(), far.clone()]),
        );
        fields.insert(e.clone(), Value::Object(f));
        attributes.insert(e.clone(), json!({"name": {"editable": false, "value": e}}));
    }
    // Fields of every length from 1 to 96 columns, in turn of the kinds whose lines differ, on
    // entity types of eight lengths each (`Wide1` has 1 to 8): the shorter ones are printed
    // straight across the margins of their lines, the longest need prettyplease.
    let kinds = [
        "text",
        "entity",
        "multi_entity",
        "status_list",
        "date_time",
        "number",
    ];
    for band in 0..12 {
        let mut wide = serde_json::Map::new();
        wide.insert("id".into(), field("Id", "number", &[]));
        for n in band * 8 + 1..=band * 8 + 8 {
            let kind = kinds[n % kinds.len()];
            let targets = match kind {
                "entity" => vec![entities[n % 64].clone()],
                "multi_entity" => vec![entities[n % 64].clone(), entities[(n * 7) % 64].clone()],
                _ => Vec::new(),
            };
            let name = format!("f{}", "y".repeat(n - 1));
            wide.insert(name.clone(), field(&name, kind, &targets));
        }
        let name = format!("Wide{}", band + 1);
        fields.insert(name.clone(), Value::Object(wide));
        attributes.insert(
            name.clone(),
            json!({"name": {"editable": false, "value": name}}),
        );
    }
    // The last field (by name) of `Tail12` .. `Tail40` is 12 .. 40 columns long: the last
    // handle in `F` ends in a comma that counts only where it breaks.
    for n in 12..=40 {
        let mut tail = serde_json::Map::new();
        tail.insert("id".into(), field("Id", "number", &[]));
        for i in 1..=8 {
            tail.insert(format!("a{i}"), field("A", "text", &[]));
        }
        tail.insert("z".repeat(n), field("Z", "text", &[]));
        let name = format!("Tail{n}");
        fields.insert(name.clone(), Value::Object(tail));
        attributes.insert(
            name.clone(),
            json!({"name": {"editable": false, "value": name}}),
        );
    }
    let demo: Value = serde_json::from_str(&Schema::demo().to_snapshot_string()).unwrap();
    let snap = json!({
        "entities": attributes,
        "fields": fields,
        "format": demo["format"],
        "version": demo["version"],
    });
    Schema::from_snapshot_str(&snap.to_string()).unwrap()
}

#[test]
fn names_swept_across_the_margin_are_laid_out_as_prettyplease_does() {
    let schema = swept();
    for layout in [Layout::Files, Layout::SingleFile] {
        for rt in RUNTIME_PATHS {
            let g = generate(&schema, &options(layout, rt)).unwrap();
            assert_prettyplease_layout(&format!("swept {layout:?} {rt}"), &g.files);
            // Both ways are taken: fields up to 32 columns long printed straight (their lines
            // cross the margin from about 20 columns on), the longest through prettyplease.
            for straight in ["Wide1", "Wide2", "Wide3", "Wide4"] {
                assert!(
                    !g.reformatted.iter().any(|e| e == straight),
                    "{straight} {layout:?} {rt} went through prettyplease"
                );
            }
            assert!(
                g.reformatted.iter().any(|e| e == "Wide12"),
                "{layout:?} {rt}: {:?}",
                g.reformatted
            );
        }
    }
}
