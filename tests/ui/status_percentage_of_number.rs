// `status_percentage` measures a status (or list) field against one of its values.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::summarize().status_percentage(&Shot::F.sg_cut_in, 1001);
}
