// One link set on a multi-entity field: the field takes a list, and the message says `[link]`.
use sg_runtime::typed::prelude::*;
use sg_tests::demo::{Playlist, Version};

fn add(playlist: &Playlist, version: &Version) {
    let _ = Playlist::update(playlist.id).set(Playlist::F.versions, version.link());
}

fn main() {}
