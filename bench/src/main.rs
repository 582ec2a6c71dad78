//! `sg-bench`: the project's speed and memory claims as numbers anyone can rerun.
//!
//! ```text
//! cargo run --release -p sg-bench -- [codegen|compile|find|decode|upload|storm|events|round-trip|webhooks|query-fields|nodes|all] [--quick] [--runs N]
//! ```
//!
//! Every figure is a median over `--runs` runs (default 5; `--quick` runs once on small inputs,
//! for CI). Ratios are printed beside the figures. See BENCHMARKS.md.

mod codegen;
mod compile;
mod decode;
mod events;
mod find;
mod nodes;
mod query_fields;
mod round_trip;
mod storm;
mod synthetic;
mod upload;
mod webhooks;

use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The demo schema's bindings, for the typed-decode benchmark.
#[allow(missing_docs)]
pub mod demo {
    include!(concat!(env!("OUT_DIR"), "/sg_bindings.rs"));
}

/// What a run was asked to do.
pub struct Settings {
    /// Runs per figure.
    pub runs: usize,
    /// Small inputs, one run.
    pub quick: bool,
    /// The workspace root.
    pub root: PathBuf,
}

impl Settings {
    /// The real-site schema folders, when `SG_SHARED_SCHEMAS` names them.
    pub fn shared(&self) -> Vec<(String, PathBuf)> {
        match std::env::var_os("SG_SHARED_SCHEMAS") {
            Some(dir) => ["python-api", "tk-core"]
                .iter()
                .map(|n| (n.to_string(), PathBuf::from(&dir).join(n)))
                .filter(|(_, p)| p.is_dir())
                .collect(),
            None => {
                eprintln!("note: SG_SHARED_SCHEMAS is unset: the real-site schemas are skipped");
                Vec::new()
            }
        }
    }
}

/// The median of `runs` timings of `f`.
pub fn median<T>(runs: usize, f: impl FnMut() -> T) -> (Duration, T) {
    median_after(runs, || {}, f)
}

/// The median of `runs` timings of `f`, each after an untimed `setup`.
pub fn median_after<T>(
    runs: usize,
    mut setup: impl FnMut(),
    mut f: impl FnMut() -> T,
) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        setup();
        let t = Instant::now();
        let out = f();
        times.push(t.elapsed());
        last = Some(out);
    }
    times.sort();
    (times[times.len() / 2], last.expect("at least one run"))
}

/// Seconds with 3 decimals.
pub fn secs(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let mut what = "all".to_string();
    let mut runs = 5;
    let mut quick = false;
    let mut rest = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or_else(|| die("--runs takes a number"))
            }
            "codegen" | "compile" | "find" | "decode" | "storm" | "upload" | "events"
            | "round-trip" | "webhooks" | "query-fields" | "nodes" | "all" => what = a,
            "find-worker" | "upload-worker" | "events-worker" | "decode-worker" | "node-worker" => {
                rest.push(a);
                rest.extend(args.by_ref());
            }
            "-h" | "--help" => {
                println!(
                    "usage: sg-bench [codegen|compile|find|decode|upload|storm|events|round-trip|webhooks|query-fields|nodes|all] [--quick] [--runs N]"
                );
                return;
            }
            other => die(&format!("unknown argument `{other}` (see --help)")),
        }
    }
    match rest.first().map(String::as_str) {
        Some("find-worker") => return find::worker(&rest[1..]),
        Some("upload-worker") => return upload::worker(&rest[1..]),
        Some("events-worker") => return events::worker(&rest[1..]),
        Some("decode-worker") => return decode::worker(&rest[1..]),
        Some("node-worker") => return nodes::worker(&rest[1..]),
        _ => {}
    }
    if quick {
        runs = 1;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let s = Settings {
        runs,
        quick,
        root: root.canonicalize().unwrap_or(root),
    };
    println!(
        "sg-bench: {} run(s) per figure{}",
        s.runs,
        if quick { ", quick inputs" } else { "" }
    );
    if what == "codegen" || what == "all" {
        codegen::run(&s);
    }
    if what == "compile" || what == "all" {
        compile::run(&s);
    }
    if what == "find" || what == "all" {
        find::run(&s);
    }
    if what == "decode" || what == "all" {
        decode::run(&s);
    }
    if what == "upload" || what == "all" {
        upload::run(&s);
    }
    if what == "storm" || what == "all" {
        storm::run(&s);
    }
    if what == "events" || what == "all" {
        events::run(&s);
    }
    if what == "round-trip" || what == "all" {
        round_trip::run(&s);
    }
    if what == "webhooks" || what == "all" {
        webhooks::run(&s);
        webhooks::run_edges(&s);
    }
    if what == "query-fields" || what == "all" {
        query_fields::run(&s);
    }
    if what == "nodes" || what == "all" {
        nodes::run(&s);
    }
}

/// The workspace binary `name` of the same profile as this one, built with `build_args`.
pub fn sibling_binary(s: &Settings, name: &str, build_args: &[&str]) -> PathBuf {
    let exe = std::env::current_exe().expect("the bench knows where it is");
    let dir = exe.parent().expect("in a target folder");
    let bin = dir.join(name);
    // Built every time (a no-op when up to date), so a stale binary is never measured.
    {
        let mut c = std::process::Command::new(env!("CARGO"));
        c.args(["build", "-q"])
            .args(build_args)
            .args(["--bin", name])
            .current_dir(&s.root);
        if dir.ends_with("release") {
            c.arg("--release");
        }
        if !c.status().map(|st| st.success()).unwrap_or(false) || !bin.exists() {
            die(&format!("could not build {name}"));
        }
    }
    bin
}

/// Runs this binary as a worker with `args` and returns the words it printed; dies when the
/// worker fails or prints fewer than `words`.
pub fn run_worker(args: &[&str], words: usize) -> Vec<String> {
    let out =
        std::process::Command::new(std::env::current_exe().expect("the bench knows where it is"))
            .args(args)
            .output()
            .expect("the worker runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if !out.status.success() || parts.len() < words {
        die(&format!(
            "worker {args:?} failed: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    parts
}

/// Runs a worker that prints `count seconds peak_kib ...`: returns the seconds and the peak
/// (KiB), or dies unless it counted `expected`.
pub fn timed_worker(args: &[&str], expected: usize) -> (f64, u64) {
    let parts = run_worker(args, 3);
    if parts[0].parse::<usize>().ok() != Some(expected) {
        die(&format!(
            "worker {args:?} counted {} of {expected}",
            parts[0]
        ));
    }
    (
        parts[1].parse().unwrap_or(0.0),
        parts[2].parse().unwrap_or(0),
    )
}

/// Prints `msg` and exits 2.
pub fn die(msg: &str) -> ! {
    eprintln!("sg-bench: {msg}");
    for id in find::SERVERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
    {
        let _ = std::process::Command::new("kill")
            .arg(id.to_string())
            .status();
    }
    std::process::exit(2)
}
