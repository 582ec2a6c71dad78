// A field handle made from a string would skip every check: only generated code makes them.
use sg_runtime::typed::{kind, FieldRef, Writable};
use sg_tests::demo::{markers, Shot};

fn main() {
    let made_up: FieldRef<markers::Shot, kind::Text, Writable> = FieldRef::new("no_such_field");
    let _ = Shot::find().filter(made_up.is("x"));
}
