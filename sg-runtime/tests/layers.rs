//! sg-runtime's layers point one way, and no two modules import each other.
//!
//! | layer | modules | what it may not know |
//! |---|---|---|
//! | 0 vocabulary | `error`, `value`, `records`, `request`, `redact`, `credentials`, `site` | anything below the wire values |
//! | 1 transport | `transport` | the envelope, the methods, the retry rules |
//! | 2 client | `client`, `envelope`, `retry` | any one api3 method |
//! | 3 api3 methods | `api/*` | the typed API |
//! | 4 typed | `typed/*`, `events`, `webhook` | |
//! | 5 surface | `lib`, `private` (`__private`: what generated code needs) | |
//!
//! A module may name modules of its own layer or below, never above; and no two modules name
//! each other (a parent `mod.rs` declaring and re-exporting its children does not count). The
//! test reads the sources: `crate::x` paths, `crate::{..}` lists, and `super::x` in folders.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn layer(module: &str) -> usize {
    let top = module.split("::").next().unwrap_or(module);
    match top {
        "error" | "value" | "records" | "request" | "redact" | "credentials" | "site" => 0,
        "transport" => 1,
        "client" | "envelope" | "retry" => 2,
        "api" => 3,
        "typed" | "events" | "webhook" => 4,
        // The crate root and `__private` (generated code's support) re-export from all below.
        "lib" | "private" => 5,
        other => panic!("module `{other}` has no layer: add it to this test and ARCHITECTURE.md"),
    }
}

/// Every `.rs` file under `src/` by module path (`api::read`, `typed`, `client`), with its text.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if parts.last().is_some_and(|p| p == "mod") {
                parts.pop();
            }
            out.insert(parts.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The code of a file without comments and without its `#[cfg(test)]` module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod ") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module a path names: the longest known module prefix, or the module `lib.rs`
/// re-exports an item from.
fn resolve(
    path: &[&str],
    known: &BTreeSet<String>,
    reexports: &BTreeMap<String, String>,
) -> Option<String> {
    for n in (1..=path.len()).rev() {
        let candidate = path[..n].join("::");
        if known.contains(&candidate) {
            return Some(candidate);
        }
    }
    reexports.get(path.first()?.trim()).cloned()
}

/// The paths named after each `prefix`, with `a::{b, c::d}` lists expanded.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        expand(rest, Vec::new(), &mut out);
    }
    out
}

/// The paths of the use-tree at the start of `text`, each after `head`.
fn expand(text: &str, head: Vec<String>, out: &mut Vec<Vec<String>>) {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let mut path = head;
    path.extend(
        text[..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
    );
    let Some(list) = text[end..].strip_prefix('{') else {
        if !path.is_empty() {
            out.push(path);
        }
        return;
    };
    // The list up to its matching brace, split at top-level commas.
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                expand(list[start..i].trim(), path.clone(), out);
                return;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(list[start..i].trim(), path.clone(), out);
                start = i + 1;
            }
            _ => {}
        }
    }
}

#[test]
fn layers_point_one_way_and_no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&src);
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    // `pub use module::{A, B}` in lib.rs: where `crate::A` really lives.
    let mut reexports = BTreeMap::new();
    for item in paths_after(&code(&modules["lib"]), "pub use ") {
        let refs: Vec<&str> = item.iter().map(String::as_str).collect();
        if let (Some(first), Some(last)) = (refs.first(), refs.last()) {
            if known.contains(*first) {
                reexports.insert(last.to_string(), first.to_string());
            }
        }
    }
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    for (module, text) in &modules {
        if module == "lib" {
            continue;
        }
        let code = code(text);
        let mut named: Vec<Vec<String>> = paths_after(&code, "crate::");
        // `super::x` names `x` beside this module (`typed/mod.rs` is module `typed`, whose
        // `super` is the crate root; `typed/find.rs`'s is `typed`).
        let mut parent: Vec<String> = module.split("::").map(str::to_string).collect();
        parent.pop();
        for p in paths_after(&code, "super::") {
            let mut full = parent.clone();
            full.extend(p);
            named.push(full);
        }
        for path in named {
            let refs: Vec<&str> = path.iter().map(String::as_str).collect();
            let Some(target) = resolve(&refs, &known, &reexports) else {
                continue;
            };
            // A folder's mod.rs and its own files are one module tree.
            if &target == module || module.starts_with(&format!("{target}::")) {
                continue;
            }
            edges.insert((module.clone(), target));
        }
    }
    let mut faults = Vec::new();
    for (from, to) in &edges {
        if layer(to) > layer(from) {
            faults.push(format!(
                "{from} (layer {}) names {to} (layer {})",
                layer(from),
                layer(to)
            ));
        }
        if from < to && edges.contains(&(to.clone(), from.clone())) {
            faults.push(format!("{from} and {to} name each other"));
        }
    }
    assert!(faults.is_empty(), "layering faults:\n{}", faults.join("\n"));
    // The test reads what it should: the client names the transport, the typed layer the api.
    assert!(
        edges.contains(&("client".into(), "transport".into())),
        "{edges:?}"
    );
    assert!(edges
        .iter()
        .any(|(f, t)| f.starts_with("typed") && t.starts_with("api")));
}
