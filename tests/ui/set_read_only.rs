// `image` is read-only.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::create().set(Shot::F.image, "https://example.com/thumb.png");
}
