//! Benchmark 3, `find`: records per second and peak memory, untyped `serde_json::Value` against typed
//! decode into the generated struct, streaming page by page against collecting; and the same
//! decode without the server (pre-recorded pages in memory), to show where the time goes.
//!
//! The server runs in a process of its own (`sg-localsite`), and each measurement in a worker
//! process of its own, so that each peak resident size (VmHWM) is the client's alone.

use crate::decode::ShotRow;
use crate::demo::{Shot, ShotField};
use crate::Settings;
use serde_json::{json, Value};
use sg_runtime::__private::decode_read_direct;
use sg_runtime::typed::Find;
use sg_runtime::{Client, Credentials, Query};
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const PAGE: usize = 500;
const STATUSES: [&str; 5] = ["wtg", "rdy", "ip", "rev", "fin"];

/// A record of the wide demo entity, Shot: every writable field of 30+ set, links included.
pub(crate) fn shot(i: usize) -> Value {
    json!({
        "code": format!("bulk_{i:06}"),
        "description": format!("Shot {i}: a wide record for the benchmark, with a sentence or two of text."),
        "project": {"type": "Project", "id": 1},
        "sg_sequence": {"type": "Sequence", "id": 1 + (i % 20) as i64},
        "assets": [{"type": "Asset", "id": 1 + (i % 7) as i64}, {"type": "Asset", "id": 8 + (i % 5) as i64}],
        "sg_status_list": STATUSES[i % 5],
        "sg_cut_in": 1001, "sg_cut_out": 1001 + (i % 200) as i64, "sg_cut_duration": (i % 200) as i64,
        "sg_cut_order": i as i64, "head_duration": 8, "sg_timecode_in": 3_600_000 + i as i64,
        "sg_footage": "12-08", "sg_shot_type": "Plate", "sg_completion": (i % 100) as i64,
        "sg_frame_rate": 24.0, "sg_bid_cost": 1250.5, "sg_first_delivery": "2026-12-01",
        "sg_approved_at": "2026-11-20T10:00:00Z", "sg_is_hero": i % 10 == 0,
        "sg_plate": {"url": format!("https://plates.example.com/{i}.mov"), "name": "plate", "link_type": "web"},
        "sg_metadata": {"conform": {"reel": format!("A{:03}", i % 300), "clip": i}},
        "tags": ["bench", "wide"], "sg_disk_location": null,
        "image": format!("https://thumbs.example.com/{i}.jpg"),
        "cached_display_name": format!("bulk_{i:06}"),
    })
}

pub(crate) fn seed_file(dir: &Path, n: usize) -> std::path::PathBuf {
    let path = dir.join(format!("seed-{n}.json"));
    if !path.exists() {
        let seqs: Vec<Value> = (1..=20).map(|i| json!({"id": i, "code": format!("SEQ{i:03}"), "project": {"type": "Project", "id": 1}})).collect();
        let assets: Vec<Value> = (1..=12).map(|i| json!({"id": i, "code": format!("asset_{i}"), "project": {"type": "Project", "id": 1}})).collect();
        let shots: Vec<Value> = (0..n).map(shot).collect();
        let seed = json!({"Project": [{"id": 1, "name": "Bench"}], "Sequence": seqs, "Asset": assets, "Shot": shots});
        std::fs::write(&path, seed.to_string()).expect("scratch is writable");
    }
    path
}

pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

/// The local servers running, by process id: [`crate::die`] stops them, since it exits without
/// running destructors (a server left behind would hold the bench's output open).
pub(crate) static SERVERS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let id = self.child.id();
        SERVERS
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|s| *s != id);
    }
}

pub(crate) fn start_server(s: &Settings, seed: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(crate::sibling_binary(
        s,
        "sg-localsite",
        &["-p", "sg-localsite"],
    ))
    .args(["--port", "0", "--seed"])
    .arg(seed)
    .args(extra)
    .stdout(Stdio::piped())
    .spawn()
    .expect("the local server starts");
    SERVERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(child.id());
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("it says where it serves");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| crate::die(&format!("unexpected server banner: {line}")))
        .to_string();
    Server { child, url }
}

