// A link read from `Version.entity` (any of several types) used in a filter on `Shot.sg_sequence`
// (a Sequence only): refused like a `set`, and the message points to the field handle's `fit`.
use sg_tests::demo::{Shot, Version};

fn shots_in_sequence_of(version: &Version) {
    let entity = version.entity.clone().unwrap();
    let _ = Shot::find().filter(Shot::F.sg_sequence.is(entity));
}

fn main() {}
