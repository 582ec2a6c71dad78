// `sg_sequence` links to a Sequence only.
use sg_tests::demo::{Asset, Shot};

fn main() {
    let _ = Shot::F.sg_sequence.via(Asset::F.code);
}
