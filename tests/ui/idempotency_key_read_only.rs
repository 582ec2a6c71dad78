// An idempotency key is set by the create, so it must be writable.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::create().idempotency_key(Shot::F.cached_display_name, "uuid-1");
}
