// After `fields(...)`, records are `Partial`: there is no struct field to read as a silent `None`.
use sg_tests::demo::Shot;

fn main() {
    let client = sg_runtime::Client::builder("studio").build().unwrap();
    let shots = Shot::find().fields(Shot::F.code).all(&client).unwrap();
    let _ = &shots[0].sg_status_list;
}
