// A misspelt projection field: the error points at it and suggests the right name.
use sg_derive::Select;
use sg_tests::demo;

#[derive(Select)]
#[sg(entity = demo::Shot)]
struct ShotRow {
    sg_sequnce: Option<sg_runtime::EntityRef>,
}

fn main() {}
