// `sg_sequence` takes a link to a Sequence, not to an Asset.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{markers, Shot};

fn main() {
    let _ = Shot::create().set(Shot::F.sg_sequence, Id::<markers::Asset>::new(1));
}
