// `follow` takes the person first: a Shot cannot follow a HumanUser.
use sg_runtime::typed::follow;
use sg_runtime::typed::prelude::*;
use sg_tests::demo::markers;

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let shot: Id<markers::Shot> = Id::new(1);
    let ann: Id<markers::HumanUser> = Id::new(1);
    let _ = follow(&client, shot, ann.link());
}
