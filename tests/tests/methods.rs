//! Every untyped client method against the local server over real sockets, on the demo schema.

use serde_json::{json, Map, Value};
use sg_runtime::{
    BatchRequest, Direction, EntityRef, FieldUpdate, Filter, Grouping, Query, Summary,
};
use sg_tests::demo_server;
use sg_tests::SiteClient;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().expect("an object").clone()
}

fn codes(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["code"].as_str().unwrap_or("?"))
        .collect()
}

#[test]
fn info_reports_a_modern_version_and_page_size() {
    let server = demo_server();
    let client = server.client().unwrap();
    let info = client.info().unwrap();
    assert!(info["version"][0].as_u64().unwrap() >= 8);
    assert_eq!(client.page_size().unwrap(), 500);
    // info goes without credentials.
    assert_eq!(server.requests()[0].auth, None);
}

#[test]
fn find_with_filters_sorts_and_deep_links() {
    let server = demo_server();
    let client = server.client().unwrap();
    let q = Query::new("Shot")
        .filter(Filter::and([
            Filter::cond("sg_sequence.Sequence.code", "is", ["SEQ010"]),
            Filter::or([
                Filter::cond("sg_status_list", "is", ["ip"]),
                Filter::cond("sg_cut_out", "greater_than", [1050]),
            ]),
        ]))
        .fields(["code", "sg_sequence", "sg_sequence.Sequence.sg_status_list"])
        .sort("code", Direction::Desc);
    let shots = client.find_all(&q).unwrap();
    assert_eq!(codes(&shots), ["sh020", "sh010"]);
    assert_eq!(
        shots[0]["sg_sequence"],
        json!({"type": "Sequence", "id": 1, "name": "SEQ010"})
    );
    assert_eq!(shots[0]["sg_sequence.Sequence.sg_status_list"], "ip");
    assert_eq!(shots[0]["type"], "Shot");

    let one = client
        .find_one(
            &Query::new("Shot")
                .filter(Filter::cond("code", "starts_with", ["SH03"]))
                .fields(["code"]),
        )
        .unwrap()
        .unwrap();
    assert_eq!(one["code"], "sh030");
    assert!(client
        .find_one(&Query::new("Shot").filter(Filter::cond("code", "is", ["nope"])))
        .unwrap()
        .is_none());
}

