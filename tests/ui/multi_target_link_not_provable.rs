// A link read from `Version.entity` (any of several types) does not go straight into
// `Shot.sg_sequence` (a Sequence only): the compiler cannot prove it fits; `try_into()` can.
use sg_tests::demo::{Shot, Version};

fn shot_in_sequence_of(version: &Version) {
    let entity = version.entity.clone().unwrap();
    let _ = Shot::create().set(Shot::F.sg_sequence, entity);
}

fn main() {}
