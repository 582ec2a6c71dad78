//! The `sg-codegen` binary end to end: against the local api3 server over loopback, on snapshot
//! files, with real drift for `--check`, and on bad input.

use serde_json::json;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use std::path::Path;
use std::process::{Command, Output};

fn codegen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sg-codegen"))
        .args(args)
        .current_dir(cwd)
        .env("SG_SCRIPT_NAME", SCRIPT_NAME)
        .env("SG_SCRIPT_KEY", SCRIPT_KEY)
        .env_remove("SG_LOGIN")
        .env_remove("SG_SESSION_TOKEN")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".rs"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn help_text_is_golden() {
    let o = codegen(&["--help"], Path::new("."));
    assert!(o.status.success());
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/help.txt");
    let got = String::from_utf8(o.stdout).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &got).unwrap();
    }
    assert_eq!(
        got,
        std::fs::read_to_string(&golden).unwrap(),
        "rerun with UPDATE_GOLDEN=1 after an intended change"
    );
}

#[test]
fn demo_prints_where_the_files_went() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let o = codegen(&["--demo", "--out", "gen"], d);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains(
            "22 entity types, 360 fields from the bundled demo schema -> gen (23 files: 23 written"
        ),
        "{t}"
    );
    assert!(d.join("gen/shot.rs").is_file() && d.join("gen/mod.rs").is_file());
    let again = codegen(&["--demo", "--out", "gen"], d);
    assert!(
        text(&again).contains("0 written, 23 unchanged"),
        "{}",
        text(&again)
    );
    let check = codegen(&["--demo", "--out", "gen", "--check"], d);
    assert!(check.status.success(), "{}", text(&check));
}

