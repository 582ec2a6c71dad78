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
    let total = shots["summaries"]["id"].as_i64().unwrap_or(0);
    let rows: Vec<Vec<String>> = shots["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let n = g["summaries"]["id"].as_i64().unwrap_or(0);
            vec![
                g["group_name"].as_str().unwrap_or("").to_string(),
                n.to_string(),
                format!("{:.0}%", 100.0 * n as f64 / total.max(1) as f64),
            ]
        })
        .collect();
    table(&["shot status", "shots", "share"], &rows);

    let tasks = Task::summarize()
        .filter(Task::F.project.is(id))
        .record_count(&Task::F.id)
        .group_by(&Task::F.step.via(Step::F.code), Direction::Asc)
        .group_by(&Task::F.sg_status_list, Direction::Asc)
        .send(client)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let mut rows = Vec::new();
    for step in tasks["groups"].as_array().into_iter().flatten() {
        let by_status: Vec<String> = step["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|g| {
                format!(
                    "{} {}",
                    g["group_name"].as_str().unwrap_or(""),
                    g["summaries"]["id"]
                )
            })
            .collect();
        rows.push(vec![
            step["group_name"].as_str().unwrap_or("").to_string(),
            step["summaries"]["id"].to_string(),
            by_status.join(", "),
        ]);
    }
    println!();
    table(&["step", "tasks", "by status"], &rows);
    println!("\n{total} shots, {} tasks", tasks["summaries"]["id"]);
}
