// A misspelt field: rustc suggests the right one.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::find().filter(Shot::F.sg_sequnce.is_null());
}
