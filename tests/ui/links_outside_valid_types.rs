// Links of several types go into a multi-entity field with `Links::of(..).and(..)`, each checked
// against the field's valid types: a HumanUser is not among `Note.note_links`'s.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{markers, Note};

fn note(shot: Id<markers::Shot>, user: Id<markers::HumanUser>) {
    let _ = Note::create().set(Note::F.note_links, Links::of(shot).and(user));
}

fn main() {}
