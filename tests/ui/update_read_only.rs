// `created_at` is read-only.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::update(Id::new(1)).set(Shot::F.created_at, sg_runtime::chrono::Utc::now());
}
