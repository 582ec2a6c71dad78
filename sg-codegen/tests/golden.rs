//! Golden files: the naming-hazards fixture's bindings, committed and compiled under
//! `deny(warnings)` by the `sg-tests` crate. Set `UPDATE_GOLDEN=1` to rewrite them after an
//! intended change, then review the diff.

mod support;

use sg_api3::schema::Schema;
use sg_codegen::{generate, Layout, Options};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> Schema {
    Schema::load(&root().join("tests/fixtures/hazards.json")).unwrap()
}

fn generated(schema: &Schema, options: &Options) -> sg_codegen::Generated {
    generate(schema, options).unwrap()
}

#[test]
fn hazards_match_the_golden_files() {
    let g = generated(&fixture(), &Options::default());
    let dir = root().join("tests/golden/hazards");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        sg_codegen::write_files(&dir, &g.files, true).unwrap();
        return;
    }
    let check = sg_codegen::check_files(&dir, &g.files, true).unwrap();
    assert!(
        check.is_clean(),
        "generated code differs from tests/golden/hazards ({check:?}); rerun with UPDATE_GOLDEN=1 and review the diff"
    );
    assert_eq!(g.warnings, ["Shot.f_addressing: unknown data type `addressing`; generated as a read-only serde_json::Value"]);
}

#[test]
fn output_is_byte_identical_run_to_run() {
    for schema in [fixture(), Schema::demo()] {
        for layout in [Layout::Files, Layout::SingleFile] {
            let o = Options {
                layout,
                ..Options::default()
            };
            assert_eq!(generated(&schema, &o).files, generated(&schema, &o).files);
        }
    }
}

#[test]
fn a_changed_snapshot_changes_only_its_files() {
    let before = generated(&Schema::demo(), &Options::default());
    let mut schema = Schema::demo();
    let code = schema
        .entities
        .get_mut("Sequence")
        .unwrap()
        .fields
        .get_mut("code")
        .unwrap();
    code.name.value = "Sequence Code".into();
    let after = generated(&schema, &Options::default());
    let changed: Vec<&str> = before
        .files
        .iter()
        .zip(&after.files)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.name.as_str())
        .collect();
    assert_eq!(changed, ["sequence.rs"]);
}

#[test]
fn every_generated_file_is_well_formed_and_gates_entities_by_feature() {
    let g = generated(
        &fixture(),
        &Options {
            entity_features: true,
            ..Options::default()
        },
    );
    support::assert_well_formed("hazards with entity features", &g.files);
    let mod_rs = &g.files[0].text;
    assert!(
        mod_rs.contains("#[cfg(feature = \"shot\")]\npub mod shot;"),
        "{mod_rs}"
    );
}

#[test]
fn writing_only_touches_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let g = generated(&Schema::demo(), &Options::default());
    let first = sg_codegen::write_files(&dir, &g.files, true).unwrap();
    assert_eq!(first.written.len(), g.files.len());
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let shot_time = mtime(&dir.join("shot.rs"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = sg_codegen::write_files(&dir, &g.files, true).unwrap();
    assert!(again.written.is_empty());
    assert_eq!(mtime(&dir.join("shot.rs")), shot_time);
    // Dropping an entity removes its (generated) file, and only generated files.
    std::fs::write(dir.join("hand_written.rs"), "// mine\n").unwrap();
    let fewer = generated(
        &Schema::demo(),
        &Options {
            exclude: vec!["Shot".into()],
            ..Options::default()
        },
    );
    let r = sg_codegen::write_files(&dir, &fewer.files, true).unwrap();
    assert_eq!(r.removed, ["shot.rs"]);
    assert!(dir.join("hand_written.rs").exists());
}

/// Every file of `dir` and its bytes.
fn snapshot_of(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_failed_write_leaves_the_folder_exactly_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    // Bindings of the demo without Shot and Asset, then the whole demo, which changes mod.rs,
    // adds shot.rs and asset.rs.
    let old = generated(
        &Schema::demo(),
        &Options {
            exclude: vec!["Shot".into(), "Asset".into()],
            ..Options::default()
        },
    );
    sg_codegen::write_files(&dir, &old.files, true).unwrap();
    let before = snapshot_of(&dir);
    let new = generated(&Schema::demo(), &Options::default());

    // A temporary file that cannot be written (a folder is in its way)...
    std::fs::create_dir_all(dir.join(".shot.rs.tmp/x")).unwrap();
    let e = sg_codegen::write_files(&dir, &new.files, true).unwrap_err();
    assert!(e.to_string().contains(".shot.rs.tmp"), "{e}");
    assert_eq!(snapshot_of(&dir), before, "nothing changed");
    std::fs::remove_dir_all(dir.join(".shot.rs.tmp")).unwrap();

    // ...and a file that cannot be put in place after four others were (its original cannot be
    // set aside: a folder is in the way).
    std::fs::create_dir_all(dir.join(".version.rs.bak/x")).unwrap();
    let e = sg_codegen::write_files(&dir, &new.files, true).unwrap_err();
    assert!(e.to_string().contains("version.rs"), "{e}");
    assert_eq!(
        snapshot_of(&dir),
        before,
        "what was put in place was taken back"
    );
    assert!(!dir.join("asset.rs").exists() && !dir.join("shot.rs").exists());
    std::fs::remove_dir_all(dir.join(".version.rs.bak")).unwrap();

    // Then it goes through.
    let r = sg_codegen::write_files(&dir, &new.files, true).unwrap();
    assert_eq!(r.written[0], "mod.rs");
    assert!(dir.join("shot.rs").exists() && dir.join("asset.rs").exists());
    assert!(
        snapshot_of(&dir).keys().all(|k| !k.starts_with('.')),
        "no temporary or backup file is left"
    );
}
