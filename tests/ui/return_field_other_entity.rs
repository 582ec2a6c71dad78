// A return field of another entity type.
use sg_tests::demo::{AssetField, Shot};

fn main() {
    let _ = Shot::find().fields([AssetField::Code]);
}
