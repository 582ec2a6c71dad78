// `content` is a field of Task, not of Shot.
use sg_derive::Select;
use sg_tests::demo;

#[derive(Select)]
#[sg(entity = demo::Shot)]
struct ShotRow {
    code: Option<String>,
    content: Option<String>,
}

fn main() {}
