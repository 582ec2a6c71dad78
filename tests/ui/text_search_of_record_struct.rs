// `text_search(..).of::<Shot>()` names the record struct where the entity type's marker is
// wanted: the message says to write `markers::Shot`.
use sg_runtime::typed::text_search;
use sg_tests::demo::Shot;

fn main() {
    let _ = text_search("hero").of::<Shot>();
}
