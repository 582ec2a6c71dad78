// A Task has no `image` field: it takes no thumbnail.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Task;

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let _ = Task::upload_thumbnail(&client, Id::new(1), "thumb.png");
}
