// A sort on a field of another entity type.
use sg_tests::demo::{Asset, Shot};

fn main() {
    let _ = Shot::find().sort(Asset::F.code.asc());
}
