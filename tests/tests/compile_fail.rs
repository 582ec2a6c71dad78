//! Every compile-time check of the typed API, proven: each case in `ui/` must fail to compile
//! with the error in its `.stderr` file. `TRYBUILD=overwrite` rewrites them after an intended
//! change; review the diff for readability.

#[test]
fn compile_fail() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let cases = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "rs")
        })
        .count();
    assert!(
        cases >= 20,
        "the compile-fail cases are missing from {}",
        dir.display()
    );
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
