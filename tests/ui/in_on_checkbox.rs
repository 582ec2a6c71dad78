// `is_in` does not apply to a checkbox: the error names the relation and the kind of field.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::find().filter(Shot::F.sg_is_hero.is_in([true]));
}
