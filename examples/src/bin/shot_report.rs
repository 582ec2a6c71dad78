//! A producer's shot report: for each shot of a sequence, the numbers the site's query fields
//! hold (open notes, versions, frames, the latest version, the tasks' status), which the API
//! returns empty and the typed read computes, in a few requests for the whole sequence.

use sg_examples::sg::{Sequence, Shot, TaskSgStatusList};
use sg_examples::{fail, table, Args, Site};
use sg_runtime::typed::prelude::*;

const HELP: &str = "\
shot_report: the shots of a sequence with their open notes, versions, frames, latest version
and task status (the site's query fields, computed)

Usage: shot_report [--sequence CODE]

Options:
  --sequence CODE  The sequence [default: SQ010]
  -h, --help       Print this help

Runs against the local api3 server with a demo production, or against SG_SITE.
";

/// One row: the shot's code and its query fields. A projection that names query fields has
/// them computed by the read.
#[derive(sg_derive::Select)]
#[sg(entity = Shot)]
struct Row {
    code: Option<String>,
    open_notes_count: Option<i64>,
    sg_version_count: Option<i64>,
    sg_total_frames: Option<i64>,
    sg_latest_version: Option<String>,
    sg_task_status: Option<TaskSgStatusList>,
}

fn main() {
    let args = Args::parse(HELP, &["sequence"]);
    let sequence = args.get("sequence", "SQ010");
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let rows = Row::find()
        .filter(
            Shot::F
                .sg_sequence
                .via(Sequence::F.code)
                .is(sequence.as_str()),
        )
        .sort(Shot::F.code.asc())
        .all(&site.client)
        .unwrap_or_else(|e| fail(&e.to_string()));
    if rows.is_empty() {
        fail(&format!("no shot in sequence `{sequence}`"));
    }
    println!("Shots of {sequence}, from {}\n", site.describe());
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "-".into());
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| {
            vec![
                or_dash(r.code),
                or_dash(r.open_notes_count.map(|n| n.to_string())),
                or_dash(r.sg_version_count.map(|n| n.to_string())),
                or_dash(r.sg_total_frames.map(|n| n.to_string())),
                or_dash(r.sg_latest_version),
                or_dash(r.sg_task_status.map(|s| s.to_string())),
            ]
        })
        .collect();
    table(
        &[
            "shot",
            "open notes",
            "versions",
            "frames",
            "latest version",
            "tasks",
        ],
        &rows,
    );
}
