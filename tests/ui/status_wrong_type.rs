// A status-list field takes its generated enum, not a string.
use sg_tests::demo::Shot;

fn main() {
    let _ = Shot::F.sg_status_list.is("ip");
}