#[test]
fn each_relation_family_filters() {
    let server = demo_server();
    let client = server.client().unwrap();
    let shots = |f: Filter| {
        let r = client
            .find_all(
                &Query::new("Shot")
                    .filter(f)
                    .fields(["code"])
                    .sort("id", Direction::Asc),
            )
            .unwrap();
        codes(&r).into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    assert_eq!(
        shots(Filter::cond("code", "contains", ["H0"])),
        ["sh010", "sh020", "sh030"]
    );
    assert_eq!(
        shots(Filter::cond("code", "not_contains", ["sh"])),
        ["old010"]
    );
    assert_eq!(shots(Filter::cond("code", "ends_with", ["20"])), ["sh020"]);
    assert_eq!(
        shots(Filter::cond("code", "in", ["sh010", "sh030"])),
        ["sh010", "sh030"]
    );
    assert_eq!(
        shots(Filter::cond("sg_cut_out", "between", [1012, 1040])),
        ["sh010", "sh030"]
    );
    assert_eq!(
        shots(Filter::cond("sg_cut_out", "not_between", [1012, 1040])),
        ["sh020", "old010"]
    );
    assert_eq!(
        shots(Filter::cond("sg_cut_out", "less_than", [1012])),
        ["old010"]
    );
    assert_eq!(
        shots(Filter::cond("sg_status_list", "not_in", ["ip"])),
        ["sh020", "old010"]
    );
    assert_eq!(
        shots(Filter::cond(
            "sg_first_delivery",
            "greater_than",
            ["2026-11-20"]
        )),
        ["sh010"]
    );
    assert_eq!(
        shots(Filter::cond("sg_first_delivery", "is", [Value::Null])),
        ["sh030", "old010"]
    );
    assert_eq!(
        shots(Filter::cond(
            "sg_sequence",
            "is",
            [json!({"type": "Sequence", "id": 2})]
        )),
        ["sh030"]
    );
    assert_eq!(
        shots(Filter::cond("sg_sequence", "name_contains", ["020"])),
        ["sh030"]
    );
    assert_eq!(
        shots(Filter::cond("sg_sequence", "type_is", ["Sequence"])),
        ["sh010", "sh020", "sh030"]
    );
    assert_eq!(shots(Filter::cond("tags", "is", ["hero"])), ["sh010"]);
    assert_eq!(
        shots(Filter::cond("tags", "name_contains", ["nig"])),
        ["sh010"]
    );
    assert_eq!(
        shots(Filter::cond("sg_is_hero", "is", [false])),
        ["sh010", "sh020", "sh030", "old010"]
    );
    // Dates relative to now: everything was created moments ago.
    assert_eq!(
        shots(Filter::cond(
            "created_at",
            "in_last",
            [json!(1), json!("DAY")]
        ))
        .len(),
        4
    );
    assert_eq!(
        shots(Filter::cond("created_at", "in_calendar_day", [0])).len(),
        4
    );
    assert_eq!(
        shots(Filter::cond(
            "created_at",
            "in_next",
            [json!(1), json!("DAY")]
        ))
        .len(),
        0
    );

    let tasks = |f: Filter| {
        let r = client
            .find_all(
                &Query::new("Task")
                    .filter(f)
                    .fields(["content"])
                    .sort("id", Direction::Asc),
            )
            .unwrap();
        r.iter()
            .map(|t| t["content"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tasks(Filter::cond(
            "task_assignees",
            "is",
            [json!({"type": "HumanUser", "id": 1})]
        )),
        ["Animation"]
    );
    assert_eq!(
        tasks(Filter::cond("task_assignees", "type_is", ["Group"])),
        ["Comp"]
    );
    assert_eq!(
        tasks(Filter::cond("task_assignees", "name_contains", ["bob"])),
        ["Model"]
    );
    assert_eq!(
        tasks(Filter::cond("entity", "type_is", ["Asset"])),
        ["Model"]
    );
    assert_eq!(
        tasks(Filter::cond(
            "entity.Shot.sg_sequence.Sequence.code",
            "is",
            ["SEQ010"]
        )),
        ["Animation", "Comp"]
    );
    assert_eq!(
        tasks(Filter::cond(
            "step.Step.short_name",
            "in",
            ["comp", "model"]
        )),
        ["Comp", "Model"]
    );
}

#[test]
fn create_update_delete_revive() {
    let server = demo_server();
    let client = server.client().unwrap();
    let v = client
        .create(
            "Version",
            &obj(json!({"code": "sh010_anim_v001", "entity": {"type": "Shot", "id": 1}, "sg_task": {"type": "Task", "id": 1},
                        "sg_first_frame": 1001, "sg_uploaded_movie": {"url": "https://x/y.mov", "name": "y.mov"}})),
            &["sg_status_list", "created_at"],
        )
        .unwrap();
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["type"], "Version");
    assert_eq!(v["entity"]["name"], "sh010");
    assert_eq!(v["sg_status_list"], "rev", "the schema default applies");
    assert!(v["created_at"].as_str().unwrap().ends_with('Z'));

    let p = client
        .create(
            "Playlist",
            &obj(json!({"code": "Dailies 2026-11-28", "project": {"type": "Project", "id": 1}})),
            &[],
        )
        .unwrap();
    let pid = p["id"].as_i64().unwrap();
    let add = |ids: &[i64]| {
        let refs: Vec<EntityRef> = ids.iter().map(|i| EntityRef::new("Version", *i)).collect();
        client
            .update("Playlist", pid, &[FieldUpdate::add("versions", &refs)])
            .unwrap()
    };
    let v2 = client
        .create("Version", &obj(json!({"code": "v2"})), &[])
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    add(&[id]);
    let after = add(&[v2, id]);
    assert_eq!(
        after["versions"].as_array().unwrap().len(),
        2,
        "add keeps one of each"
    );
    let after = client
        .update(
            "Playlist",
            pid,
            &[FieldUpdate::remove(
                "versions",
                &[EntityRef::new("Version", id)],
            )],
        )
        .unwrap();
    assert_eq!(
        after["versions"],
        json!([{"type": "Version", "id": v2, "name": "v2"}])
    );
    let after = client
        .update(
            "Playlist",
            pid,
            &[
                FieldUpdate::set("versions", json!([{"type": "Version", "id": id}])),
                FieldUpdate::set("locked", true),
            ],
        )
        .unwrap();
    assert_eq!(after["versions"][0]["id"], id);
    assert_eq!(after["locked"], true);

    assert!(client.delete("Version", v2).unwrap());
    assert!(!client.delete("Version", v2).unwrap(), "already retired");
    let live = client.find_all(&Query::new("Version")).unwrap();
    assert_eq!(live.len(), 1);
    let retired = client
        .find_all(&Query::new("Version").retired_only().fields(["code"]))
        .unwrap();
    assert_eq!(codes(&retired), ["v2"]);
    assert!(client.revive("Version", v2).unwrap());
    assert_eq!(client.find_all(&Query::new("Version")).unwrap().len(), 2);
}

#[test]
fn batch_is_one_transaction() {
    let server = demo_server();
    let client = server.client().unwrap();
    let create = |code: &str| BatchRequest::Create {
        entity_type: "Shot".into(),
        fields: obj(json!({"code": code, "project": {"type": "Project", "id": 1}})),
        return_fields: vec!["code".into()],
        idempotency_key: None,
    };
    let results = client
        .batch(&[
            create("sh100"),
            BatchRequest::Update {
                entity_type: "Shot".into(),
                id: 1,
                fields: vec![FieldUpdate::set("description", "hero")],
            },
            BatchRequest::Delete {
                entity_type: "Shot".into(),
                id: 3,
            },
        ])
        .unwrap();
    assert_eq!(results[0]["code"], "sh100");
    assert_eq!(results[1]["description"], "hero");
    assert_eq!(results[2], json!(true));

    let before = server.records("Shot");
    let err = client
        .batch(&[
            create("sh200"),
            create("sh201"),
            BatchRequest::Update {
                entity_type: "Shot".into(),
                id: 1,
                fields: vec![FieldUpdate::set("sg_cut_in", "x")],
            },
        ])
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("request 2") && msg.contains("Shot.sg_cut_in"),
        "{msg}"
    );
    assert_eq!(
        server.records("Shot"),
        before,
        "a failed batch leaves no trace"
    );
}

#[test]
fn summarize_with_grouping() {
    let server = demo_server();
    let client = server.client().unwrap();
    let r = client
        .summarize(
            "Shot",
            Some(&Filter::cond(
                "project",
                "is",
                [json!({"type": "Project", "id": 1})],
            )),
            &[
                Summary::new("id", "record_count"),
                Summary::new("sg_cut_out", "maximum"),
                Summary::new("sg_cut_in", "sum"),
            ],
            &[Grouping::exact("sg_status_list")],
            true,
        )
        .unwrap();
    assert_eq!(
        r["summaries"],
        json!({"id": 3, "sg_cut_out": 1100, "sg_cut_in": 3003})
    );
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["group_value"], "fin");
    assert_eq!(groups[1]["group_name"], "ip");
    assert_eq!(groups[1]["summaries"]["id"], 2);

    let by_seq = client
        .summarize(
            "Shot",
            None,
            &[Summary::new("id", "count")],
            &[
                Grouping::exact("sg_sequence"),
                Grouping::exact("sg_status_list"),
            ],
            true,
        )
        .unwrap();
    let g = by_seq["groups"].as_array().unwrap();
    assert_eq!(g[0]["group_name"], "", "shots with no sequence group first");
    assert_eq!(g[1]["group_name"], "SEQ010");
    assert_eq!(g[1]["groups"].as_array().unwrap().len(), 2);
}

