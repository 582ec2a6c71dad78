//! Benchmark 10, `query-fields`: every Shot read with three query fields (an open-notes count
//! through a multi-entity link, a sum of frames, the latest Version's code) at a cloud site's
//! round trip, by the per-record method (fpt-api: one request per record and field, 8 threads)
//! and by ours (`Query::with_query_fields`: one request per field and 500 records, or pages of
//! the records a field reads). Requests are counted by the local site; the values are checked
//! equal (fpt-api gives them as strings).

use crate::Settings;
use serde_json::{json, Value};
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials, Query};
use std::time::{Duration, Instant};

const FIELDS: [&str; 3] = ["open_notes_count", "sg_total_frames", "sg_latest_version"];

/// `shots` Shots, 0 to 4 Versions and 0 to 3 Notes each (fixed seed).
fn seed(shots: i64) -> Value {
    let mut state: u64 = 7;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let mut versions = Vec::new();
    let mut notes = Vec::new();
    let mut minute = 0;
    for i in 1..=shots {
        for v in 0..next(5) {
            minute += 1;
            versions.push(json!({"code": format!("sh{i:05}_v{v}"), "entity": {"type": "Shot", "id": i},
                "frame_count": 10 + next(90),
                "created_at": format!("2026-03-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, (minute / 60) % 24, minute % 60)}));
        }
        for _ in 0..next(4) {
            let status = ["opn", "ip", "clsd"][next(3) as usize];
            notes.push(
                json!({"subject": "note", "note_links": [{"type": "Shot", "id": i}],
                "sg_status_list": status}),
            );
        }
    }
    json!({
        "Shot": (1..=shots).map(|i| json!({"id": i, "code": format!("sh{i:05}")})).collect::<Vec<_>>(),
        "Version": versions,
        "Note": notes,
    })
}

fn has_fpt_api() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import fpt_api"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the query-field benchmark and prints its table.
pub fn run(s: &Settings) {
    let shots: i64 = if s.quick { 100 } else { 1_000 };
    let ms = 150;
    let runs = if s.quick { 1 } else { s.runs.min(3) };
    let server = LocalSite::builder(Schema::demo())
        .latency(Duration::from_millis(ms))
        .seed(seed(shots))
        .start()
        .expect("the local site starts");
    println!(
        "\n## 10. query fields: {shots} Shots with {} query fields at a {ms} ms round trip (median of {runs} runs)\n",
        FIELDS.len()
    );
    println!("| method | requests | time | vs per record |");
    println!("|---|---:|---:|---:|");
    let query = Query::new("Shot")
        .fields(["code"])
        .with_query_fields(FIELDS);
    let mut ours = Vec::new();
    let mut times = Vec::new();
    let mut requests = 0;
    for _ in 0..runs {
        // A fresh client each run: its first read also reads the schema, as a new program does.
        let client = Client::builder(server.url())
            .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
            .build()
            .expect("a client");
        let before = server.requests().len();
        let t = Instant::now();
        ours = client.find_all(&query).expect("our read");
        times.push(t.elapsed().as_secs_f64());
        requests = server.requests().len() - before;
    }
    times.sort_by(f64::total_cmp);
    let our_time = times[times.len() / 2];
    assert_eq!(ours.len(), shots as usize);

    let mut base = None;
    if has_fpt_api() {
        let out =
            std::env::temp_dir().join(format!("sg-bench-query-fields-{}.json", std::process::id()));
        let mut times = Vec::new();
        let mut their_requests = 0;
        for _ in 0..runs {
            let before = server.requests().len();
            let o = std::process::Command::new("python3")
                .arg(s.root.join("bench/python/query_fields_peer.py"))
                .args([
                    &server.url(),
                    SCRIPT_NAME,
                    SCRIPT_KEY,
                    &FIELDS.join(","),
                    &out.display().to_string(),
                ])
                .output()
                .expect("python3 runs");
            if !o.status.success() {
                crate::die(&format!(
                    "fpt-api failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ));
            }
            let words: Vec<String> = String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect();
            times.push(
                words
                    .get(1)
                    .and_then(|t| t.parse::<f64>().ok())
                    .unwrap_or(f64::NAN),
            );
            their_requests = server.requests().len() - before;
        }
        let theirs: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap_or_default())
                .unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        // fpt-api gives each value as a string ("" for none): ours, printed the same way, must match.
        let mut differ = 0;
        for r in &ours {
            for f in FIELDS {
                let mine = match &r[f] {
                    Value::Null => String::new(),
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if theirs[r["id"].to_string()][f] != json!(mine) {
                    differ += 1;
                }
            }
        }
        if differ > 0 {
            crate::die(&format!(
                "{differ} query-field values differ from fpt-api's"
            ));
        }
        times.sort_by(f64::total_cmp);
        let t = times[times.len() / 2];
        base = Some((t, their_requests));
        println!(
            "| per record: fpt-api (Python, 8 threads) | {their_requests} | {t:.3} s | 1.00x |"
        );
    } else {
        println!("| per record: fpt-api | (skipped: `pip install fpt-api`) | - | - |");
    }
    let ratio = |x: f64| base.map_or("-".to_string(), |(b, _)| format!("{:.1}x", b / x));
    println!(
        "| ours: `with_query_fields` | {requests} | {our_time:.3} s | {} |",
        ratio(our_time)
    );
    if let Some((_, r)) = base {
        println!(
            "\nrequests: {:.1}x fewer; every value equal to fpt-api's",
            r as f64 / requests.max(1) as f64
        );
    }
}
