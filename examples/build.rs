//! Generates the demo schema's bindings with sg-codegen's `Builder`, as a studio's bindings crate
//! would from its own snapshot.

fn main() {
    sg_codegen::Builder::new()
        .snapshot("../sg-api3/schemas/demo.json")
        .compile()
        .unwrap_or_else(|e| panic!("{e}"));
}
