//! Publish a version with its media: create the Version, upload the movie into
//! `sg_uploaded_movie` and a thumbnail, with progress bars, and print where to download them.

use sg_examples::sg::Version;
use sg_examples::{fail, remove_on_failure, shot_task_project, Args, Progress, Site};
use sg_runtime::typed::prelude::*;
use std::path::PathBuf;

const HELP: &str = "\
publish_with_media: create a version for a shot's task, upload its movie and thumbnail

Usage: publish_with_media [--shot CODE] [--task NAME] [--movie PATH] [--thumbnail PATH]

Options:
  --shot CODE        The shot [default: sq10_sh010]
  --task NAME        The shot's task [default: Animation]
  --movie PATH       The movie to upload [default: a 25 MB stand-in written to a temporary folder]
  --thumbnail PATH   The thumbnail image [default: a stand-in written beside the movie]
  -h, --help         Print this help

The movie goes into the Version's `sg_uploaded_movie` field (an Attachment linked to the
Version), the thumbnail becomes its image. Each Version carries an idempotency key, so a lost
answer never creates it twice. Runs against the local api3 server with a demo production, or
against SG_SITE.
";

/// Writes a stand-in file of `len` bytes, for runs without real media.
fn stand_in(name: &str, len: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("publish_with_media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| fail(&format!("{}: {e}", dir.display())));
    remove_on_failure(dir.clone());
    let path = dir.join(name);
    let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, bytes).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    path
}

fn main() {
    let args = Args::parse(HELP, &["shot", "task", "movie", "thumbnail"]);
    let (shot_code, task_name) = (
        args.get("shot", "sq10_sh010"),
        args.get("task", "Animation"),
    );
    let movie = match args.get("movie", "") {
        m if m.is_empty() => stand_in(&format!("{shot_code}.mov"), 25_000_000),
        m => PathBuf::from(m),
    };
    let thumbnail = match args.get("thumbnail", "") {
        t if t.is_empty() => stand_in(&format!("{shot_code}.png"), 4_096),
        t => PathBuf::from(t),
    };
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let client = &site.client;
    let or_fail = |e: sg_runtime::Error| -> ! { fail(&e.to_string()) };
    println!("Publishing on {}", site.describe());

    let (shot, task, project) = shot_task_project(client, &shot_code, &task_name);

    // The next version number: one more than the task's versions so far.
    let existing = Version::find()
        .filter(Version::F.sg_task.is(task.link()))
        .all(client)
        .unwrap_or_else(|e| or_fail(e));
    let code = format!(
        "{shot_code}_{}_v{:03}",
        task_name.to_lowercase(),
        existing.len() + 1
    );
    let version = Version::create()
        .set(Version::F.code, code.as_str())
        .set(Version::F.project, &project)
        .set(Version::F.entity, shot.link())
        .set(Version::F.sg_task, task.link())
        .idempotency_key(Version::F.sg_uuid, format!("publish_with_media/{code}"))
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    println!("created Version {code} (#{})", version.id());

    let mut bar = Progress::new("movie");
    let movie_id = Version::upload(version.id(), Version::F.sg_uploaded_movie, &movie)
        .display_name(format!("{code}.mov"))
        .progress(|done, total| bar.update(done, total))
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    let thumb_id =
        Version::upload_thumbnail(client, version.id(), &thumbnail).unwrap_or_else(|e| or_fail(e));
    println!(
        "uploaded the movie (Attachment #{movie_id}) and the thumbnail (Attachment #{thumb_id})"
    );

    let published = Version::find()
        .filter(Version::F.id.is(version.id()))
        .fields((Version::F.sg_uploaded_movie, Version::F.image))
        .first(client)
        .unwrap_or_else(|e| or_fail(e))
        .unwrap_or_else(|| fail("the version is gone"));
    let link = published
        .get(&Version::F.sg_uploaded_movie)
        .unwrap_or_else(|e| or_fail(e))
        .unwrap_or_else(|| fail("the movie field is empty after the upload"));
    let url = link
        .url
        .clone()
        .unwrap_or_else(|| fail("the movie field has no url"));
    println!("download the movie: {url}");
    if let Ok(Some(sg_runtime::Image::Url(image))) = published.get(&Version::F.image) {
        println!("thumbnail: {image}");
    }
    // Check the round trip on the local server: the bytes that come back are the ones sent.
    if site.local.is_some() {
        let mut bar = Progress::new("check");
        let total = std::fs::metadata(&movie).map(|m| m.len()).unwrap_or(0);
        let mut back = Vec::new();
        client
            .download_attachment_to(movie_id, &mut back, &mut |n| bar.update(n, total))
            .unwrap_or_else(|e| or_fail(e));
        let sent = std::fs::read(&movie).unwrap_or_else(|e| fail(&e.to_string()));
        if back != sent {
            fail("the downloaded movie differs from the one uploaded");
        }
        println!("downloaded it back: {} bytes, identical", back.len());
    }
    // The stand-ins, if this run wrote them.
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("publish_with_media-{}", std::process::id())),
    );
}
