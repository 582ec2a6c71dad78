// A deep link follows a single-entity field only; `assets` is multi-entity.
use sg_tests::demo::{Asset, Shot};

fn main() {
    let _ = Shot::F.assets.via(Asset::F.code);
}
