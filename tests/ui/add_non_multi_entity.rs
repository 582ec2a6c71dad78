// `add` applies to multi-entity fields only.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{markers, Shot};

fn main() {
    let _ = Shot::update(Id::new(1)).add(Shot::F.sg_sequence, Id::<markers::Sequence>::new(1));
}