#[test]
fn live_site_whole_and_per_entity_and_saved_snapshot() {
    let server = LocalSite::start(Schema::demo()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let url = server.url();
    let o = codegen(
        &[
            "--site",
            &url,
            "--out",
            "whole",
            "--save-snapshot",
            "snap/demo.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(d.join("snap/demo.json")).unwrap(),
        sg_runtime::schema::DEMO_SNAPSHOT
    );
    let o = codegen(&["--site", &url, "--per-entity", "--out", "per"], d);
    assert!(o.status.success(), "{}", text(&o));
    let reads = server
        .requests()
        .iter()
        .filter(|r| r.method == "schema_field_read")
        .count();
    assert_eq!(
        reads,
        sg_runtime::schema::Schema::demo().entities.len(),
        "one schema_field_read per entity type"
    );
    // Same schema, same bytes, however it was read.
    assert_eq!(files(&d.join("whole")), files(&d.join("per")));
    let o = codegen(&["--snapshot", "snap/demo.json", "--out", "snap_gen"], d);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(files(&d.join("whole")), files(&d.join("snap_gen")));
    // Nothing in the output or the files names the key.
    assert!(!text(&o).contains(SCRIPT_KEY));
}

#[test]
fn check_reports_real_drift() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let server = LocalSite::start(Schema::demo()).unwrap();
    let url = server.url();
    let o = codegen(
        &[
            "--site",
            &url,
            "--out",
            "gen",
            "--save-snapshot",
            "demo.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    let clean = codegen(
        &[
            "--site",
            &url,
            "--snapshot",
            "demo.json",
            "--out",
            "gen",
            "--check",
        ],
        d,
    );
    assert!(clean.status.success(), "{}", text(&clean));

    // The site changes: a field added, one removed, one retyped, a status added.
    let mut v: serde_json::Value = serde_json::from_str(sg_runtime::schema::DEMO_SNAPSHOT).unwrap();
    let shot = v["fields"]["Shot"].as_object_mut().unwrap();
    let mut new_field = shot["description"].clone();
    new_field["name"]["value"] = json!("Client Notes");
    shot.insert("sg_client_notes".into(), new_field);
    shot.remove("sg_footage");
    shot["sg_cut_order"]["data_type"]["value"] = json!("float");
    v["fields"]["Shot"]["sg_status_list"]["properties"]["valid_values"]["value"]
        .as_array_mut()
        .unwrap()
        .push(json!("cbb"));
    let changed = Schema::from_snapshot_str(&v.to_string()).unwrap();
    let drifted = LocalSite::start(changed).unwrap();
    let o = codegen(
        &[
            "--site",
            &drifted.url(),
            "--snapshot",
            "demo.json",
            "--out",
            "gen",
            "--check",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    for line in [
        "+ field Shot.sg_client_notes (text)",
        "- field Shot.sg_footage (footage)",
        "~ field Shot.sg_cut_order: integer -> float",
        "~ field Shot.sg_status_list: valid_values [wtg, rdy, ip, rev, fin, hld, omt] -> [wtg, rdy, ip, rev, fin, hld, omt, cbb]",
        "~ shot.rs would change",
    ] {
        assert!(t.contains(line), "missing `{line}` in:\n{t}");
    }
    assert!(
        !t.contains("sequence.rs") && !t.contains("mod.rs"),
        "only Shot's file changes: {t}"
    );
    // --check writes nothing.
    assert_eq!(
        std::fs::read_to_string(d.join("demo.json")).unwrap(),
        sg_runtime::schema::DEMO_SNAPSHOT
    );
}

#[test]
fn profiles_name_the_site_key_variable_and_paths() {
    let server = LocalSite::start(Schema::demo()).unwrap();
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    std::fs::write(
        d.join("sg-codegen.toml"),
        format!("[site.studio]\nurl = \"{}\"\nscript_name = \"{SCRIPT_NAME}\"\nscript_key_env = \"STUDIO_KEY\"\nsnapshot = \"schema/studio.json\"\nout = \"bindings\"\nper_entity = true\n", server.url()),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sg-codegen"))
        .args(["--site", "studio", "--save-snapshot", "schema/studio.json"])
        .current_dir(d)
        .env("STUDIO_KEY", SCRIPT_KEY)
        .env_remove("SG_SCRIPT_NAME")
        .env_remove("SG_SCRIPT_KEY")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.join("bindings/shot.rs").is_file());
    assert!(d.join("schema/studio.json").is_file());
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.method == "schema_field_read"),
        "the profile's per_entity applies"
    );
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    std::fs::write(
        d.join("malformed.json"),
        "{\"format\": \"sg-schema-snapshot\",\n \"version\": 1,\n",
    )
    .unwrap();
    std::fs::write(d.join("shape.json"), r#"{"format": "sg-schema-snapshot", "version": 1, "entities": {}, "fields": {"Shot": {"code": {"data_type": {"value": "text"}, "name": {"value": 5}, "editable": {"value": true}}}}}"#).unwrap();
    std::fs::write(
        d.join("empty.json"),
        r#"{"format": "sg-schema-snapshot", "version": 1, "entities": {}, "fields": {}}"#,
    )
    .unwrap();
    std::fs::write(d.join("other.json"), r#"{"Shot": {}}"#).unwrap();
    for (file, expect) in [
        ("missing.json", "missing.json: cannot read"),
        ("malformed.json", "malformed.json: malformed JSON at line 3"),
        ("shape.json", "shape.json at `fields.Shot.code.name.value`: invalid type: integer `5`, expected a string"),
        ("empty.json", "empty.json: the schema has no entity types"),
        ("other.json", "other.json at `format`: not a schema snapshot"),
    ] {
        let o = codegen(&["--snapshot", file, "--out", "out"], d);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", text(&o));
        assert!(text(&o).contains(expect), "{file}: {}", text(&o));
        assert!(!d.join("out").exists(), "{file}: nothing is written");
    }
    let o = codegen(&["--demo", "--only", "Shoot", "--out", "out"], d);
    assert!(
        text(&o).contains("entity type `Shoot` (in --only/--exclude) is not in the schema"),
        "{}",
        text(&o)
    );
    let o = codegen(&["--out", "out"], d);
    assert!(text(&o).contains("choose a schema"), "{}", text(&o));
    let o = codegen(&["--site", "http://127.0.0.1:9", "--out", "out"], d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("reading the schema from http://127.0.0.1:9"),
        "{}",
        text(&o)
    );
    assert!(!d.join("out").exists());
}

#[test]
fn schema_edits_on_the_server_show_as_drift() {
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    let server = LocalSite::start(Schema::demo()).unwrap();
    let url = server.url();
    let o = codegen(
        &[
            "--site",
            &url,
            "--out",
            "gen",
            "--save-snapshot",
            "demo.json",
        ],
        d,
    );
    assert!(o.status.success(), "{}", text(&o));
    let client = sg_runtime::Client::builder(&url)
        .credentials(sg_runtime::Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap();
    let props = |v: serde_json::Value| v.as_object().unwrap().clone();
    let name = client
        .schema_field_create(
            "Shot",
            "list",
            "Review Round",
            &props(json!({"valid_values": ["r1", "r2"], "description": "Which review"})),
        )
        .unwrap();
    assert_eq!(name, "sg_review_round");
    // The site numbers a name already taken.
    let again = client
        .schema_field_create("Shot", "text", "Review Round", &Default::default())
        .unwrap();
    assert_eq!(again, "sg_review_round_1");
    assert!(client
        .schema_field_delete("Shot", "sg_review_round_1")
        .unwrap());
    assert!(client
        .schema_field_update(
            "Shot",
            "sg_status_list",
            &props(json!({"valid_values": ["wtg", "ip", "fin", "cbb"]})),
            None
        )
        .unwrap());
    assert!(client.schema_field_delete("Shot", "sg_footage").unwrap());
    // Built-in fields stay.
    let e = client.schema_field_delete("Shot", "code").unwrap_err();
    assert!(e.to_string().contains("built-in field"), "{e}");
    let e = client
        .schema_field_create("Shot", "image", "Thumb 2", &Default::default())
        .unwrap_err();
    assert!(e.to_string().contains("cannot be created"), "{e}");
    // The server's schema reads and validation see the edits.
    let f = client
        .schema_field_read("Shot", Some("sg_review_round"), None)
        .unwrap();
    assert_eq!(
        f["sg_review_round"]["properties"]["valid_values"]["value"],
        json!(["r1", "r2"])
    );
    let shot = json!({"code": "sh900", "sg_review_round": "r2"});
    client
        .create("Shot", shot.as_object().unwrap(), &[])
        .unwrap();

    let o = codegen(
        &[
            "--site",
            &url,
            "--snapshot",
            "demo.json",
            "--out",
            "gen",
            "--check",
        ],
        d,
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let t = text(&o);
    for line in [
        "+ field Shot.sg_review_round (list)",
        "- field Shot.sg_footage (footage)",
        "~ field Shot.sg_status_list: valid_values [wtg, rdy, ip, rev, fin, hld, omt] -> [wtg, ip, fin, cbb]",
    ] {
        assert!(t.contains(line), "missing `{line}` in:\n{t}");
    }
    assert!(!t.contains("sg_review_round_1"), "{t}");
}
