//! Generates bindings with sg-codegen's `Builder`, as a user's build.rs would, so that the test
//! suite compiles them: the demo schema and the naming-hazards fixture always, and the real-site schemas when
//! `SG_SHARED_SCHEMAS` names them (cfg `shared_schemas`).

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_schemas)");
    println!("cargo::rustc-check-cfg=cfg(trybuild)");
    println!("cargo:rerun-if-env-changed=SG_SHARED_SCHEMAS");
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let demo = manifest.join("../sg-api3/schemas/demo.json");
    sg_codegen::Builder::new()
        .snapshot(&demo)
        .file_name("demo_bindings.rs")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
    // The naming-hazards fixture in the single-file layout (its per-file golden is committed).
    sg_codegen::Builder::new()
        .snapshot(manifest.join("../sg-codegen/tests/fixtures/hazards.json"))
        .file_name("hazards_bindings.rs")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(dir) = std::env::var_os("SG_SHARED_SCHEMAS") {
        let dir = PathBuf::from(dir);
        for (site, file) in [
            ("python-api", "python_api_bindings.rs"),
            ("tk-core", "tk_core_bindings.rs"),
        ] {
            sg_codegen::Builder::new()
                .snapshot(dir.join(site))
                .file_name(file)
                .compile()
                .unwrap_or_else(|e| panic!("{e}"));
        }
        println!("cargo:rustc-cfg=shared_schemas");
    }
}
