// Files are uploaded into `url` (file/link) fields: `code` is text.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Version;

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let _ = Version::upload(Id::new(1), Version::F.code, "take.mov").send(&client);
}
