//! The ports of everyday Python programs (`ports/*.py`, written against the official client)
//! print exactly what the Python programs print, each run against a fresh local site seeded
//! with the same production; and the README's line counts are those of the files. The Python
//! side is skipped, with a note, where python3 or shotgun_api3 is missing.

use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use std::path::PathBuf;
use std::process::Command;

const PORTS: [(&str, &str); 3] = [
    ("shots_of_sequence", env!("CARGO_BIN_EXE_shots_of_sequence")),
    ("version_cookbook", env!("CARGO_BIN_EXE_version_cookbook")),
    ("note_thread", env!("CARGO_BIN_EXE_note_thread")),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `program` against a fresh local site and returns what it printed.
fn run(mut program: Command) -> String {
    let site = LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(sg_examples::production())
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = program
        .env("SG_SITE", site.url())
        .env("SG_SCRIPT_NAME", SCRIPT_NAME)
        .env("SG_SCRIPT_KEY", SCRIPT_KEY)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{program:?} failed:\n{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn python() -> Option<String> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import shotgun_api3"])
        .output()
        .is_ok_and(|o| o.status.success());
    ok.then_some(python)
}

#[test]
fn each_port_prints_what_its_python_program_prints() {
    let python = python();
    for (name, exe) in PORTS {
        let rust = run(Command::new(exe));
        assert!(!rust.trim().is_empty(), "{name} printed nothing");
        let Some(python) = &python else {
            eprintln!("SKIPPED the Python side of {name}: python3 with shotgun_api3 not found (pip install shotgun-api3)");
            continue;
        };
        let script = root().join("ports").join(format!("{name}.py"));
        let py = run({
            let mut c = Command::new(python);
            c.arg(script);
            c
        });
        assert_eq!(
            rust, py,
            "{name}: the Rust port and the Python program differ"
        );
    }
}

fn lines(path: PathBuf) -> usize {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .count()
}

#[test]
fn the_readme_gives_each_ports_line_counts() {
    let readme = std::fs::read_to_string(root().join("../README.md")).unwrap();
    for (name, _) in PORTS {
        let py = lines(root().join("ports").join(format!("{name}.py")));
        let rs = lines(root().join("src/bin").join(format!("{name}.rs")));
        let row = format!("| `{name}` | {py} | {rs} | {:.1}x |", rs as f64 / py as f64);
        assert!(
            readme.contains(&row),
            "README.md should have the row\n{row}"
        );
    }
}
