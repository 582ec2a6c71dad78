//! Benchmark 8, `round-trip`: reads, bulk writes and the event stream at a cloud site's round
//! trip, played by the local server (`sg-localsite --latency MS`: every request waits that
//! long before it is handled, requests side by side).
//!
//! * Reads: every Shot (36 fields, pages of 500) by the official Python client's `find`, our
//!   typed read page after page (`max_concurrent_requests(1)`), reading ahead (the default, 8
//!   requests at once), and by id (`Find::by_id`), each in a worker process of its own so that
//!   its peak RSS is its own.
//! * Bulk writes: creates in chunks of 100, by the official client's `batch` in a loop, ours
//!   one chunk after the other, and ours several at once (the default).
//! * The event stream: the time from a change to its handler.

use crate::Settings;
use serde_json::{json, Map};
use sg_runtime::{BatchRequest, Client, Credentials};
use std::time::{Duration, Instant};

/// Records per page and per bulk chunk.
const PAGE: usize = 500;
const CHUNK: usize = 100;

fn client(url: &str, concurrent: usize) -> Client {
    Client::builder(url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .max_concurrent_requests(concurrent)
        .build()
        .expect("a client")
}

/// Whether python3 with shotgun_api3 is here.
fn python() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import shotgun_api3"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a peer script; returns the words it printed.
fn python_peer(s: &Settings, script: &str, args: &[&str]) -> Vec<String> {
    let out = std::process::Command::new("python3")
        .arg(s.root.join("bench/python").join(script))
        .args(args)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        crate::die(&format!(
            "{script} failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    text.split_whitespace().map(str::to_owned).collect()
}

/// The median of `runs` of `f`, which returns (seconds, peak KiB).
fn median_of(runs: usize, mut f: impl FnMut() -> (f64, u64)) -> (f64, u64) {
    let mut all: Vec<(f64, u64)> = (0..runs.max(1)).map(|_| f()).collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all[all.len() / 2]
}

/// Runs the round-trip benchmark and prints its tables.
pub fn run(s: &Settings) {
    let scratch = s.root.join("target/sg-bench/find");
    std::fs::create_dir_all(&scratch).expect("target is writable");
    let has_python = python();
    if !has_python {
        println!("(the official Python client was skipped: no python3 with shotgun_api3)");
    }
    reads(s, &scratch, has_python);
    limits(s, &scratch);
    writes(s, &scratch, has_python);
    events(s);
}

fn reads(s: &Settings, scratch: &std::path::Path, has_python: bool) {
    let n = if s.quick { 2_000 } else { 100_000 };
    let latencies: &[u64] = if s.quick { &[0, 150] } else { &[0, 50, 150] };
    let fields: Vec<&str> = crate::demo::ShotField::ALL
        .iter()
        .map(|f| f.wire_name())
        .collect();
    let fields = fields.join(",");
    let window = sg_runtime::DEFAULT_MAX_CONCURRENT_REQUESTS;
    println!(
        "\n## 8. round trip: {n} Shots read whole, pages of {PAGE} (median of {} runs; peak RSS of the reading process)\n",
        s.runs
    );
    println!("| round trip | read | time | records/s | peak RSS | speed vs official client |");
    println!("|---:|---|---:|---:|---:|---:|");
    let seed = crate::find::seed_file(scratch, n);
    for &ms in latencies {
        let server = crate::find::start_server(s, &seed, &["--latency", &ms.to_string()]);
        let mut python_time = None;
        if has_python {
            let (t, kib) = median_of(s.runs, || {
                let w = python_peer(
                    s,
                    "find_peer.py",
                    &[
                        &server.url,
                        sg_localsite::SCRIPT_NAME,
                        sg_localsite::SCRIPT_KEY,
                        &fields,
                    ],
                );
                if w.first().and_then(|c| c.parse::<usize>().ok()) != Some(n) {
                    crate::die(&format!("the official client read {w:?}, not {n}"));
                }
                (w[1].parse().unwrap_or(0.0), w[2].parse().unwrap_or(0))
            });
            python_time = Some(t);
            row(ms, "official Python client, `find`", n, t, kib, python_time);
        }
        for (mode, label) in [
            ("typed-seq", "typed, page after page".to_string()),
            (
                "typed-stream",
                format!("typed, {window} pages ahead (default)"),
            ),
            (
                "typed-by-id",
                format!("typed by id, {window} id ranges at once"),
            ),
        ] {
            let (t, kib) = median_of(s.runs, || crate::find::run_worker(mode, &server.url, n));
            row(ms, &label, n, t, kib, python_time);
        }
    }
}

/// The read at a cloud site's round trip for each limit of requests at once: where the
/// default comes from.
fn limits(s: &Settings, scratch: &std::path::Path) {
    let n = if s.quick { 2_000 } else { 100_000 };
    let ms = 150u64;
    let seed = crate::find::seed_file(scratch, n);
    let server = crate::find::start_server(s, &seed, &["--latency", &ms.to_string()]);
    println!(
        "\n| round trip | requests at once (`max_concurrent_requests`) | {n} Shots read | records/s | peak RSS |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for limit in [1usize, 2, 4, 8, 16] {
        let (t, kib) = median_of(s.runs, || {
            crate::timed_worker(
                &[
                    "find-worker",
                    "typed-stream",
                    &server.url,
                    &n.to_string(),
                    &limit.to_string(),
                ],
                n,
            )
        });
        println!(
            "| {ms} ms | {limit} | {t:.3} s | {:.0} | {:.1} MiB |",
            n as f64 / t,
            kib as f64 / 1024.0
        );
    }
}

fn row(ms: u64, label: &str, n: usize, t: f64, kib: u64, base: Option<f64>) {
    let ratio = base.map_or("-".to_string(), |b| format!("{:.2}x", b / t));
    println!(
        "| {ms} ms | {label} | {t:.3} s | {:.0} | {:.1} MiB | {ratio} |",
        n as f64 / t,
        kib as f64 / 1024.0
    );
}

fn create(tag: &str, i: usize) -> BatchRequest {
    let mut fields = Map::new();
    for (k, v) in [
        ("code", json!(format!("{tag}_{i:06}"))),
        ("description", json!("created in bulk by the benchmark")),
        ("project", json!({"type": "Project", "id": 1})),
        ("sg_status_list", json!("wtg")),
    ] {
        fields.insert(k.into(), v);
    }
    BatchRequest::Create {
        entity_type: "Shot".into(),
        fields,
        return_fields: vec![],
        idempotency_key: None,
    }
}

fn writes(s: &Settings, scratch: &std::path::Path, has_python: bool) {
    let n = if s.quick { 1_000 } else { 10_000 };
    let ms = 150u64;
    let seed = scratch.join("bulk-seed.json");
    std::fs::write(
        &seed,
        json!({"Project": [{"id": 1, "name": "Bench"}]}).to_string(),
    )
    .expect("scratch is writable");
    // Writes with the default script key: `--insecure`.
    let server = crate::find::start_server(s, &seed, &["--latency", &ms.to_string(), "--insecure"]);
    let window = sg_runtime::DEFAULT_MAX_CONCURRENT_REQUESTS;
    println!(
        "\n| round trip | {n} creates in chunks of {CHUNK} | time | creates/s | speed vs official client |"
    );
    println!("|---:|---|---:|---:|---:|");
    let mut run = 0;
    let mut tag = || {
        run += 1;
        format!("b{run}")
    };
    let mut base = None;
    if has_python {
        let (t, _) = median_of(s.runs, || {
            let tag = tag();
            let w = python_peer(
                s,
                "bulk_peer.py",
                &[
                    &server.url,
                    sg_localsite::SCRIPT_NAME,
                    sg_localsite::SCRIPT_KEY,
                    &n.to_string(),
                    &CHUNK.to_string(),
                    &tag,
                ],
            );
            if w.first().and_then(|c| c.parse::<usize>().ok()) != Some(n) {
                crate::die(&format!("the official client created {w:?}, not {n}"));
            }
            (w[1].parse().unwrap_or(0.0), 0)
        });
        base = Some(t);
        write_row(ms, "official Python client, `batch` in a loop", n, t, base);
    }
    for (concurrent, label) in [
        (1, "`Client::bulk`, one chunk after the other".to_string()),
        (
            window,
            format!("`Client::bulk`, {window} chunks at once (default)"),
        ),
    ] {
        let (t, _) = median_of(s.runs, || {
            let requests: Vec<BatchRequest> = {
                let tag = tag();
                (0..n).map(|i| create(&tag, i)).collect()
            };
            let client = client(&server.url, concurrent);
            let started = Instant::now();
            let report = client.bulk(&requests).chunk_size(CHUNK).send();
            let t = started.elapsed().as_secs_f64();
            if report.landed() != n {
                crate::die(&format!("bulk write: {report:?}"));
            }
            (t, 0)
        });
        write_row(ms, &label, n, t, base);
    }
}

fn write_row(ms: u64, label: &str, n: usize, t: f64, base: Option<f64>) {
    let ratio = base.map_or("-".to_string(), |b| format!("{:.2}x", b / t));
    println!(
        "| {ms} ms | {label} | {t:.3} s | {:.0} | {ratio} |",
        n as f64 / t
    );
}

fn events(s: &Settings) {
    let changes = if s.quick { 5 } else { 20 };
    println!(
        "\n| round trip | poll interval | median latency, change to handler ({changes} changes) |"
    );
    println!("|---:|---:|---:|");
    for ms in [0u64, 150] {
        let d = crate::events::latency(
            Duration::from_millis(100),
            changes,
            Duration::from_millis(ms),
        );
        println!("| {ms} ms | 100 ms | {} ms |", d.as_millis());
    }
}