/// Peak resident set size of this process, in KiB (Linux).
pub(crate) fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs in a process of its own: `find-worker MODE URL N` or `find-worker MODE - N` (offline).
pub fn worker(args: &[String]) {
    let mode = args.first().map(String::as_str).unwrap_or("");
    let url = args.get(1).map(String::as_str).unwrap_or("-");
    let n: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    let fields: Vec<&str> = ShotField::ALL.iter().map(|f| f.wire_name()).collect();
    let start = Instant::now();
    let mut count = 0usize;
    let mut checksum = 0i64;
    if url == "-" {
        // Pre-recorded pages: the answers as the server sends them, decoded from memory.
        let pages: Vec<String> = (0..n.div_ceil(PAGE))
            .map(|p| {
                let ents: Vec<Value> = (p * PAGE..((p + 1) * PAGE).min(n))
                    .map(|i| {
                        let mut r = shot(i);
                        r["type"] = json!("Shot");
                        r["id"] = json!(i + 1);
                        r
                    })
                    .collect();
                json!({"results": {"entities": ents, "paging_info": {"has_next_page": (p + 1) * PAGE < n}}}).to_string()
            })
            .collect();
        let t = Instant::now();
        for page in &pages {
            if mode == "typed-offline" {
                // As a typed read decodes an answer: straight from its bytes.
                for shot in decode_read_direct::<Shot>(page.as_bytes()).expect("decodes") {
                    count += 1;
                    checksum += shot.id.get();
                }
                continue;
            }
            let mut v: Value = serde_json::from_str(page).expect("a page parses");
            let Value::Array(ents) = v["results"]["entities"].take() else {
                crate::die("no entities")
            };
            for r in ents {
                count += 1;
                checksum += r["id"].as_i64().unwrap_or(0);
            }
        }
        println!(
            "{} {} {} {}",
            count,
            t.elapsed().as_secs_f64(),
            peak_kib(),
            checksum
        );
        return;
    }
    // `typed-seq`: page after page, as the official client reads; `typed-stream` takes the
    // client's limit of requests at once as a fourth argument (section 8).
    let concurrent = match mode {
        "typed-seq" => 1,
        _ => args
            .get(3)
            .and_then(|n| n.parse().ok())
            .unwrap_or(sg_runtime::DEFAULT_MAX_CONCURRENT_REQUESTS),
    };
    let client = Client::builder(url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .max_concurrent_requests(concurrent)
        .build()
        .expect("a client");
    let q = Query::new("Shot")
        .fields(fields.iter().copied())
        .page_size(PAGE);
    match mode {
        "untyped-stream" => {
            for r in client.find(&q).expect("find") {
                checksum += r.expect("a record")["id"].as_i64().unwrap_or(0);
                count += 1;
            }
        }
        "typed-stream" | "typed-seq" => {
            for shot in Find::<Shot>::new()
                .page_size(PAGE)
                .iter(&client)
                .expect("find")
            {
                checksum += shot.expect("a record").id.get();
                count += 1;
            }
        }
        "typed-by-id" => {
            for shot in Find::<Shot>::new()
                .page_size(PAGE)
                .by_id()
                .iter(&client)
                .expect("find")
            {
                checksum += shot.expect("a record").id.get();
                count += 1;
            }
        }
        "projection-stream" => {
            for row in Find::<ShotRow>::new()
                .page_size(PAGE)
                .iter(&client)
                .expect("find")
            {
                checksum += row.expect("a record").id.get();
                count += 1;
            }
        }
        "untyped-collect" => {
            let all = client.find_all(&q).expect("find");
            count = all.len();
            checksum = all.iter().map(|r| r["id"].as_i64().unwrap_or(0)).sum();
        }
        "typed-collect" => {
            let all: Vec<Shot> = Find::<Shot>::new()
                .page_size(PAGE)
                .all(&client)
                .expect("find");
            count = all.len();
            checksum = all.iter().map(|s| s.id.get()).sum();
        }
        other => crate::die(&format!("unknown worker mode {other}")),
    }
    println!(
        "{} {} {} {}",
        count,
        start.elapsed().as_secs_f64(),
        peak_kib(),
        checksum
    );
}

pub(crate) fn run_worker(mode: &str, url: &str, n: usize) -> (f64, u64) {
    crate::timed_worker(&["find-worker", mode, url, &n.to_string()], n)
}

/// Runs the find benchmark and prints its table.
pub fn run(s: &Settings) {
    let scratch = s.root.join("target/sg-bench/find");
    std::fs::create_dir_all(&scratch).expect("target is writable");
    let sizes: Vec<usize> = if s.quick {
        vec![2_000]
    } else {
        vec![10_000, 100_000]
    };
    let fields = ShotField::ALL.len();
    println!("\n## 3. find: Shot, {fields} fields, pages of {PAGE} (median of {} runs; peak RSS of the client process)\n", s.runs);
    println!("| records | mode | time | records/s | peak RSS | time vs untyped |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &n in &sizes {
        let seed = seed_file(&scratch, n);
        let server = start_server(s, &seed, &[]);
        let mut base = 0.0;
        for (mode, label) in [
            ("untyped-stream", "untyped Value, lazy iterator"),
            ("typed-stream", "typed Shot, lazy iterator"),
            ("untyped-collect", "untyped Value, collect all"),
            ("typed-collect", "typed Shot, collect all"),
            (
                "projection-stream",
                "projection ShotRow (7 fields asked), lazy iterator",
            ),
            (
                "untyped-offline",
                "untyped Value, pages from memory (no server)",
            ),
            ("typed-offline", "typed Shot, pages from memory (no server)"),
        ] {
            let url = if mode.ends_with("offline") {
                "-"
            } else {
                server.url.as_str()
            };
            let mut times = Vec::new();
            let mut peaks = Vec::new();
            for _ in 0..s.runs.max(1) {
                let (t, kib) = run_worker(mode, url, n);
                times.push(t);
                peaks.push(kib);
            }
            times.sort_by(f64::total_cmp);
            peaks.sort();
            let t = times[times.len() / 2];
            let peak = peaks[peaks.len() / 2];
            if mode.starts_with("untyped") {
                base = t;
            }
            println!(
                "| {n} | {label} | {t:.3} s | {:.0} | {:.1} MiB | {:.2} |",
                n as f64 / t,
                peak as f64 / 1024.0,
                t / base
            );
        }
    }
}
