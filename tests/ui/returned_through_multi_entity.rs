// A deep link through a multi-entity field (`assets`) filters, but a site returns nothing for it
// and cannot sort on it: as a return field or a sort key it does not compile.
use sg_tests::demo::{Asset, Shot};

fn main() {
    let through = Shot::F.assets.via(Asset::F.code);
    let _ = Shot::find().filter(through.is("tree")); // compiles: a filter
    let _ = Shot::find().fields(through.clone());
    let _ = Shot::find().sort(through.asc());
}
