//! Helpers shared by the cross-crate tests.

use serde_json::{json, Value};
use sg_runtime::mock::MockServer;
use sg_runtime::schema::Schema;
use std::path::PathBuf;

/// The environment variable naming the folder of real site schemas (`../shared/schemas` in CI).
pub const SHARED_SCHEMAS_VAR: &str = "SG_SHARED_SCHEMAS";

/// The real-site schema folders (`python-api`, `tk-core`), or `None` (with a note on stderr)
/// when [`SHARED_SCHEMAS_VAR`] is unset, as on a user's fresh clone.
pub fn shared_schemas(test: &str) -> Option<Vec<(String, PathBuf)>> {
    let Some(dir) = std::env::var_os(SHARED_SCHEMAS_VAR) else {
        eprintln!(
            "SKIPPED {test}: {SHARED_SCHEMAS_VAR} is unset (CI sets it to ../shared/schemas)"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    let mut out = Vec::new();
    for name in ["python-api", "tk-core"] {
        let p = dir.join(name);
        assert!(
            p.is_dir(),
            "{SHARED_SCHEMAS_VAR} is set but {} is missing",
            p.display()
        );
        out.push((name.to_string(), p));
    }
    Some(out)
}

/// A small believable production on the demo schema: a project, two sequences, shots, assets,
/// steps, tasks, people.
pub fn demo_seed() -> Value {
    json!({
        "Project": [
            {"id": 1, "name": "Big Buck", "sg_status": "Active", "tank_name": "bigbuck"},
            {"id": 2, "name": "Old Show", "sg_status": "Complete", "archived": true}
        ],
        "HumanUser": [
            {"id": 1, "name": "Ada Artist", "login": "ada", "email": "ada@example.com"},
            {"id": 2, "name": "Bob Builder", "login": "bob"},
            {"id": 3, "name": "Cy Compositor", "login": "cy"}
        ],
        "Group": [{"id": 1, "code": "Comp Team", "users": [{"type": "HumanUser", "id": 3}]}],
        "Step": [
            {"id": 1, "code": "Animation", "short_name": "anim", "entity_type": "Shot"},
            {"id": 2, "code": "Compositing", "short_name": "comp", "entity_type": "Shot"},
            {"id": 3, "code": "Modeling", "short_name": "model", "entity_type": "Asset"}
        ],
        "Sequence": [
            {"id": 1, "code": "SEQ010", "project": {"type": "Project", "id": 1}, "sg_status_list": "ip"},
            {"id": 2, "code": "SEQ020", "project": {"type": "Project", "id": 1}}
        ],
        "Shot": [
            {"id": 1, "code": "sh010", "project": {"type": "Project", "id": 1}, "sg_sequence": {"type": "Sequence", "id": 1},
             "sg_status_list": "ip", "sg_cut_in": 1001, "sg_cut_out": 1040, "sg_first_delivery": "2026-12-01", "tags": ["hero", "night"]},
            {"id": 2, "code": "sh020", "project": {"type": "Project", "id": 1}, "sg_sequence": {"type": "Sequence", "id": 1},
             "sg_status_list": "fin", "sg_cut_in": 1001, "sg_cut_out": 1100, "sg_first_delivery": "2026-11-15"},
            {"id": 3, "code": "sh030", "project": {"type": "Project", "id": 1}, "sg_sequence": {"type": "Sequence", "id": 2},
             "sg_status_list": "ip", "sg_cut_in": 1001, "sg_cut_out": 1012},
            {"id": 4, "code": "old010", "project": {"type": "Project", "id": 2}, "sg_status_list": "fin", "sg_cut_in": 1, "sg_cut_out": 10}
        ],
        "Asset": [
            {"id": 1, "code": "hero_robot", "project": {"type": "Project", "id": 1}, "sg_asset_type": "Character",
             "shots": [{"type": "Shot", "id": 1}, {"type": "Shot", "id": 2}]},
            {"id": 2, "code": "city_block", "project": {"type": "Project", "id": 1}, "sg_asset_type": "Environment"}
        ],
        "Task": [
            {"id": 1, "content": "Animation", "project": {"type": "Project", "id": 1}, "entity": {"type": "Shot", "id": 1},
             "step": {"type": "Step", "id": 1}, "sg_status_list": "ip", "task_assignees": [{"type": "HumanUser", "id": 1}]},
            {"id": 2, "content": "Comp", "project": {"type": "Project", "id": 1}, "entity": {"type": "Shot", "id": 1},
             "step": {"type": "Step", "id": 2}, "sg_status_list": "wtg", "task_assignees": [{"type": "Group", "id": 1}]},
            {"id": 3, "content": "Model", "project": {"type": "Project", "id": 1}, "entity": {"type": "Asset", "id": 1},
             "step": {"type": "Step", "id": 3}, "sg_status_list": "fin", "task_assignees": [{"type": "HumanUser", "id": 2}]}
        ]
    })
}

/// A local server on the demo schema with [`demo_seed`] loaded.
pub fn demo_server() -> MockServer {
    MockServer::builder(Schema::demo())
        .seed(demo_seed())
        .start()
        .expect("the local server starts")
}
