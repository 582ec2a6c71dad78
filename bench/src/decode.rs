//! Benchmark 7, `decode`: one page of a real-shaped `read` answer (500 wide `Shot` records of
//! the demo schema: links with names, dates, date-times, a url field, tags, multi-entity links),
//! decoded only, every way in the same run: a plain `#[derive(Deserialize)]` struct with the
//! same fields (the baseline), the official Python client (when present), the untyped
//! `serde_json::Value`, the generated `Shot` straight from the bytes, the generated `Shot`
//! through a `Value` tree (the fallback path), and a projection. Records/s, MB/s, and the memory
//! one page's decode takes at its peak, the decoded page included: for Rust, the growth of the
//! peak resident size of a worker process that decodes one page (its peak reset first); for
//! Python, tracemalloc's peak.

use crate::demo::{markers, Shot};
use crate::Settings;
use serde::Deserialize;
use serde_json::{json, Value};
use sg_runtime::__private::decode_read_direct;
use sg_runtime::typed::{Entity, Id, Link};
use std::time::Instant;

const PAGE: usize = 500;

/// The page's JSON text, as the local server sends it.
fn page() -> String {
    let names = |v: &mut Value, prefix: &str| {
        if let Some(id) = v.get("id").and_then(Value::as_i64) {
            v["name"] = json!(format!("{prefix}{id:03}"));
        }
    };
    let records: Vec<Value> = (0..PAGE)
        .map(|i| {
            let mut r = crate::find::shot(i);
            r["type"] = json!("Shot");
            r["id"] = json!(i + 1);
            names(&mut r["project"], "Bench");
            names(&mut r["sg_sequence"], "SEQ");
            for a in r["assets"].as_array_mut().into_iter().flatten() {
                names(a, "asset_");
            }
            r["created_at"] = json!("2026-11-01T09:30:00Z");
            r["updated_at"] = json!("2026-11-27T18:02:11Z");
            r["created_by"] = json!({"type": "HumanUser", "id": 7, "name": "Ada Artist"});
            r["updated_by"] = r["created_by"].clone();
            r["tasks"] = json!([{"type": "Task", "id": 10 * i + 1, "name": "comp"}, {"type": "Task", "id": 10 * i + 2, "name": "light"}]);
            r
        })
        .collect();
    json!({"results": {"entities": records, "paging_info": {"has_next_page": true}}}).to_string()
}

/// The baseline: the same fields as plain serde types, derived.
#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineLink {
    #[serde(rename = "type")]
    entity_type: String,
    id: i64,
    name: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct BaselineShot {
    id: i64,
    #[serde(default)]
    assets: Vec<BaselineLink>,
    cached_display_name: Option<String>,
    code: Option<String>,
    created_at: Option<chrono::DateTime<chrono::Utc>>,
    created_by: Option<BaselineLink>,
    description: Option<String>,
    head_duration: Option<i64>,
    image: Option<String>,
    project: Option<BaselineLink>,
    sg_approved_at: Option<chrono::DateTime<chrono::Utc>>,
    sg_bid_cost: Option<f64>,
    sg_completion: Option<i64>,
    sg_cut_duration: Option<i64>,
    sg_cut_in: Option<i64>,
    sg_cut_order: Option<i64>,
    sg_cut_out: Option<i64>,
    sg_disk_location: Option<BaselineLink>,
    sg_first_delivery: Option<chrono::NaiveDate>,
    sg_footage: Option<String>,
    sg_frame_rate: Option<f64>,
    sg_is_hero: Option<bool>,
    sg_metadata: Option<Value>,
    sg_plate: Option<sg_runtime::FileLink>,
    sg_sequence: Option<BaselineLink>,
    sg_shot_type: Option<String>,
    sg_status_list: Option<String>,
    sg_timecode_in: Option<i64>,
    tags: Option<Vec<String>>,
    #[serde(default)]
    tasks: Vec<BaselineLink>,
    updated_at: Option<chrono::DateTime<chrono::Utc>>,
    updated_by: Option<BaselineLink>,
}

