//! Every example program runs, as a user would run it, so that none can rot: against the local
//! server (no `SG_SITE`), with its defaults, with bad input, and with `--help`.

use std::process::{Command, Output};

fn run(exe: &str, args: &[&str]) -> Output {
    Command::new(exe)
        .args(args)
        .env_remove("SG_SITE")
        .output()
        .unwrap()
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(exe: &str, args: &[&str]) -> String {
    let o = run(exe, args);
    assert!(o.status.success(), "{exe} {args:?} failed:\n{}", out(&o));
    out(&o)
}

fn fails(exe: &str, args: &[&str], code: i32) -> String {
    let o = run(exe, args);
    assert_eq!(o.status.code(), Some(code), "{exe} {args:?}:\n{}", out(&o));
    out(&o)
}

const ALL: [&str; 6] = [
    env!("CARGO_BIN_EXE_shots_in_progress"),
    env!("CARGO_BIN_EXE_publish_version"),
    env!("CARGO_BIN_EXE_status_rollup"),
    env!("CARGO_BIN_EXE_bulk_shots"),
    env!("CARGO_BIN_EXE_schema_drift"),
    env!("CARGO_BIN_EXE_publish_with_media"),
];

#[test]
fn every_program_has_help_and_refuses_unknown_flags() {
    for exe in ALL {
        let h = ok(exe, &["--help"]);
        assert!(h.contains("Usage:") && h.contains("--help"), "{exe}: {h}");
        let e = fails(exe, &["--frobnicate", "1"], 1);
        assert!(e.contains("unknown argument `--frobnicate`"), "{exe}: {e}");
    }
}

#[test]
fn shots_in_progress_prints_the_table() {
    let t = ok(ALL[0], &[]);
    assert!(
        t.contains("shot        step   task         status  assigned to"),
        "{t}"
    );
    assert!(
        t.contains("sq10_sh010  anim   Animation    ip      Ada Okafor"),
        "{t}"
    );
    assert!(
        t.contains("sq10_sh010  light  Lighting     wtg     Bruno Keller"),
        "steps in pipeline order: {t}"
    );
    assert!(t.contains("2 shots in progress, 6 tasks"), "{t}");
    let t = ok(ALL[0], &["--sequence", "SQ020"]);
    assert!(t.contains("sq20_sh010") && !t.contains("sq10_"), "{t}");
    let e = fails(ALL[0], &["--sequence", "SQ999"], 1);
    assert!(e.contains("error: no sequence `SQ999`"), "{e}");
}

#[test]
fn publish_version_creates_and_adds_to_the_playlist() {
    let t = ok(ALL[1], &[]);
    assert!(
        t.contains("created Version sq10_sh010_animation_v001"),
        "{t}"
    );
    assert!(
        t.contains("added it to Playlist Dailies 2026-11-27, which now holds 1 version(s)"),
        "{t}"
    );
    let t = ok(
        ALL[1],
        &[
            "--shot",
            "sq20_sh030",
            "--task",
            "Lighting",
            "--playlist",
            "Client review",
        ],
    );
    assert!(t.contains("created Playlist Client review"), "{t}");
    let e = fails(ALL[1], &["--task", "Rigging"], 1);
    assert!(e.contains("shot `sq10_sh010` has no task `Rigging`"), "{e}");
}

#[test]
fn status_rollup_groups_by_status_and_step() {
    let t = ok(ALL[2], &[]);
    assert!(t.contains("shot status  shots  share"), "{t}");
    assert!(t.contains("ip           6      50%"), "{t}");
    assert!(t.contains("Animation    12"), "{t}");
    assert!(t.contains("12 shots (2172 frames), 36 tasks"), "{t}");
    let e = fails(ALL[2], &["--project", "Nope"], 1);
    assert!(e.contains("no project `Nope`"), "{e}");
}

#[test]
fn bulk_shots_is_all_or_nothing() {
    let t = ok(ALL[3], &[]);
    assert!(t.contains("created 4 shots in one batch"), "{t}");
    assert!(t.contains("sq30_sh060 #"), "{t}");
    let bad = concat!(env!("CARGO_MANIFEST_DIR"), "/data/bad_edit_list.csv");
    let e = fails(ALL[3], &["--csv", bad], 1);
    for line in [
        "line 3: no sequence `SQ040` in Big Buck",
        "line 4: cut_out `l030` is not a whole number",
        "line 5: cut_out 1001 is before cut_in 1096",
        "3 bad row(s)",
        "nothing was created",
    ] {
        assert!(e.contains(line), "missing `{line}`:\n{e}");
    }
    assert!(!e.contains("line 2:"), "{e}");
    let e = fails(ALL[3], &["--csv", "/nonexistent/edit.csv"], 1);
    assert!(e.contains("/nonexistent/edit.csv"), "{e}");
}

#[test]
fn schema_drift_reports_changes_and_files() {
    let o = run(ALL[4], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let t = out(&o);
    for line in [
        "+ field Shot.sg_client_notes (text)",
        "- field Shot.sg_footage (footage)",
        "~ field Shot.sg_cut_order: integer -> float",
        "generated files that would change: shot.rs",
    ] {
        assert!(t.contains(line), "missing `{line}`:\n{t}");
    }
    let t = ok(ALL[4], &["--simulate", "none"]);
    assert!(t.contains("no drift"), "{t}");
}

#[test]
fn publish_with_media_uploads_and_downloads_back() {
    let t = ok(ALL[5], &[]);
    assert!(
        t.contains("created Version sq10_sh010_animation_v001"),
        "{t}"
    );
    assert!(t.contains("uploaded the movie (Attachment #"), "{t}");
    assert!(t.contains("download the movie: http://127.0.0.1:"), "{t}");
    assert!(t.contains("/file_serve/attachment/"), "{t}");
    assert!(
        t.contains("movie      [####################] 100%  25.0/25.0 MB"),
        "{t}"
    );
    assert!(
        t.contains("downloaded it back: 25000000 bytes, identical"),
        "{t}"
    );
    let e = fails(ALL[5], &["--movie", "/nonexistent/take.mov"], 1);
    assert!(e.contains("/nonexistent/take.mov"), "{e}");
}
