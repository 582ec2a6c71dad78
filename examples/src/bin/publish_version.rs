//! Publish a version for a shot's task and add it to a playlist.

use sg_examples::sg::{Playlist, Version};
use sg_examples::{fail, latest, shot_task_project, Args, Site};
use sg_runtime::typed::prelude::*;

const HELP: &str = "\
publish_version: create a version for a shot's task and add it to a playlist

Usage: publish_version [--shot CODE] [--task NAME] [--playlist NAME] [--movie PATH]

Options:
  --shot CODE        The shot [default: sq10_sh010]
  --task NAME        The shot's task [default: Animation]
  --playlist NAME    The playlist, created if missing [default: Dailies 2026-11-27]
  --movie PATH       The movie to review [default: /mnt/renders/<shot>_<task>_vNNN.mov]
  -h, --help         Print this help

Runs against the local api3 server with a demo production, or against SG_SITE.
";

fn main() {
    let args = Args::parse(HELP, &["shot", "task", "playlist", "movie"]);
    let (shot_code, task_name, playlist_name) = (
        args.get("shot", "sq10_sh010"),
        args.get("task", "Animation"),
        args.get("playlist", "Dailies 2026-11-27"),
    );
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
    if let Some(previous) = latest::<Version, _, _>(
        client,
        Version::F.sg_task.is(task.id),
        &Version::F.created_at,
    )
    .unwrap_or_else(|e| or_fail(e))
    {
        println!(
            "latest version of {shot_code} / {task_name}: {}",
            previous.code.as_deref().unwrap_or("(no code)")
        );
    }
    let code = format!(
        "{shot_code}_{}_v{:03}",
        task_name.to_lowercase(),
        existing.len() + 1
    );
    let movie = args.get("movie", &format!("/mnt/renders/{code}.mov"));
    let version = Version::create()
        .set(Version::F.code, code.as_str())
        .set(Version::F.project, &project)
        .set(Version::F.entity, shot.link())
        .set(Version::F.sg_task, task.link())
        .set(Version::F.sg_path_to_movie, movie.as_str())
        .set(Version::F.sg_first_frame, shot.sg_cut_in.unwrap_or(1001))
        .set(Version::F.sg_last_frame, shot.sg_cut_out.unwrap_or(1001))
        .set(Version::F.description, format!("{task_name} for review"))
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    println!(
        "created Version {} (#{}) on {} / {}",
        code,
        version.id(),
        shot_code,
        task_name
    );

    let playlist_id = match Playlist::find()
        .filter(Playlist::F.code.is(playlist_name.as_str()))
        .first(client)
        .unwrap_or_else(|e| or_fail(e))
    {
        Some(p) => p.id,
        None => {
            let p = Playlist::create()
                .set(Playlist::F.code, playlist_name.as_str())
                .set(Playlist::F.project, project)
                .send(client)
                .unwrap_or_else(|e| or_fail(e));
            println!("created Playlist {playlist_name} (#{})", p.id());
            p.id()
        }
    };
    let updated = Playlist::update(playlist_id)
        .add(Playlist::F.versions, [version.link()])
        .send(client)
        .unwrap_or_else(|e| or_fail(e));
    let n = updated
        .get(&Playlist::F.versions)
        .unwrap_or_else(|e| or_fail(e))
        .map_or(0, |v| v.len());
    println!("added it to Playlist {playlist_name}, which now holds {n} version(s)");
}