#[test]
fn archived_projects_can_be_left_out() {
    let server = demo_server();
    let client = server.client().unwrap();
    assert_eq!(client.find_all(&Query::new("Shot")).unwrap().len(), 4);
    assert_eq!(
        client
            .find_all(&Query::new("Shot").include_archived_projects(false))
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        client
            .find_all(&Query::new("Project").include_archived_projects(false))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn schema_reads() {
    let server = demo_server();
    let client = server.client().unwrap();
    let all = client.schema_read(None).unwrap();
    assert_eq!(
        all["Shot"]["sg_sequence"]["properties"]["valid_types"]["value"],
        json!(["Sequence"])
    );
    let entities = client
        .schema_entity_read(Some(&EntityRef::new("Project", 1)))
        .unwrap();
    assert_eq!(entities["CustomEntity01"]["name"]["value"], "Disk Location");
    let one = client
        .schema_field_read("Shot", Some("code"), None)
        .unwrap();
    assert_eq!(one.as_object().unwrap().len(), 1);
    assert_eq!(one["code"]["data_type"]["value"], "text");
    let fields = client.schema_field_read("Shot", None, None).unwrap();
    assert_eq!(fields, all["Shot"]);
    let e = client
        .schema_field_read("Shot", Some("cdoe"), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Shot.cdoe") && e.contains("did you mean `code`"),
        "{e}"
    );
}

#[test]
fn clients_on_many_threads_share_one_server() {
    let server = demo_server();
    let client = server.client().unwrap();
    std::thread::scope(|s| {
        for t in 0..4 {
            let client = client.clone();
            s.spawn(move || {
                for i in 0..25 {
                    client
                        .create("Shot", &obj(json!({"code": format!("t{t}_{i}")})), &[])
                        .unwrap();
                    client.find_all(&Query::new("Shot").limit(5)).unwrap();
                }
            });
        }
    });
    assert_eq!(server.records("Shot").len(), 4 + 100);
}

#[test]
fn follow_unfollow_followers_following() {
    let server = demo_server();
    let client = server.client().unwrap();
    let ann = EntityRef::new("HumanUser", 1);
    let (sh010, seq) = (EntityRef::new("Shot", 1), EntityRef::new("Sequence", 1));
    assert!(client.follow(&ann, &sh010).unwrap());
    assert!(client.follow(&ann, &seq).unwrap());
    assert!(client
        .follow(&EntityRef::new("HumanUser", 2), &sh010)
        .unwrap());
    let followers = client.followers(&sh010).unwrap();
    assert_eq!(followers.iter().map(|u| u.id).collect::<Vec<_>>(), [1, 2]);
    assert!(followers[0].name.is_some(), "named, as a site answers");
    let all = client.following(&ann, None, None).unwrap();
    assert_eq!(all.len(), 2);
    let shots = client.following(&ann, None, Some("Shot")).unwrap();
    assert_eq!(
        shots,
        [EntityRef {
            name: shots[0].name.clone(),
            ..sh010.clone()
        }]
    );
    let in_project = client
        .following(&ann, Some(&EntityRef::new("Project", 1)), None)
        .unwrap();
    assert_eq!(in_project.len(), 2);
    assert!(client.unfollow(&ann, &sh010).unwrap());
    assert_eq!(client.followers(&sh010).unwrap().len(), 1);
    // As a site: only people follow, and only records that exist.
    let e = client
        .follow(&EntityRef::new("Shot", 2), &sh010)
        .unwrap_err();
    assert!(e.to_string().contains("only a HumanUser can follow"), "{e}");
    let e = client
        .follow(&ann, &EntityRef::new("Shot", 999))
        .unwrap_err();
    assert!(e.to_string().contains("Shot #999 does not exist"), "{e}");
    // Sent as the official client sends them.
    let sent = sg_tests::sent(&server, "follow");
    assert_eq!(
        sent[0],
        json!({"user": {"type": "HumanUser", "id": 1}, "entity": {"type": "Shot", "id": 1}})
    );
}

#[test]
fn note_threads_and_text_search() {
    let server = demo_server();
    let client = server.client().unwrap();
    let note = client
        .create(
            "Note",
            &obj(json!({"subject": "Grade", "content": "More contrast", "project": {"type": "Project", "id": 1},
                         "note_links": [{"type": "Shot", "id": 1}]})),
            &[],
        )
        .unwrap();
    let note_id = note["id"].as_i64().unwrap();
    for text in ["Done", "Approved"] {
        client
            .create(
                "Reply",
                &obj(json!({"content": text, "entity": {"type": "Note", "id": note_id}})),
                &[],
            )
            .unwrap();
    }
    let fields =
        std::collections::BTreeMap::from([("Note".to_string(), vec!["subject".to_string()])]);
    let thread = client.note_thread_read(note_id, &fields).unwrap();
    let kinds: Vec<&str> = thread.iter().map(|r| r["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Note", "Reply", "Reply"]);
    assert_eq!(thread[0]["subject"], "Grade", "a field asked for");
    assert_eq!(thread[0]["content"], "More contrast", "a default field");
    assert_eq!(thread[1]["content"], "Done");
    let at = thread[0]["created_at"].as_str().unwrap();
    assert!(
        at.ends_with(" UTC") && at.len() == 23,
        "a thread's date-time form: {at}"
    );
    assert_eq!(
        sg_tests::sent(&server, "note_thread_contents")[0],
        json!({"note_id": note_id, "entity_fields": {"Note": ["subject"]}})
    );
    let e = client
        .note_thread_read(999, &Default::default())
        .unwrap_err();
    assert!(e.to_string().contains("Note #999 does not exist"), "{e}");

    // Text search over display names, by type, filter and project.
    let types = std::collections::BTreeMap::from([
        ("Shot".to_string(), None),
        (
            "Sequence".to_string(),
            Some(Filter::cond("code", "is", ["SEQ010"])),
        ),
    ]);
    let r = client.text_search("sh0", &types, &[], Some(10)).unwrap();
    let names: Vec<&str> = r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"sh010") && names.contains(&"sh020"), "{r}");
    let r = client.text_search("seq0", &types, &[], None).unwrap();
    assert_eq!(
        r["matches"].as_array().unwrap().len(),
        1,
        "the Sequence filter: {r}"
    );
    let r = client.text_search("sh010", &types, &[99], None).unwrap();
    assert!(
        r["matches"].as_array().unwrap().is_empty(),
        "not in project 99"
    );
    assert_eq!(
        sg_tests::sent(&server, "query_display_name_cache")[0]["entity_types"]["Shot"],
        json!({"logical_operator": "and", "conditions": []})
    );
    assert!(client
        .text_search("x", &Default::default(), &[], None)
        .is_err());
}

