// An id is typed by its entity: a Version's id does not update a Playlist.
use sg_tests::demo::{Playlist, Version};

fn add_to_playlist(version: &Version) {
    let _ = Playlist::update(version.id);
}

fn main() {}
