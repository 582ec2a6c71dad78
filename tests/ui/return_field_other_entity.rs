// A return field of another entity type.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{AssetField, Shot};

fn main() {
    let _ = Shot::find().fields([AssetField::Code]);
}
