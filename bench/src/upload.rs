//! Benchmark 5, `upload`: the client's peak memory while it uploads files of two sizes to the
//! local server (a process of its own, so the figure is the client's alone), direct route and
//! cloud-storage route (parts of 20 MB). Streamed from disk, the peak must not grow with the file.

use crate::find::{peak_kib, start_server};
use crate::Settings;
use serde_json::json;
use sg_runtime::{Client, Credentials, UploadOptions};
use std::time::Instant;

/// Runs in a process of its own: `upload-worker URL PATH` prints `seconds peak_kib`.
pub fn worker(args: &[String]) {
    let (url, path) = (
        args.first().map(String::as_str).unwrap_or(""),
        args.get(1).map(String::as_str).unwrap_or(""),
    );
    let client = Client::builder(url)
        .credentials(Credentials::script(
            sg_localsite::SCRIPT_NAME,
            sg_localsite::SCRIPT_KEY,
        ))
        .build()
        .unwrap_or_else(|e| crate::die(&e.to_string()));
    let options = UploadOptions {
        field_name: Some("sg_uploaded_movie".into()),
        ..UploadOptions::default()
    };
    let start = Instant::now();
    client
        .upload("Version", 1, path, &options)
        .unwrap_or_else(|e| crate::die(&e.to_string()));
    println!("{:.3} {}", start.elapsed().as_secs_f64(), peak_kib());
}

fn run_worker(url: &str, path: &std::path::Path) -> (f64, u64) {
    let parts = crate::run_worker(&["upload-worker", url, &path.to_string_lossy()], 2);
    (
        parts[0].parse().unwrap_or(0.0),
        parts[1].parse().unwrap_or(0),
    )
}

/// Runs the upload benchmark and prints its table.
pub fn run(s: &Settings) {
    let scratch = s.root.join("target/sg-bench/upload");
    std::fs::create_dir_all(&scratch).expect("target is writable");
    let seed = scratch.join("seed.json");
    std::fs::write(
        &seed,
        json!({"Version": [{"id": 1, "code": "v001"}]}).to_string(),
    )
    .expect("scratch is writable");
    println!(
        "\n## 5. upload: peak RSS of the client process (median of {} runs)\n",
        s.runs
    );
    println!("| route | file | time | MB/s | peak RSS | peak vs smallest |");
    println!("|---|---:|---:|---:|---:|---:|");
    // The direct route is one form, under the server's 64 MiB body limit; the cloud route
    // sends parts of 20 MB.
    let (direct, cloud): (Vec<u64>, Vec<u64>) = if s.quick {
        (vec![1_000_000, 30_000_000], vec![1_000_000, 30_000_000])
    } else {
        (vec![5_000_000, 60_000_000], vec![10_000_000, 300_000_000])
    };
    for (route, extra, sizes) in [
        ("direct", &["--insecure"][..], direct),
        (
            "cloud storage",
            &["--insecure", "--cloud-uploads"][..],
            cloud,
        ),
    ] {
        let server = start_server(s, &seed, extra);
        let mut base = 0u64;
        for &size in &sizes {
            let path = scratch.join(format!("upload-{size}.mov"));
            if std::fs::metadata(&path).map(|m| m.len()).ok() != Some(size) {
                let f = std::fs::File::create(&path).expect("scratch is writable");
                f.set_len(size).expect("scratch is writable");
            }
            let mut runs: Vec<(f64, u64)> = (0..s.runs.max(1))
                .map(|_| run_worker(&server.url, &path))
                .collect();
            runs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let (t, _) = runs[runs.len() / 2];
            let mut peaks: Vec<u64> = runs.iter().map(|r| r.1).collect();
            peaks.sort();
            let peak = peaks[peaks.len() / 2];
            if base == 0 {
                base = peak;
            }
            println!(
                "| {route} | {:.0} MB | {t:.3} s | {:.0} | {:.1} MiB | {:.2} |",
                size as f64 / 1e6,
                size as f64 / 1e6 / t,
                peak as f64 / 1024.0,
                peak as f64 / base as f64
            );
        }
    }
}
