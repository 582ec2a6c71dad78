// `between` needs an ordered field; `code` is text.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::F.code.between("a", "b");
}
