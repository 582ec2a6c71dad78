//! Create the shots of an edit list (CSV) in one batch: all or nothing, and exactly once (each
//! shot carries an idempotency key). A bad row is reported with its line number, and nothing is
//! created.

use sg_examples::sg::{markers, Project, Sequence, Shot};
use sg_examples::{fail, Args, Site};
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::Batch;
use std::collections::{BTreeMap, BTreeSet};

const HELP: &str = "\
bulk_shots: create the shots of a CSV edit list in one batch (all or nothing)

Usage: bulk_shots [--csv FILE] [--project NAME]

Options:
  --csv FILE       The edit list: a header `code,sequence,cut_in,cut_out[,description]`, then one
                   shot per line [default: examples/data/edit_list.csv]
  --project NAME   The project [default: Big Buck]
  -h, --help       Print this help

Every row is checked first (columns, numbers, cut order, sequence, duplicate codes); any bad row
is reported with its line number and nothing is created. The batch itself is one transaction,
and each shot carries an idempotency key (sg_uuid), so a lost answer never creates it twice.
Runs against the local api3 server with a demo production, or against SG_SITE.
";

/// One CSV line split into fields; double quotes group commas and `""` is a quote.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().expect("one field").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().expect("one field").push(c),
        }
    }
    out.into_iter().map(|f| f.trim().to_string()).collect()
}

struct Row {
    code: String,
    sequence: String,
    cut_in: i64,
    cut_out: i64,
    description: String,
}

fn main() {
    let args = Args::parse(HELP, &["csv", "project"]);
    let default_csv = concat!(env!("CARGO_MANIFEST_DIR"), "/data/edit_list.csv");
    let path = args.get("csv", default_csv);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let client = &site.client;
    let or_fail = |e: sg_runtime::Error| -> ! { fail(&e.to_string()) };
    let project_name = args.get("project", "Big Buck");
    let project = Project::find()
        .filter(Project::F.name.is(project_name.as_str()))
        .first(client)
        .unwrap_or_else(|e| or_fail(e))
        .unwrap_or_else(|| fail(&format!("no project `{project_name}`")));
    let project: Id<markers::Project> = project.id;
    let sequences: BTreeMap<String, Id<markers::Sequence>> = Sequence::find()
        .filter(Sequence::F.project.is(project))
        .all(client)
        .unwrap_or_else(|e| or_fail(e))
        .into_iter()
        .filter_map(|s| Some((s.code.clone()?, s.id)))
        .collect();
    let existing: BTreeSet<String> = Shot::find()
        .filter(Shot::F.project.is(project))
        .all(client)
        .unwrap_or_else(|e| or_fail(e))
        .into_iter()
        .filter_map(|s| s.code)
        .collect();

    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header = lines.next().map(|(_, l)| split_csv(l)).unwrap_or_default();
    if header.len() < 4 || header[..4] != ["code", "sequence", "cut_in", "cut_out"] {
        fail(&format!(
            "{path}: line 1: expected the header `code,sequence,cut_in,cut_out[,description]`"
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, line) in lines {
        let n = i + 1;
        let f = split_csv(line);
        if f.len() < 4 || f.len() > 5 {
            errors.push(format!(
                "line {n}: expected 4 or 5 columns, found {}",
                f.len()
            ));
            continue;
        }
        let num = |s: &str, what: &str| {
            s.parse::<i64>()
                .map_err(|_| format!("line {n}: {what} `{s}` is not a whole number"))
        };
        let checks = (|| {
            if f[0].is_empty() {
                return Err(format!("line {n}: the shot code is empty"));
            }
            if !seen.insert(f[0].clone()) {
                return Err(format!(
                    "line {n}: shot `{}` appears twice in the edit list",
                    f[0]
                ));
            }
            if existing.contains(&f[0]) {
                return Err(format!(
                    "line {n}: shot `{}` already exists in {project_name}",
                    f[0]
                ));
            }
            if !sequences.contains_key(&f[1]) {
                return Err(format!(
                    "line {n}: no sequence `{}` in {project_name}",
                    f[1]
                ));
            }
            let (cut_in, cut_out) = (num(&f[2], "cut_in")?, num(&f[3], "cut_out")?);
            if cut_out < cut_in {
                return Err(format!(
                    "line {n}: cut_out {cut_out} is before cut_in {cut_in}"
                ));
            }
            Ok(Row {
                code: f[0].clone(),
                sequence: f[1].clone(),
                cut_in,
                cut_out,
                description: f.get(4).cloned().unwrap_or_default(),
            })
        })();
        match checks {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{path}: {e}");
        }
        fail(&format!(
            "{} bad row(s) in {path}: nothing was created",
            errors.len()
        ));
    }
    if rows.is_empty() {
        fail(&format!("{path}: no shots to create"));
    }
    let mut batch = Batch::new();
    let mut slots = Vec::new();
    for r in &rows {
        slots.push(
            batch.create(
                Shot::create()
                    .set(Shot::F.code, r.code.as_str())
                    .set(Shot::F.project, project)
                    .set(Shot::F.sg_sequence, sequences[&r.sequence])
                    .set(Shot::F.sg_cut_in, r.cut_in)
                    .set(Shot::F.sg_cut_out, r.cut_out)
                    .set(Shot::F.sg_cut_duration, r.cut_out - r.cut_in + 1)
                    .set(Shot::F.description, r.description.as_str())
                    // The key makes the batch land once even if the answer is lost on the way.
                    .idempotency_key(
                        Shot::F.sg_uuid,
                        format!("bulk_shots/{project_name}/{}", r.code),
                    ),
            ),
        );
    }
    let created = batch.send(client).unwrap_or_else(|e| {
        if e.may_have_been_applied() {
            fail(&format!(
                "the batch may have been applied: check {project_name} before running again: {e}"
            ))
        }
        fail(&format!("the batch was refused, nothing was created: {e}"))
    });
    println!(
        "created {} shots in one batch on {}:",
        created.len(),
        site.describe()
    );
    for (r, slot) in rows.iter().zip(&slots) {
        let shot = created.get(slot).unwrap_or_else(|e| or_fail(e));
        println!(
            "  {} #{} in {} ({}-{})",
            r.code,
            shot.id(),
            r.sequence,
            r.cut_in,
            r.cut_out
        );
    }
}
