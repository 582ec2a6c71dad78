//! Benchmark 6, `events`: the event stream against the local server: events per second read and
//! decoded typed (each a `Shot` status change read through the bindings), the client's peak
//! memory as the log grows (flat: the stream holds one page), and the latency from a change on
//! the site to the handler at a given poll interval.
//!
//! Throughput runs against `sg-localsite` in a process of its own, seeded with the log, and
//! measures in a worker process of its own (peak RSS is the stream's alone). Latency runs against
//! an in-process local server, a thread making changes at seeded random intervals of 50 to
//! 350 ms.

use crate::demo::{Shot, ShotSgStatusList};
use crate::Settings;
use serde_json::{json, Value};
use sg_runtime::events::{Event, EventStream, Start};
use sg_runtime::{Client, Credentials};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const STATUSES: [&str; 5] = ["wtg", "rdy", "ip", "rev", "fin"];

fn seed_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join(format!("events-{n}.json"));
    if !path.exists() {
        let events: Vec<Value> = (0..n)
            .map(|i| {
                let shot = (i % 1000) as i64 + 1;
                json!({
                    "id": i + 1,
                    "event_type": "Shotgun_Shot_Change",
                    "attribute_name": "sg_status_list",
                    "entity": {"type": "Shot", "id": shot},
                    "project": {"type": "Project", "id": 1},
                    "created_at": "2026-11-28T12:00:00Z",
                    "meta": {"type": "attribute_change", "entity_type": "Shot", "entity_id": shot,
                             "attribute_name": "sg_status_list", "field_data_type": "status_list",
                             "old_value": STATUSES[i % 5], "new_value": STATUSES[(i + 1) % 5],
                             "in_create": false},
                })
            })
            .collect();
        let shots: Vec<Value> = (1..=1000)
            .map(|i| json!({"id": i, "code": format!("sh{i:04}")}))
            .collect();
        let seed = json!({"Project": [{"id": 1, "name": "Bench"}], "Shot": shots, "EventLogEntry": events});
        std::fs::write(&path, seed.to_string()).expect("scratch is writable");
    }
    path
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .build()
        .expect("a client")
}

/// Runs in a process of its own: `events-worker URL N`: streams N events, decoding each typed.
pub fn worker(args: &[String]) {
    let url = args.first().map(String::as_str).unwrap_or("");
    let n: u64 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(0);
    let client = client(url);
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .page_size(500)
        .open()
        .expect("the stream opens");
    let start = Instant::now();
    let mut finals = 0u64;
    while stream.delivered() < n {
        let r = stream
            .poll_once(&mut |e: &Event| {
                let change = e.change_of::<Shot>().expect("a Shot change");
                let (_, new) = change
                    .values(&Shot::F.sg_status_list)
                    .expect("a status change")
                    .expect("a status");
                if new == Some(ShotSgStatusList::Fin) {
                    finals += 1;
                }
                Ok::<(), ()>(())
            })
            .expect("a poll");
        if r == Ok(0) {
            crate::die("the stream stalled before the end of the log");
        }
    }
    println!(
        "{} {} {} {}",
        stream.delivered(),
        start.elapsed().as_secs_f64(),
        crate::find::peak_kib(),
        finals
    );
}

fn run_worker(url: &str, n: usize) -> (f64, u64) {
    crate::timed_worker(&["events-worker", url, &n.to_string()], n)
}

/// The median time from a change to the handler, polling every `poll`, each request taking
/// `round_trip` more (section 8).
pub(crate) fn latency(poll: Duration, changes: usize, round_trip: Duration) -> Duration {
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({"Shot": [{"id": 1, "code": "sh0001"}]}))
        .latency(round_trip)
        .start()
        .expect("the local server starts");
    let client = sg_tests::SiteClient::client(&server).expect("a client");
    let mut stream = EventStream::builder(&client)
        .start(Start::Now)
        .event_types(["Shotgun_Shot_Change"])
        .poll_interval(poll)
        .max_poll(poll)
        .open()
        .expect("the stream opens");
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let maker = {
        let (client, sent) = (client.clone(), sent.clone());
        std::thread::spawn(move || {
            // Changes at seeded random intervals (50 to 350 ms), so that they do not fall in
            // step with the polls.
            let mut seed = 2026u64;
            for i in 0..changes {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                std::thread::sleep(Duration::from_millis(50 + (seed >> 33) % 300));
                sent.lock().expect("not poisoned").push(Instant::now());
                let status = [ShotSgStatusList::Ip, ShotSgStatusList::Fin][i % 2].clone();
                Shot::update(sg_runtime::typed::Id::new(1))
                    .set(Shot::F.sg_status_list, status)
                    .send(&client)
                    .expect("an update");
            }
        })
    };
    let mut delays = Vec::new();
    let _ = stream.run(
        |_| {
            let at = sent.lock().expect("not poisoned")[delays.len()];
            delays.push(at.elapsed());
            Ok::<(), ()>(())
        },
        |s| s.delivered() as usize >= changes,
    );
    maker.join().expect("the change maker finishes");
    delays.sort();
    delays[delays.len() / 2]
}

/// Runs the events benchmark and prints its tables.
pub fn run(s: &Settings) {
    let scratch = s.root.join("target/sg-bench/events");
    std::fs::create_dir_all(&scratch).expect("target is writable");
    let sizes: Vec<usize> = if s.quick {
        vec![2_000]
    } else {
        vec![10_000, 100_000, 1_000_000]
    };
    println!(
        "\n## 6. events: a log of Shot status changes, streamed and decoded typed (median of {} runs; peak RSS of the client process)\n",
        s.runs
    );
    println!("| events | time | events/s | peak RSS |");
    println!("|---:|---:|---:|---:|");
    for &n in &sizes {
        let seed = seed_file(&scratch, n);
        let server = crate::find::start_server(s, &seed, &[]);
        let mut runs: Vec<(f64, u64)> = (0..s.runs.max(1))
            .map(|_| run_worker(&server.url, n))
            .collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (t, kib) = runs[runs.len() / 2];
        println!(
            "| {n} | {t:.3} s | {:.0} | {:.1} MiB |",
            n as f64 / t.max(1e-9),
            kib as f64 / 1024.0
        );
    }
    let changes = if s.quick { 5 } else { 20 };
    println!("\n| poll interval | median latency, change to handler ({changes} changes) |");
    println!("|---:|---:|");
    for poll in [100, 500] {
        let d = latency(Duration::from_millis(poll), changes, Duration::ZERO);
        println!("| {poll} ms | {} ms |", d.as_millis());
    }
}