#[test]
fn work_schedules_preferences_last_accessed_and_subscriptions() {
    use sg_runtime::chrono::NaiveDate;
    let server = demo_server();
    let client = server.client().unwrap();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    // 2026-11-27 is a Friday: a working day of the studio week, then the weekend.
    let week = client
        .work_schedule_read(d("2026-11-27"), d("2026-11-29"), None, None)
        .unwrap();
    assert_eq!(week["2026-11-27"]["working"], true);
    assert_eq!(week["2026-11-28"]["working"], false);
    assert_eq!(week["2026-11-28"]["reason"], "STUDIO_WORK_WEEK");
    // A studio holiday, and a person who works it anyway.
    client
        .work_schedule_update(d("2026-11-27"), false, Some("Thanksgiving"), None, None)
        .unwrap();
    let ann = EntityRef::new("HumanUser", 1);
    client
        .work_schedule_update(d("2026-11-27"), true, Some("deadline"), None, Some(&ann))
        .unwrap();
    let studio = client
        .work_schedule_read(d("2026-11-27"), d("2026-11-27"), None, None)
        .unwrap();
    assert_eq!(
        studio["2026-11-27"],
        json!({"working": false, "description": "Thanksgiving", "reason": "STUDIO_EXCEPTION"})
    );
    let hers = client
        .work_schedule_read(d("2026-11-27"), d("2026-11-27"), None, Some(&ann))
        .unwrap();
    assert_eq!(hers["2026-11-27"]["reason"], "USER_EXCEPTION");
    assert_eq!(
        sg_tests::sent(&server, "work_schedule_read")[0],
        json!({"start_date": "2026-11-27", "end_date": "2026-11-29", "project": null, "user": null})
    );
    let e = client
        .work_schedule_read(d("2026-11-29"), d("2026-11-27"), None, None)
        .unwrap_err();
    assert!(
        e.to_string().contains("end_date must follow start_date"),
        "{e}"
    );

    let prefs = client
        .preferences_read(&["format_date_fields", "hours_per_day"])
        .unwrap();
    assert_eq!(prefs.as_object().unwrap().len(), 2);
    assert_eq!(prefs["hours_per_day"], 8.0);
    assert!(
        client
            .preferences_read(&[])
            .unwrap()
            .as_object()
            .unwrap()
            .len()
            > 5
    );

    let project = EntityRef::new("Project", 1);
    client
        .update_project_last_accessed(&project, Some(&ann))
        .unwrap();
    assert!(server.last_accessed(1, Some(1)).is_some());
    assert!(server.last_accessed(1, None).is_none());
    assert_eq!(
        sg_tests::sent(&server, "update_project_last_accessed_by_current_user")[0],
        json!({"project_id": 1, "user_id": 1})
    );

    assert!(client
        .user_subscriptions_create(&[json!({"humanUserId": 1, "subscription": "SG_ADVANCED"})])
        .unwrap());
    assert_eq!(
        client.user_subscriptions_read().unwrap(),
        json!([{"humanUserId": 1, "subscription": "SG_ADVANCED"}])
    );
    let e = client
        .user_subscriptions_create(&[json!({"humanUserId": 99, "subscription": null})])
        .unwrap_err();
    assert!(
        e.to_string().contains("HumanUser #99 does not exist"),
        "{e}"
    );
}

