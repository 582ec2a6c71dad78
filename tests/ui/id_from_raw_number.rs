// A raw number is not an id: ids from outside go through `Id::new`, which names the entity type.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::update(42);
}
