// `cached_display_name` is computed by the site: read-only.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::create().set(Shot::F.cached_display_name, "sh010 (Big Buck)");
}