#[test]
fn activity_streams_show_creates_changes_notes_and_replies() {
    let server = demo_server();
    let client = server.client().unwrap();
    let shot = client
        .create("Shot", &obj(json!({"code": "sh900"})), &[])
        .unwrap();
    let id = shot["id"].as_i64().unwrap();
    client
        .update("Shot", id, &[FieldUpdate::set("description", "first pass")])
        .unwrap();
    let note = client
        .create(
            "Note",
            &obj(json!({"subject": "Comments", "note_links": [{"type": "Shot", "id": id}]})),
            &[],
        )
        .unwrap();
    client
        .create(
            "Reply",
            &obj(json!({"content": "ok", "entity": {"type": "Note", "id": note["id"]}})),
            &[],
        )
        .unwrap();
    let none = Default::default();
    let stream = client
        .activity_stream_read("Shot", id, &none, None, None, None)
        .unwrap();
    let kinds: Vec<&str> = stream["updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["update_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["create", "update", "create"],
        "newest first: the note, the change, the shot"
    );
    let change = &stream["updates"][1]["meta"];
    assert_eq!(change["attribute_name"], "description");
    assert_eq!(change["new_value"], "first pass");
    assert_eq!(stream["updates"][0]["subject"]["type"], "Note");
    assert_eq!(stream["latest_update_id"], stream["updates"][0]["id"]);
    // The note's own stream holds the reply; limits and id bounds apply.
    let notes = client
        .activity_stream_read(
            "Note",
            note["id"].as_i64().unwrap(),
            &none,
            None,
            None,
            Some(1),
        )
        .unwrap();
    assert_eq!(notes["updates"][0]["update_type"], "create_reply");
    assert_eq!(notes["updates"].as_array().unwrap().len(), 1);
    let oldest = stream["earliest_update_id"].as_i64().unwrap();
    let bounded = client
        .activity_stream_read("Shot", id, &none, None, Some(oldest), None)
        .unwrap();
    assert_eq!(bounded["updates"].as_array().unwrap().len(), 1);
    assert_eq!(
        sg_tests::sent(&server, "activity_stream")[0],
        json!({"type": "Shot", "id": id, "max_id": null, "min_id": null, "limit": null, "entity_fields": {}})
    );
}

