//! A project's status roll-up: shots by status, tasks by step and status (summarize with grouping).

use sg_examples::sg::{markers, Project, Shot, Step, Task};
use sg_examples::{fail, table, Args, Site};
use sg_runtime::typed::prelude::*;
use sg_runtime::Direction;

const HELP: &str = "\
status_rollup: shots by status and tasks by pipeline step and status, for one project

Usage: status_rollup [--project NAME]

Options:
  --project NAME   The project [default: Big Buck]
  -h, --help       Print this help

Runs against the local api3 server with a demo production, or against SG_SITE.
";

fn main() {
    let args = Args::parse(HELP, &["project"]);
    let name = args.get("project", "Big Buck");
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let client = &site.client;
    let project = Project::find()
        .filter(Project::F.name.is(name.as_str()))
        .first(client)
        .unwrap_or_else(|e| fail(&e.to_string()))
        .unwrap_or_else(|| fail(&format!("no project `{name}`")));
    let id: Id<markers::Project> = project.id;
    println!("Status of {name}, from {}\n", site.describe());

    let shots = Shot::summarize()
        .filter(Shot::F.project.is(id))
        .record_count(&Shot::F.id)
        .sum(&Shot::F.sg_cut_duration)
        .group_by(&Shot::F.sg_status_list, Direction::Asc)
        .send(client)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let or_fail = |e: sg_runtime::Error| -> ! { fail(&e.to_string()) };
    let total = shots
        .totals()
        .record_count(&Shot::F.id)
        .unwrap_or_else(|e| or_fail(e));
    let frames = shots
        .totals()
        .sum(&Shot::F.sg_cut_duration)
        .unwrap_or_else(|e| or_fail(e))
        .unwrap_or(0);
    let mut rows = Vec::new();
    for g in shots.groups() {
        // The group's value typed by the field: the status enum (None: no status).
        let status = g
            .value(&Shot::F.sg_status_list)
            .unwrap_or_else(|e| or_fail(e));
        let n = g
            .summaries()
            .record_count(&Shot::F.id)
            .unwrap_or_else(|e| or_fail(e));
        rows.push(vec![
            status.map_or_else(|| "(none)".to_string(), |s| s.to_string()),
            n.to_string(),
            format!("{:.0}%", 100.0 * n as f64 / total.max(1) as f64),
        ]);
    }
    table(&["shot status", "shots", "share"], &rows);

    let tasks = Task::summarize()
        .filter(Task::F.project.is(id))
        .record_count(&Task::F.id)
        .group_by(&Task::F.step.via(Step::F.code), Direction::Asc)
        .group_by(&Task::F.sg_status_list, Direction::Asc)
        .send(client)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let count = |s: &sg_runtime::typed::Summaries<markers::Task>| {
        s.record_count(&Task::F.id).unwrap_or_else(|e| or_fail(e))
    };
    let mut rows = Vec::new();
    for step in tasks.groups() {
        let by_status: Vec<String> = step
            .groups()
            .iter()
            .map(|g| format!("{} {}", g.name(), count(g.summaries())))
            .collect();
        rows.push(vec![
            step.name().to_string(),
            count(step.summaries()).to_string(),
            by_status.join(", "),
        ]);
    }
    println!();
    table(&["step", "tasks", "by status"], &rows);
    println!(
        "\n{total} shots ({frames} frames), {} tasks",
        count(tasks.totals())
    );
}
