//! Benchmark 2, compile cost of the bindings: against plain structs and serde-derived structs of
//! the same fields; with 5 entities enabled by per-entity features; and the incremental rebuild
//! of a user crate after a one-line edit, with the bindings in a dependency crate or inside it.

use crate::{median, secs, Settings};
use sg_codegen::model::{FieldKind, Kind, Model};
use sg_codegen::{generate, Layout, Options};
use sg_runtime::schema::Schema;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const FIVE: [&str; 5] = ["Shot", "Asset", "Sequence", "Task", "Version"];

fn rust_type(k: &Kind) -> &'static str {
    match k {
        Kind::List(_) => "String",
        Kind::Id => "i64",
        Kind::Entity(_) => "sg_runtime::EntityRef",
        Kind::MultiEntity(_) => "Vec<sg_runtime::EntityRef>",
        Kind::EventMeta => "sg_runtime::serde_json::Value",
        Kind::Query(q) if q.many => "Vec<sg_runtime::serde_json::Value>",
        Kind::Query(q) => rust_type(&q.value),
        Kind::Plain(plain) => match *plain {
            FieldKind::NUMBER | FieldKind::MEASURE => "i64",
            FieldKind::FLOAT => "f64",
            FieldKind::CHECKBOX => "bool",
            FieldKind::DATE => "sg_runtime::chrono::NaiveDate",
            FieldKind::DATE_TIME => "sg_runtime::chrono::DateTime<sg_runtime::chrono::Utc>",
            FieldKind::TAG_LIST => "Vec<String>",
            FieldKind::URL => "sg_runtime::FileLink",
            FieldKind::SERIALIZABLE | FieldKind::COMPUTED => "sg_runtime::serde_json::Value",
            _ => "String",
        },
    }
}

/// The same fields as plain structs, with or without serde derives.
fn baseline(model: &Model, serde: bool) -> String {
    let mut s = String::from("#![allow(missing_docs, dead_code, non_snake_case)]\n");
    for e in &model.entities {
        if serde {
            s.push_str("#[derive(serde::Serialize, serde::Deserialize)]\n");
        }
        let _ = writeln!(s, "pub struct {} {{\n    pub id: i64,", e.ident);
        for f in e.fields.iter().filter(|f| f.wire != "id") {
            let ident = sg_codegen::names::ident_text(&f.ident);
            if serde {
                let _ = writeln!(s, "    #[serde(rename = {:?}, default)]", f.wire);
            }
            let _ = writeln!(s, "    pub {ident}: Option<{}>,", rust_type(&f.kind));
        }
        s.push_str("}\n");
    }
    s
}

struct Crates {
    dir: PathBuf,
    target: PathBuf,
}

impl Crates {
    fn write(&self, name: &str, deps: &str, features: &str, files: &[(&str, String)]) -> PathBuf {
        let root = self.dir.join(name);
        std::fs::create_dir_all(root.join("src")).expect("scratch is writable");
        let runtime = self
            .dir
            .join("../../../sg-runtime")
            .canonicalize()
            .expect("sg-runtime exists");
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\nsg-runtime = {{ path = {:?} }}\n{deps}\n{features}\n[workspace]\n",
            runtime.display().to_string()
        );
        write_if_changed(&root.join("Cargo.toml"), &manifest);
        for (file, text) in files {
            write_if_changed(&root.join(file), text);
        }
        let lock = self.dir.join("../../../Cargo.lock");
        if !root.join("Cargo.lock").exists() {
            let _ = std::fs::copy(lock, root.join("Cargo.lock"));
        }
        root
    }

    fn cargo(&self, krate: &Path, verb: &str, extra: &[&str]) -> Duration {
        let t = std::time::Instant::now();
        let st = Command::new(env!("CARGO"))
            .arg(verb)
            .arg("-q")
            .args(extra)
            .current_dir(krate)
            .env("CARGO_TARGET_DIR", &self.target)
            .status()
            .expect("cargo runs");
        if !st.success() {
            crate::die(&format!("cargo {verb} failed in {}", krate.display()));
        }
        t.elapsed()
    }

    /// Median time to rebuild `krate` alone after touching `file` (dependencies already built).
    fn rebuild(
        &self,
        runs: usize,
        krate: &Path,
        file: &str,
        verb: &str,
        extra: &[&str],
    ) -> Duration {
        self.cargo(krate, verb, extra); // dependencies, once
        median(runs, || {
            touch(&krate.join(file));
            self.cargo(krate, verb, extra)
        })
        .0
    }
}

/// Files under `dir` and their total size.
fn dir_size(dir: &Path) -> (u64, u64) {
    let mut total = (0, 0);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            let (f, b) = dir_size(&path);
            total = (total.0 + f, total.1 + b);
        } else if let Ok(m) = entry.metadata() {
            total = (total.0 + 1, total.1 + m.len());
        }
    }
    total
}

fn write_if_changed(path: &Path, text: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).expect("scratch is writable");
    }
}

fn touch(path: &Path) {
    let text = std::fs::read(path).expect("the file exists");
    std::fs::write(path, text).expect("scratch is writable");
}

