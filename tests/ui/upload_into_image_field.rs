// A Version's `image` takes a thumbnail, through `upload_thumbnail`, not `upload`: the note says
// which method does.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Version;

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let _ = Version::upload(Id::new(1), Version::F.image, "thumb.png").send(&client);
}
