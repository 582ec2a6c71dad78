// A filter on a field of another entity type.
use sg_tests::demo::{Asset, Shot};

fn main() {
    let _ = Shot::find().filter(Asset::F.code.is("robot"));
}