#[test]
fn navigation_and_page_export() {
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(sg_tests::demo_seed())
        .page(
            7,
            "Shot",
            &[
                ("Default", &["id", "code", "sg_sequence"]),
                ("Short", &["code"]),
            ],
        )
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let root = client.nav_expand("/", None, None).unwrap();
    assert_eq!(root["children"][0]["path"], "/Project/1");
    let project = client.nav_expand("/Project/1", None, None).unwrap();
    let types: Vec<&str> = project["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["ref"]["value"].as_str().unwrap())
        .collect();
    assert!(
        types.contains(&"Shot") && types.contains(&"Sequence"),
        "{types:?}"
    );
    let shots = client.nav_expand("/Project/1/Shot", None, None).unwrap();
    assert!(shots["children"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["label"] == "sh010"));
    assert!(client.nav_expand("/Project/99", None, None).is_err());
    let found = client
        .nav_search_string("/Project/1", "sh01", None)
        .unwrap();
    assert!(found
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["label"].as_str().unwrap().contains("sh01")));
    let by_entity = client
        .nav_search_entity("/", &EntityRef::new("Shot", 1), None)
        .unwrap();
    assert_eq!(by_entity[0]["path"], "/Project/1/Shot/1");
    assert_eq!(
        sg_tests::sent(&server, "nav_search")[0]["search_criteria"],
        json!({"search_string": "sh01"})
    );

    let csv = client.export_page(7, "csv", None).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("Id,Shot Code,Sequence"));
    assert_eq!(lines.next(), Some("1,sh010,SEQ010"));
    assert_eq!(
        client
            .export_page(7, "csv", Some("Short"))
            .unwrap()
            .lines()
            .next(),
        Some("Shot Code")
    );
    let e = client.export_page(8, "csv", None).unwrap_err();
    assert!(e.to_string().contains("not API-exportable"), "{e}");
    assert!(client.export_page(7, "xlsx", None).is_err());
}