#[derive(Deserialize)]
struct BaselineResults {
    entities: Vec<BaselineShot>,
}

#[derive(Deserialize)]
struct BaselineAnswer {
    results: BaselineResults,
}

/// A projection: what a shot list in a review tool reads.
#[derive(sg_derive::Select)]
#[sg(entity = Shot)]
#[allow(dead_code)]
pub(crate) struct ShotRow {
    pub(crate) id: Id<markers::Shot>,
    code: Option<String>,
    sg_status_list: Option<crate::demo::ShotSgStatusList>,
    sg_cut_in: Option<i64>,
    sg_cut_out: Option<i64>,
    sg_sequence: Option<Link<markers::Sequence>>,
    assets: Vec<Link<markers::Asset>>,
}

/// The page as text: every decoder here (as `sg-runtime` does) checks the bytes as UTF-8 once,
/// which serde_json otherwise does string by string.
fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("the page is UTF-8")
}

/// The decoders, by name: each returns the number of records decoded and keeps them until
/// `keep` has seen them.
fn decode_with(mode: &str, bytes: &[u8], keep: &mut dyn FnMut()) -> usize {
    match mode {
        "baseline" => {
            let a: BaselineAnswer =
                serde_json::from_str(text(bytes)).expect("the baseline decodes");
            keep();
            a.results.entities.len()
        }
        "untyped" => {
            let mut v: Value = serde_json::from_str(text(bytes)).expect("JSON");
            let records = v["results"]["entities"].as_array_mut().expect("entities");
            for r in records.iter_mut() {
                sg_runtime::records::parse_record(r.as_object_mut().expect("a record"));
            }
            keep();
            records.len()
        }
        "typed" => {
            let shots = decode_read_direct::<Shot>(bytes).expect("decodes straight from the bytes");
            keep();
            shots.len()
        }
        "typed-via-value" => {
            let mut v: Value = serde_json::from_str(text(bytes)).expect("JSON");
            let Value::Array(records) = v["results"]["entities"].take() else {
                crate::die("no entities")
            };
            let shots: Vec<Shot> = records
                .into_iter()
                .map(|r| {
                    let Value::Object(mut m) = r else {
                        crate::die("a record")
                    };
                    sg_runtime::records::parse_record(&mut m);
                    Shot::from_map(m).expect("decodes")
                })
                .collect();
            keep();
            shots.len()
        }
        "projection" => {
            let rows =
                decode_read_direct::<ShotRow>(bytes).expect("decodes straight from the bytes");
            keep();
            rows.len()
        }
        other => crate::die(&format!("unknown decoder {other}")),
    }
}

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// Runs in a process of its own: `decode-worker MODE PAGE.json [N]`: decodes the page once and
/// prints how far its peak resident size rose above the resident size before (KiB).
pub fn worker(args: &[String]) {
    let mode = args.first().map(String::as_str).unwrap_or("");
    let bytes = std::fs::read(args.get(1).map(String::as_str).unwrap_or("")).expect("the page");
    let before = status_kib("VmRSS:");
    // Resets the peak to the current size (Linux 4.0 and later).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let mut peak = 0;
    let n = decode_with(mode, &bytes, &mut || peak = status_kib("VmHWM:"));
    // More decodes when asked (`decode-worker MODE PAGE N`): for a profiler.
    let more: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(0);
    for _ in 0..more {
        std::hint::black_box(decode_with(mode, &bytes, &mut || {}));
    }
    println!("{n} {}", peak.saturating_sub(before));
}

/// Seconds per page (median over runs of `iters` decodes) and the memory of one page's decode,
/// measured in a worker process.
fn measure(
    s: &Settings,
    mode: &str,
    page_file: &std::path::Path,
    bytes: &[u8],
    iters: usize,
) -> (f64, u64) {
    let page = page_file.to_string_lossy();
    let parts = crate::run_worker(&["decode-worker", mode, &page], 2);
    if parts[0].parse().ok() != Some(PAGE) {
        crate::die(&format!(
            "decode worker {mode} counted {} of {PAGE}",
            parts[0]
        ));
    }
    let kib: u64 = parts.get(1).and_then(|k| k.parse().ok()).unwrap_or(0);
    let mut times: Vec<f64> = (0..s.runs.max(1))
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                std::hint::black_box(decode_with(mode, bytes, &mut || {}));
            }
            t.elapsed().as_secs_f64() / iters as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], kib * 1024)
}

