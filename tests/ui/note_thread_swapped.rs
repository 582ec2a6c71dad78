// A note's thread takes Note, Reply and Attachment in that order: swapped, a Note would be
// decoded as a Reply, so it does not compile.
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::note_thread;
use sg_tests::demo::{Attachment, Note, Reply};

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let _ = note_thread::<Reply, Note, Attachment>(&client, Id::new(1));
}
