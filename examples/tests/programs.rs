//! Every example program runs, as a user would run it, so that none can rot: against the local
//! server (no `SG_SITE`), with its defaults, with bad input, and with `--help`; and none leaves
//! a file behind in the temporary folder, whether it succeeds or fails.

use std::process::{Command, Output};

fn run(exe: &str, args: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(exe)
        .args(args)
        .env_remove("SG_SITE")
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{exe} {args:?} left {left:?} behind");
    o
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

const ALL: [&str; 9] = [
    env!("CARGO_BIN_EXE_shots_in_progress"),
    env!("CARGO_BIN_EXE_publish_version"),
    env!("CARGO_BIN_EXE_status_rollup"),
    env!("CARGO_BIN_EXE_bulk_shots"),
    env!("CARGO_BIN_EXE_schema_drift"),
    env!("CARGO_BIN_EXE_publish_with_media"),
    env!("CARGO_BIN_EXE_event_daemon"),
    env!("CARGO_BIN_EXE_webhook_receiver"),
    env!("CARGO_BIN_EXE_shot_report"),
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
fn shot_report_computes_the_query_fields() {
    let t = ok(ALL[8], &[]);
    assert!(
        t.contains("shot        open notes  versions  frames  latest version        tasks"),
        "{t}"
    );
    // sh030: three versions of 97 frames, two notes of which one is open.
    assert!(
        t.contains("sq10_sh030  1           3         291     sq10_sh030_anim_v003  ip"),
        "{t}"
    );
    assert!(
        t.contains("sq10_sh040  2           1         121     sq10_sh040_anim_v001  fin"),
        "{t}"
    );
    let t = ok(ALL[8], &["--sequence", "SQ020"]);
    assert!(
        t.contains("sq20_sh010  0           0         0       -               ip"),
        "{t}"
    );
    let e = fails(ALL[8], &["--sequence", "NOPE"], 1);
    assert!(e.contains("no shot in sequence `NOPE`"), "{e}");
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

#[test]
fn event_daemon_handles_every_change_once_per_checkpoint_through_a_kill_and_restart() {
    use sg_examples::sg::{Version, VersionSgStatusList as S};
    use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
    use std::time::{Duration, Instant};
    // Standalone: its own local server and change-making thread.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (cp, handled) = (dir.join("standalone.json"), dir.join("standalone.txt"));
    let t = ok(
        EVENT_DAEMON,
        &[
            "--checkpoint",
            cp.to_str().unwrap(),
            "--handled",
            handled.to_str().unwrap(),
            "--changes",
            "9",
            "--idle-exit",
            "0.5",
        ],
    );
    assert!(t.contains("approved: copying its frames"), "{t}");
    assert!(t.contains("handled 9 events, 0 lost"), "{t}");

    // Against a site that outlives the daemon (ids committed out of order): killed in the
    // middle, restarted from its checkpoint.
    let server = LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(sg_examples::production())
        .event_commits(3, 2)
        .start()
        .unwrap();
    let client = sg_examples::local_client(&server).unwrap();
    let (cp, handled) = (dir.join("site.json"), dir.join("site.txt"));
    let _ = (std::fs::remove_file(&cp), std::fs::remove_file(&handled));
    let daemon = |idle: &str| {
        Command::new(EVENT_DAEMON)
            .args(["--checkpoint", cp.to_str().unwrap()])
            .args(["--handled", handled.to_str().unwrap()])
            .args(["--idle-exit", idle])
            .env("SG_SITE", server.url())
            .env("SG_SCRIPT_NAME", SCRIPT_NAME)
            .env("SG_SCRIPT_KEY", SCRIPT_KEY)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let lines = || -> Vec<i64> {
        std::fs::read_to_string(&handled)
            .unwrap_or_default()
            .lines()
            .map(|l| l.parse().unwrap())
            .collect()
    };
    let versions: Vec<_> = (0..3)
        .map(|i| {
            Version::create()
                .set(Version::F.code, format!("v{i}"))
                .send(&client)
                .unwrap()
                .id()
        })
        .collect();
    let changer = {
        let client = client.clone();
        std::thread::spawn(move || {
            for i in 0..60 {
                let status = [S::Rev, S::Vwd, S::Apr][i % 3].clone();
                Version::update(versions[i % 3])
                    .set(Version::F.sg_status_list, status)
                    .send(&client)
                    .unwrap();
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut first = daemon("30");
    let start = Instant::now();
    while lines().len() < 10 && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(10));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let at_kill = sg_runtime::events::Checkpoint::load(&cp).unwrap().unwrap();
    changer.join().unwrap();
    server.commit_events();
    let second = daemon("1.5").wait().unwrap();
    assert!(second.success());

    let want: Vec<i64> = sg_examples::sg::EventLogEntry::find()
        .filter(
            sg_examples::sg::EventLogEntry::F
                .event_type
                .is("Shotgun_Version_Change"),
        )
        .filter(
            sg_examples::sg::EventLogEntry::F
                .attribute_name
                .is("sg_status_list"),
        )
        .all(&client)
        .unwrap()
        .iter()
        .map(|e| e.id.get())
        .collect();
    assert_eq!(want.len(), 60);
    assert!(
        at_kill.contiguous < want.iter().copied().max().unwrap(),
        "killed in the middle: {at_kill:?}"
    );
    let got = lines();
    let mut unique = got.clone();
    unique.sort();
    unique.dedup();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(unique, want_sorted, "no event lost");
    // Handled twice only if handled but not yet checkpointed when killed: at most the one in
    // flight, and never one the checkpoint had passed.
    let twice: Vec<i64> = unique
        .iter()
        .copied()
        .filter(|id| got.iter().filter(|g| *g == id).count() > 1)
        .collect();
    assert!(twice.len() <= 1, "handled twice: {twice:?}");
    assert!(
        twice
            .iter()
            .all(|id| *id > at_kill.contiguous && !at_kill.handled.contains(id)),
        "{twice:?} after {at_kill:?}"
    );
}

const EVENT_DAEMON: &str = ALL[6];

#[test]
fn webhook_receiver_makes_the_shot_folder_and_moves_the_approved_frames() {
    let out = ok(env!("CARGO_BIN_EXE_webhook_receiver"), &[]);
    assert!(out.contains("/shots/SQ010/sq10_sh050"), "{out}");
    assert!(
        out.contains("work/sq10_sh050_comp_v001 to ")
            && out.contains("/approved/sq10_sh050_comp_v001"),
        "{out}"
    );
    assert!(out.contains("repeats dropped"), "{out}");
}