/// The official client's decode of the page, when python3 and shotgun_api3 are here.
fn python_peer(s: &Settings, path: &std::path::Path, iters: usize) -> Option<(f64, u64)> {
    let script = s.root.join("bench/python/decode_peer.py");
    let out = std::process::Command::new("python3")
        .arg(&script)
        .arg(path)
        .arg((iters * s.runs.max(1)).max(3).to_string())
        .output();
    let out = match out {
        Ok(o) if o.status.success() => o,
        Ok(o) => {
            println!(
                "(the official Python client was skipped: {})",
                String::from_utf8_lossy(&o.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
            return None;
        }
        Err(_) => {
            println!("(the official Python client was skipped: no python3)");
            return None;
        }
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<&str> = text.split_whitespace().collect();
    match (
        parts.first()?.parse::<usize>().ok()?,
        parts.get(1)?.parse().ok()?,
    ) {
        (PAGE, t) => Some((t, parts.get(2)?.parse().ok()?)),
        _ => None,
    }
}

/// Runs the decode benchmark and prints its table.
pub fn run(s: &Settings) {
    let text = page();
    let bytes = text.as_bytes();
    let mb = bytes.len() as f64 / 1e6;
    let iters = if s.quick { 2 } else { 40 };
    println!(
        "\n## 7. decode: one read answer of {PAGE} Shot records ({:.0} KB), decode only (median of {} runs of {iters} pages; memory: peak growth while one page decodes)\n",
        bytes.len() as f64 / 1e3,
        s.runs
    );
    println!("| decoder | records/s | MB/s | memory per page | throughput vs baseline |");
    println!("|---|---:|---:|---:|---:|");
    let page_file = s.root.join("target/sg-bench/decode-page.json");
    std::fs::create_dir_all(page_file.parent().expect("a folder")).expect("target is writable");
    std::fs::write(&page_file, &text).expect("target is writable");
    // One untyped decode first, untimed, so that every decoder is timed in a heap that has
    // held a page's tree: in a fresh one the first decoder timed ran slower on every page (the
    // baseline timed first read 170k records/s, timed again last in the same run 240k; a
    // warm-up of its own did not change it).
    std::hint::black_box(decode_with("untyped", bytes, &mut || {}));
    let mut rows: Vec<(&str, f64, u64)> = Vec::new();
    for (mode, label) in [
        ("baseline", "serde derive, same fields (baseline)"),
        (
            "python",
            "official Python client (json + _transform_inbound + _parse_records)",
        ),
        (
            "untyped",
            "untyped serde_json::Value (record rules applied)",
        ),
        ("typed", "typed Shot, straight from the bytes"),
        (
            "typed-via-value",
            "typed Shot through a Value tree (the fallback path)",
        ),
        (
            "projection",
            "projection ShotRow (7 of 36 fields), straight from the bytes",
        ),
    ] {
        if mode == "python" {
            if let Some((t, peak)) = python_peer(s, &page_file, iters) {
                rows.push((label, t, peak));
            }
            continue;
        }
        let (t, peak) = measure(s, mode, &page_file, bytes, iters);
        rows.push((label, t, peak));
    }
    let base = rows[0].1;
    for (label, t, peak) in &rows {
        println!(
            "| {label} | {:.0} | {:.0} | {:.2} MiB | {:.2} |",
            PAGE as f64 / t,
            mb / t,
            *peak as f64 / (1024.0 * 1024.0),
            base / t
        );
    }
    let time_of = |label: &str| rows.iter().find(|r| r.0.starts_with(label)).map(|r| r.1);
    if let (Some(typed), Some(py)) = (time_of("typed Shot, straight"), time_of("official")) {
        println!(
            "\ntyped Shot straight from the bytes: {:.1}x the official Python client",
            py / typed
        );
    }
}
