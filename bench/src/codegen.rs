//! Benchmark 1, codegen: the CLI from snapshot to written files, and the library call alone.

use crate::{median, median_after, secs, synthetic, Settings};
use sg_codegen::{generate, write_files, Options};
use sg_runtime::schema::Schema;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The schemas to measure: name, schema, a path the CLI can read.
fn inputs(s: &Settings, scratch: &Path) -> Vec<(String, Schema, PathBuf)> {
    let mut v = Vec::new();
    let demo_path = s.root.join("sg-api3/schemas/demo.json");
    v.push(("demo".to_string(), Schema::demo(), demo_path));
    let mut largest = Schema::demo();
    for (name, dir) in s.shared() {
        let schema = Schema::load(&dir).expect("a real-site schema loads");
        if schema.field_count() > largest.field_count() {
            largest = schema.clone();
        }
        v.push((name, schema, dir));
    }
    let factors: &[usize] = if s.quick { &[3] } else { &[2, 10, 30] };
    for &n in factors {
        let big = synthetic::scale(&largest, n);
        let path = scratch.join(format!("synthetic-x{n}.json"));
        std::fs::write(&path, big.to_snapshot_string()).expect("scratch is writable");
        v.push((format!("synthetic x{n}"), big, path));
    }
    v
}

/// Runs the codegen benchmark and prints its table.
pub fn run(s: &Settings) {
    let scratch = s.root.join("target/sg-bench/codegen");
    std::fs::create_dir_all(&scratch).expect("target is writable");
    let bin = crate::sibling_binary(s, "sg-codegen", &["-p", "sg-codegen", "--features", "cli"]);
    println!("\n## 1. Codegen (median of {} runs)\n", s.runs);
    println!("| schema | entities | fields | library: generate | per field | library: generate + write | CLI: snapshot to files | per field |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut per_field = Vec::new();
    for (name, schema, path) in inputs(s, &scratch) {
        let options = Options::default();
        let fields = schema.field_count();
        let (gen, g) = median(s.runs, || generate(&schema, &options).expect("generates"));
        let out = scratch.join(format!("out-{}", name.replace(' ', "-")));
        // The folders are emptied before each run, untimed: the figures are of writing
        // every file anew.
        let (gen_write, _) = median_after(
            s.runs,
            || {
                let _ = std::fs::remove_dir_all(&out);
            },
            || {
                let g = generate(&schema, &options).expect("generates");
                write_files(&out, &g.files, true).expect("writes")
            },
        );
        let cli_out = scratch.join(format!("cli-{}", name.replace(' ', "-")));
        let (cli, _) = median_after(
            s.runs,
            || {
                let _ = std::fs::remove_dir_all(&cli_out);
            },
            || {
                let st = Command::new(&bin)
                    .arg("--snapshot")
                    .arg(&path)
                    .arg("--out")
                    .arg(&cli_out)
                    .arg("--quiet")
                    .status()
                    .expect("runs");
                assert!(st.success(), "sg-codegen failed on {name}");
            },
        );
        let us = |d: std::time::Duration| d.as_secs_f64() * 1e6 / fields as f64;
        println!(
            "| {name} | {} | {fields} | {} | {:.1} µs | {} | {} | {:.1} µs |",
            g.entities,
            secs(gen),
            us(gen),
            secs(gen_write),
            secs(cli),
            us(cli)
        );
        per_field.push((name, us(gen)));
    }
    let base = per_field.iter().rfind(|(n, _)| !n.starts_with("synthetic"));
    if let (Some(first), Some(last)) = (base, per_field.last()) {
        println!(
            "\nLinearity: library time per field, {} / {}: {:.2} (1.00 is perfectly linear)",
            last.0,
            first.0,
            last.1 / first.1
        );
    }
}
