// A projection's deep link must follow the schema's valid types.
use sg_derive::Select;
use sg_tests::demo;

#[derive(Select)]
#[sg(entity = demo::Shot)]
struct ShotRow {
    #[sg(path = "sg_sequence.Asset.code")]
    asset: Option<String>,
}

fn main() {}
