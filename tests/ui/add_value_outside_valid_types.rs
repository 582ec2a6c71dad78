// `Playlist.versions` holds Versions, not Shots.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{markers, Playlist};

fn main() {
    let _ = Playlist::update(Id::new(1)).add(Playlist::F.versions, [Id::<markers::Shot>::new(1)]);
}
