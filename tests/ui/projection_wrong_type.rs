// `code` is text: it projects into Option<String>, not Option<i64>.
use sg_derive::Select;
use sg_tests::demo;

#[derive(Select)]
#[sg(entity = demo::Shot)]
struct ShotRow {
    code: Option<i64>,
}

fn main() {}
