// A number field compared with a string.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::F.sg_cut_in.is("1001");
}
