// A query field is computed, never filtered on: a site cannot (it returns the field empty).
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::F.open_notes_count.greater_than(0);
    let _ = Shot::F.open_notes_count.is(3);
}
