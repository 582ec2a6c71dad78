// An idempotency key must be a text or uuid field: a number is not one.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::create().idempotency_key(Shot::F.sg_cut_in, "42");
}