/// Runs the compile-cost benchmark and prints its tables.
pub fn run(s: &Settings) {
    let crates = Crates {
        dir: s.root.join("target/sg-bench/compile"),
        target: s.root.join("target/sg-bench/compile/target"),
    };
    let mut schemas = vec![("demo".to_string(), Schema::demo())];
    if !s.quick {
        for (name, dir) in s.shared() {
            schemas.push((name, Schema::load(&dir).expect("a real-site schema loads")));
        }
    }
    println!("\n## 2. Compile cost of the bindings (debug; crate alone, dependencies built; median of {} runs)\n", s.runs);
    println!("| schema | fields | ours: build | plain: build | serde: build | ours/plain | ours/serde | ours: check | plain: check | serde: check | 5 entities by feature: build |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, schema) in &schemas {
        let slug = name.replace('-', "_");
        let single = Options {
            layout: Layout::SingleFile,
            ..Options::default()
        };
        let ours_text = generate(schema, &single)
            .expect("generates")
            .files
            .remove(0)
            .text;
        let model = Model::build(schema, &Options::default()).expect("models");
        let ours = crates.write(
            &format!("ours_{slug}"),
            "",
            "",
            &[("src/lib.rs", ours_text.clone())],
        );
        let plain = crates.write(
            &format!("plain_{slug}"),
            "",
            "",
            &[("src/lib.rs", baseline(&model, false))],
        );
        let serde = crates.write(
            &format!("serde_{slug}"),
            "serde = { version = \"1\", features = [\"derive\"] }",
            "",
            &[("src/lib.rs", baseline(&model, true))],
        );
        let feat_opts = Options {
            layout: Layout::SingleFile,
            entity_features: true,
            ..Options::default()
        };
        let feat_text = generate(schema, &feat_opts)
            .expect("generates")
            .files
            .remove(0)
            .text;
        let table = sg_codegen::features_table(schema, &feat_opts).expect("features");
        let five: Vec<String> = model
            .entities
            .iter()
            .filter(|e| FIVE.contains(&e.wire.as_str()))
            .map(|e| e.module.clone())
            .collect();
        let featured = crates.write(
            &format!("features_{slug}"),
            "",
            &table,
            &[("src/lib.rs", feat_text)],
        );
        let five_arg = five.join(",");

        let r = s.runs;
        let ob = crates.rebuild(r, &ours, "src/lib.rs", "build", &[]);
        let pb = crates.rebuild(r, &plain, "src/lib.rs", "build", &[]);
        let sb = crates.rebuild(r, &serde, "src/lib.rs", "build", &[]);
        let oc = crates.rebuild(r, &ours, "src/lib.rs", "check", &[]);
        let pc = crates.rebuild(r, &plain, "src/lib.rs", "check", &[]);
        let sc = crates.rebuild(r, &serde, "src/lib.rs", "check", &[]);
        let fb = crates.rebuild(
            r,
            &featured,
            "src/lib.rs",
            "build",
            &["--features", &five_arg],
        );
        println!(
            "| {name} | {} | {} | {} | {} | {:.2} | {:.2} | {} | {} | {} | {} ({} of {} entities) |",
            schema.field_count(),
            secs(ob),
            secs(pb),
            secs(sb),
            ob.as_secs_f64() / pb.as_secs_f64(),
            ob.as_secs_f64() / sb.as_secs_f64(),
            secs(oc),
            secs(pc),
            secs(sc),
            secs(fb),
            five.len(),
            model.entities.len()
        );

        // The documentation of the bindings: time and size of `cargo doc --no-deps`.
        let doc = crates.rebuild(r, &ours, "src/lib.rs", "doc", &["--no-deps"]);
        let doc_dir = crates.target.join("doc").join(format!("ours_{slug}"));
        let (files, bytes) = dir_size(&doc_dir);
        println!(
            "|   ↳ cargo doc --no-deps of the bindings | | {} | {files} HTML and other files, {:.1} MB | | | | | | | |",
            secs(doc),
            bytes as f64 / 1e6
        );

        // A user crate after a one-line edit: bindings in a dependency crate, or inside it.
        let main_dep = format!(
            "fn main() {{\n    let edit = 0;\n    println!(\"{{edit}} {{}}\", ours_{slug}::Shot::F.code.path());\n}}\n"
        );
        let app_dep = crates.write(
            &format!("app_dep_{slug}"),
            &format!("ours_{slug} = {{ path = \"../ours_{slug}\" }}"),
            "",
            &[("src/main.rs", main_dep)],
        );
        let main_inline = "#[allow(dead_code, missing_docs, unused_imports)]\nmod sg {\n    include!(\"bindings.rs\");\n}\n\nfn main() {\n    let edit = 0;\n    println!(\"{edit} {}\", sg::Shot::F.code.path());\n}\n".to_string();
        let app_inline = crates.write(
            &format!("app_inline_{slug}"),
            "",
            "",
            &[("src/main.rs", main_inline), ("src/bindings.rs", ours_text)],
        );
        let di = crates.rebuild(r, &app_dep, "src/main.rs", "build", &[]);
        let ii = crates.rebuild(r, &app_inline, "src/main.rs", "build", &[]);
        println!(
            "|   ↳ user crate after a one-line edit | | bindings in a dependency: {} | bindings inside the crate: {} | | ratio {:.1}x | | | | | |",
            secs(di),
            secs(ii),
            ii.as_secs_f64() / di.as_secs_f64()
        );
    }
}
