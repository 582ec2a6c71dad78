// A query field is computed by its query: it cannot be set.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::create().set(Shot::F.sg_total_frames, 100);
}
