//! The demo schema's bindings, for the typed-decode benchmark.

fn main() {
    let manifest =
        std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    sg_codegen::Builder::new()
        .snapshot(manifest.join("../sg-api3/schemas/demo.json"))
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
