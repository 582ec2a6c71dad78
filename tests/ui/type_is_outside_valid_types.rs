// `type_is` names one of the link's valid types.
use sg_tests::demo::{markers, Task};

fn main() {
    let _ = Task::F.entity.type_is::<markers::Version>();
}
