//! The shots of a sequence that are in progress, with their tasks and who is assigned, as a table.

use sg_derive::Select;
use sg_examples::sg::{markers, Sequence, Shot, ShotSgStatusList, Task};
use sg_examples::{fail, table, Args, Site};
use sg_runtime::typed::prelude::*;

const HELP: &str = "\
shots_in_progress: the shots of a sequence that are in progress, with their task assignees

Usage: shots_in_progress [--sequence CODE]

Options:
  --sequence CODE   The sequence [default: SQ010]
  -h, --help        Print this help

Runs against the local api3 server with a demo production, or against SG_SITE with
credentials from SG_SCRIPT_NAME/SG_SCRIPT_KEY (or SG_LOGIN/SG_PASSWORD, SG_SESSION_TOKEN).
";

/// One row of the table: a task, with its shot's code and its step through deep links.
#[derive(Select)]
#[sg(entity = sg_examples::sg::Task)]
struct TaskRow {
    content: Option<String>,
    task_assignees: Vec<TargetRef<markers::TaskTaskAssigneesTargets>>,
    #[sg(field = "sg_status_list")]
    status: Option<sg_examples::sg::TaskSgStatusList>,
    #[sg(path = "entity.Shot.code")]
    shot: Option<String>,
    #[sg(path = "step.Step.short_name")]
    step: Option<String>,
}

fn main() {
    let args = Args::parse(HELP, &["sequence"]);
    let sequence = args.get("sequence", "SQ010");
    let site = Site::connect().unwrap_or_else(|e| fail(&e));
    let client = &site.client;
    println!(
        "Shots of {sequence} in progress, from {}\n",
        site.describe()
    );

    // The sequence must exist: say so plainly rather than print an empty table.
    let found = Sequence::find()
        .filter(Sequence::F.code.is(sequence.as_str()))
        .first(client);
    if found.unwrap_or_else(|e| fail(&e.to_string())).is_none() {
        fail(&format!("no sequence `{sequence}`"));
    }
    let shots = Shot::find()
        .filter(
            Shot::F
                .sg_sequence
                .via(Sequence::F.code)
                .is(sequence.as_str()),
        )
        .filter(Shot::F.sg_status_list.is(ShotSgStatusList::Ip))
        .sort(Shot::F.code.asc())
        .all(client)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let links: Vec<Link<markers::Shot>> = shots.iter().map(|s| s.link()).collect();
    let tasks = if links.is_empty() {
        Vec::new()
    } else {
        TaskRow::find()
            .filter(Task::F.entity.is_in(links))
            .sort(Task::F.entity.via(Shot::F.code).asc())
            .sort(Task::F.step.via(sg_examples::sg::Step::F.list_order).asc())
            .sort(Task::F.content.asc())
            .all(client)
            .unwrap_or_else(|e| fail(&e.to_string()))
    };
    let rows: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            let who: Vec<String> = t
                .task_assignees
                .iter()
                .map(|u| match u.name() {
                    Some(name) => name.to_string(),
                    None => format!("{u:?}"),
                })
                .collect();
            vec![
                t.shot.clone().unwrap_or_default(),
                t.step.clone().unwrap_or_default(),
                t.content.clone().unwrap_or_default(),
                t.status
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                who.join(", "),
            ]
        })
        .collect();
    table(&["shot", "step", "task", "status", "assigned to"], &rows);
    println!("\n{} shots in progress, {} tasks", shots.len(), tasks.len());
}
