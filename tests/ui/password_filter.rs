// Sites never filter on a password field (HumanUser.password_proxy is one).
use sg_tests::demo::HumanUser;

fn main() {
    let _ = HumanUser::find().filter(HumanUser::F.password_proxy.is("hunter2"));
}
