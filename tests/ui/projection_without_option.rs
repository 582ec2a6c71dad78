// A projected field is `Option` of the field's type (the site may hold nothing): the error points
// at the user's field and says so, with no suggestion to unwrap.
use sg_derive::Select;

#[derive(Select)]
#[sg(entity = sg_tests::demo::Shot)]
struct Row {
    code: String,
}

fn main() {}
