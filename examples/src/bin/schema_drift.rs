//! Schema drift: read a site's schema live, compare it with the committed snapshot, and show what
//! changed and which generated files would change. Exits 1 when the schema drifted.

use sg_codegen::{generate, schema_diff, Options};
use sg_examples::{fail, Args};
use sg_localsite::LocalSite;
use sg_runtime::schema::Schema;
use sg_runtime::Client;

const HELP: &str = "\
schema_drift: compare a site's live schema with the committed snapshot

Usage: schema_drift [--snapshot FILE] [--simulate changes|none]

Options:
  --snapshot FILE      The committed snapshot [default: the bundled demo schema]
  --simulate WHAT      Without SG_SITE: serve the demo schema locally with a site admin's typical
                       changes (`changes`) or unchanged (`none`) [default: changes]
  -h, --help           Print this help

Exits 0 when the live schema matches the snapshot, 1 when it drifted (the same contract as
`sg-codegen --check`), 2 on an error. With SG_SITE set, reads that site.
";

/// The demo schema as a site admin would leave it after a week: a field added, one removed,
/// one retyped, a status added.
fn drifted() -> Schema {
    let mut v: serde_json::Value =
        serde_json::from_str(sg_runtime::schema::DEMO_SNAPSHOT).expect("the demo parses");
    let shot = v["fields"]["Shot"].as_object_mut().expect("Shot");
    let mut notes = shot["description"].clone();
    notes["name"]["value"] = "Client Notes".into();
    shot.insert("sg_client_notes".into(), notes);
    shot.remove("sg_footage");
    shot["sg_cut_order"]["data_type"]["value"] = "float".into();
    v["fields"]["Shot"]["sg_status_list"]["properties"]["valid_values"]["value"]
        .as_array_mut()
        .expect("values")
        .push("cbb".into());
    Schema::from_snapshot_str(&v.to_string()).expect("still a schema")
}

fn main() {
    let args = Args::parse(HELP, &["snapshot", "simulate"]);
    let committed = match args.get("snapshot", "").as_str() {
        "" => Schema::demo(),
        path => Schema::load(std::path::Path::new(path)).unwrap_or_else(|e| fail(&e.to_string())),
    };
    let (client, _server) = match std::env::var("SG_SITE") {
        Ok(site) if !site.is_empty() => (
            Client::from_env(site).unwrap_or_else(|e| fail(&e.to_string())),
            None,
        ),
        _ => {
            let schema = match args.get("simulate", "changes").as_str() {
                "changes" => drifted(),
                "none" => Schema::demo(),
                other => fail(&format!(
                    "--simulate takes `changes` or `none`, not `{other}`"
                )),
            };
            let server = LocalSite::start(schema).unwrap_or_else(|e| fail(&e.to_string()));
            (
                sg_examples::local_client(&server).unwrap_or_else(|e| fail(&e.to_string())),
                Some(server),
            )
        }
    };
    println!("Reading the live schema of {}", client.site());
    let live = client.schema().unwrap_or_else(|e| fail(&e.to_string()));
    let changes = schema_diff(&committed, &live);
    if changes.is_empty() {
        println!(
            "no drift: the live schema matches the snapshot ({} entity types)",
            live.entities.len()
        );
        return;
    }
    println!(
        "\nthe live schema differs from the snapshot ({} changes):",
        changes.len()
    );
    for c in &changes {
        println!("  {c}");
    }
    let before = generate(&committed, &Options::default()).unwrap_or_else(|e| fail(&e.to_string()));
    let after = generate(&live, &Options::default()).unwrap_or_else(|e| fail(&e.to_string()));
    let changed: Vec<&str> = after
        .files
        .iter()
        .filter(|f| {
            before
                .files
                .iter()
                .find(|b| b.name == f.name)
                .is_none_or(|b| b.text != f.text)
        })
        .map(|f| f.name.as_str())
        .collect();
    println!(
        "\ngenerated files that would change: {}",
        changed.join(", ")
    );
    println!("regenerate with: cargo run -p sg-codegen -- --site <site> --save-snapshot <snapshot> --out <dir>");
    std::process::exit(1);
}
