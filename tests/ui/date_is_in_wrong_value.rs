// Dates take `is_in`, with dates: a string is not a date.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::find().filter(Shot::F.sg_first_delivery.is_in(["2026-12-01"]));
}
