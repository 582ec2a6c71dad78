// `sum` applies to numeric fields.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::summarize().sum(&Shot::F.code);
}
