//! An event daemon: reacts to Version status changes from the site's event log, in order,
//! checkpointed, so that a restart resumes where it stopped with no event lost.

use sg_examples::sg::{Version, VersionSgStatusList};
use sg_examples::{fail, Args, Site};
use sg_runtime::events::{Event, EventStream, Start};
use std::io::Write;
use std::time::{Duration, Instant};

const HELP: &str = "\
event_daemon: reacts to Version status changes from the event log, checkpointed

Usage: event_daemon [--checkpoint FILE] [--handled FILE] [--changes N] [--idle-exit SECS]

Options:
  --checkpoint FILE  Where the stream saves its place [default: event_daemon.checkpoint.json]
  --handled FILE     Appends the id of each event handled (a real daemon copies frames here)
  --changes N        On the local server, a second thread makes N status changes [default: 12]
  --idle-exit SECS   Stops after this long with nothing to handle [default: 2]
  -h, --help         Print this help

Runs against the local api3 server (with a thread making the changes), or against SG_SITE,
starting from the oldest event when there is no checkpoint yet.
";

/// The local server's second thread: versions whose status moves rev -> vwd -> apr.
fn make_changes(client: sg_runtime::Client, n: usize) {
    use VersionSgStatusList as S;
    let versions = n.div_ceil(3).max(1);
    let ids: Vec<_> = (0..versions)
        .map(|i| {
            Version::create()
                .set(Version::F.code, format!("daemon_v{i:03}"))
                .send(&client)
                .unwrap_or_else(|e| fail(&e.to_string()))
                .id()
        })
        .collect();
    for i in 0..n {
        let status = [S::Rev, S::Vwd, S::Apr][(i / versions) % 3].clone();
        Version::update(ids[i % versions])
            .set(Version::F.sg_status_list, status)
            .send(&client)
            .unwrap_or_else(|e| fail(&e.to_string()));
        std::thread::sleep(Duration::from_millis(15));
    }
}

fn main() {
    let args = Args::parse(HELP, &["checkpoint", "handled", "changes", "idle-exit"]);
    let checkpoint = args.get("checkpoint", "event_daemon.checkpoint.json");
    let handled_path = args.get("handled", "");
    let changes: usize = args
        .get("changes", "12")
        .parse()
        .unwrap_or_else(|_| fail("--changes takes a number"));
    let idle_exit = Duration::from_secs_f64(
        args.get("idle-exit", "2")
            .parse()
            .unwrap_or_else(|_| fail("--idle-exit takes a number of seconds")),
    );
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    println!("Watching Version status changes on {}", site.describe());
    let maker = site.local.as_ref().map(|_| {
        let client = site.client.clone();
        std::thread::spawn(move || make_changes(client, changes))
    });

    let mut stream = EventStream::builder(&site.client)
        .start(Start::After(0))
        .changes_of(Version::F.sg_status_list)
        .poll_interval(Duration::from_millis(50))
        .max_poll(Duration::from_millis(400))
        .gap_timeout(Duration::from_secs(10))
        .checkpoint(&checkpoint)
        .open()
        .unwrap_or_else(|e| fail(&e.to_string()));
    println!("resuming after event #{}", stream.place().contiguous);
    let mut log = (!handled_path.is_empty()).then(|| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&handled_path)
            .unwrap_or_else(|e| fail(&format!("{handled_path}: {e}")))
    });
    let handle = |e: &Event| -> Result<(), String> {
        // Typed by the bindings: the Version's id, its status as the generated enum.
        if let Some(change) = e.change_of::<Version>() {
            match change.values(&Version::F.sg_status_list) {
                Some(Ok((_, Some(VersionSgStatusList::Apr)))) => println!(
                    "#{}: Version #{} approved: copying its frames",
                    e.id, change.id
                ),
                Some(Ok((_, new))) => println!(
                    "#{}: Version #{} is now {}",
                    e.id,
                    change.id,
                    new.map_or_else(|| "empty".to_string(), |s| s.to_string())
                ),
                Some(Err(err)) => eprintln!("#{}: {err}", e.id),
                None => {}
            }
        }
        // What the daemon did, before the stream saves its place: at least once.
        if let Some(f) = log.as_mut() {
            writeln!(f, "{}", e.id)
                .and_then(|()| f.sync_data())
                .map_err(|err| format!("{handled_path}: {err}"))?;
        }
        Ok(())
    };
    let mut last = (0, Instant::now());
    let result = stream.run(handle, |s| {
        if s.delivered() != last.0 {
            last = (s.delivered(), Instant::now());
        }
        let making = maker.as_ref().is_some_and(|m| !m.is_finished());
        !making && last.1.elapsed() >= idle_exit
    });
    if let Err(e) = result {
        fail(&e);
    }
    println!(
        "handled {} events, {} lost, place #{}",
        stream.delivered(),
        stream.lost(),
        stream.place().contiguous
    );
}
