// `contains` is a text relation; `sg_cut_in` is a number.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::F.sg_cut_in.contains("10");
}
