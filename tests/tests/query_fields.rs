//! Query fields: computed by the client, equal to the per-record method (each record's own
//! `summarize` or `find`, what the Python wrapper fpt-api does), in far fewer requests. The
//! reference is computed two ways: by sg-runtime's untyped calls, one per record and field, and by
//! the official Python client (`tests/python/query_fields.py`, skipped where Python is absent).

use serde_json::{json, Map, Value};
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::query::{QueryDefinition, SummaryKind};
use sg_runtime::schema::Schema;
use sg_runtime::typed::prelude::*;
use sg_runtime::{Client, Filter, Query};
use sg_tests::demo::{markers, Sequence, Shot, Version};
use sg_tests::{python_with_official_client, SiteClient};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const SHOT_FIELDS: [&str; 16] = [
    "open_notes_count",
    "sg_all_notes_count",
    "sg_approved_percentage",
    "sg_average_frames",
    "sg_client_approved_count",
    "sg_client_approved_percentage",
    "sg_first_version_at",
    "sg_first_version_frame",
    "sg_last_version_frame",
    "sg_latest_version",
    "sg_latest_version_at",
    "sg_movie_count",
    "sg_recent_versions",
    "sg_task_status",
    "sg_total_frames",
    "sg_version_count",
];

/// A deterministic production: `shots` shots over four sequences, with Versions, Tasks and
/// Notes of every shape the fields' queries meet (none at all, links to two shots, inactive
/// statuses, empty values).
fn production(shots: i64) -> Value {
    let mut state: u64 = 0x5eed_1234;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let shot = |i: i64| json!({"type": "Shot", "id": i});
    let mut seed = sg_tests::demo_seed();
    let s = seed.as_object_mut().unwrap();
    s.insert(
        "Sequence".into(),
        json!((1..=4).map(|i| json!({"id": i, "code": format!("SEQ{i:02}0"), "project": {"type": "Project", "id": 1}})).collect::<Vec<_>>()),
    );
    s.insert(
        "Shot".into(),
        json!((1..=shots)
            .map(|i| json!({"id": i, "code": format!("sh{i:04}"), "project": {"type": "Project", "id": 1},
                            "sg_sequence": {"type": "Sequence", "id": 1 + i % 4}}))
            .collect::<Vec<_>>()),
    );
    let statuses = ["rev", "vwd", "apr", "rej", "na"];
    let mut versions = Vec::new();
    let mut minute = 0;
    for i in 1..=shots {
        for v in 0..next(5) {
            minute += 1 + next(3);
            let mut r = json!({
                "code": format!("sh{i:04}_v{v:03}"),
                "entity": shot(i),
                "project": {"type": "Project", "id": 1},
                "sg_status_list": statuses[next(5) as usize],
                "client_approved": next(3) == 0,
                "created_at": format!("2026-03-{:02}T{:02}:{:02}:00Z", 1 + minute / 1440, (minute / 60) % 24, minute % 60),
            });
            if next(4) != 0 {
                let first = 1001 + next(20) as i64;
                r["sg_first_frame"] = json!(first);
                r["sg_last_frame"] = json!(first + 10 + next(90) as i64);
                r["frame_count"] = json!(10 + next(90) as i64);
            }
            if next(2) == 0 {
                r["sg_path_to_movie"] = json!(format!("/mnt/show/sh{i:04}_v{v:03}.mov"));
            }
            versions.push(r);
        }
    }
    // Versions of an asset and of a sequence: not any shot's.
    versions
        .push(json!({"code": "asset_v1", "entity": {"type": "Asset", "id": 1}, "frame_count": 7}));
    versions
        .push(json!({"code": "seq_v1", "entity": {"type": "Sequence", "id": 1}, "frame_count": 9}));
    s.insert("Version".into(), json!(versions));
    let task_statuses = ["wtg", "rdy", "ip", "rev", "fin", "hld", "omt"];
    let mut tasks = Vec::new();
    let mut task_id = 10;
    let mut shot_tasks: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for i in 1..=shots {
        for _ in 0..next(4) {
            if i == 3 || i == 5 {
                continue;
            }
            task_id += 1;
            tasks.push(json!({"id": task_id, "content": "work", "entity": shot(i),
                              "project": {"type": "Project", "id": 1},
                              "sg_status_list": task_statuses[next(7) as usize]}));
            shot_tasks.entry(i).or_default().push(task_id);
        }
    }
    // Every task of shot 3 omitted (`na` by the field summary's rule), shot 5's all the same.
    for (id, status) in [(901, "omt"), (902, "omt"), (903, "fin"), (904, "fin")] {
        let of = if id < 903 { 3 } else { 5 };
        tasks.push(
            json!({"id": id, "content": "work", "entity": shot(of), "sg_status_list": status}),
        );
    }
    let mut existing = s["Task"].as_array().unwrap().clone();
    existing.extend(tasks);
    s.insert("Task".into(), json!(existing));
    let note_statuses = ["opn", "ip", "clsd"];
    let mut notes = Vec::new();
    for n in 0..(shots * 2) {
        let a = 1 + next(shots as u64) as i64;
        let mut links = vec![shot(a)];
        if next(4) == 0 {
            links.push(shot(1 + next(shots as u64) as i64));
        }
        if next(6) == 0 {
            links.push(json!({"type": "Asset", "id": 1}));
        }
        let mut r = json!({"subject": format!("note {n}"), "note_links": links,
                           "sg_status_list": note_statuses[next(3) as usize],
                           "project": {"type": "Project", "id": 1}});
        // Some notes on a task of another shot only: counted by "notes on the shot or its tasks".
        let b = 1 + next(shots as u64) as i64;
        if let (0, Some(ts)) = (next(3), shot_tasks.get(&b)) {
            r["tasks"] = json!([{"type": "Task", "id": ts[0]}]);
            if next(2) == 0 {
                r["note_links"] = json!([]);
            }
        }
        notes.push(r);
    }
    s.insert("Note".into(), json!(notes));
    seed
}

fn site(shots: i64) -> LocalSite {
    LocalSite::builder(Schema::demo())
        .page_size(50)
        .seed(production(shots))
        .start()
        .unwrap()
}

fn definition(entity_type: &str, field: &str) -> QueryDefinition {
    let schema = Schema::demo();
    QueryDefinition::of_in(schema.field(entity_type, field).unwrap(), &schema).unwrap()
}

/// The per-record method: for each record, the field's query with the token replaced by it,
/// one request each (what fpt-api does with the official client).
fn per_record(
    client: &Client,
    entity_type: &str,
    field: &str,
    ids: &[i64],
) -> BTreeMap<i64, Value> {
    let def = definition(entity_type, field);
    ids.iter()
        .map(|id| {
            let filters = def
                .filters_for(&json!({"type": entity_type, "id": id}))
                .unwrap();
            let filter = Filter::from_filters(&filters);
            let v = match def.kind().unwrap() {
                SummaryKind::Aggregate(kind) => {
                    let value = (!def.summary_value.is_null()).then(|| def.summary_value.clone());
                    let a = client
                        .summarize(
                            &def.entity_type,
                            Some(&filter),
                            &[sg_runtime::Summary {
                                field: def.summary_field.clone(),
                                summary_type: kind,
                                value,
                            }],
                            &[],
                            true,
                        )
                        .unwrap();
                    a["summaries"][&def.summary_field].clone()
                }
                SummaryKind::SingleRecord { order, limit } => {
                    let mut q = Query::new(&def.entity_type)
                        .filter(filter)
                        .fields([def.summary_field.clone()])
                        .limit(limit);
                    if let Some((c, d)) = order {
                        q = q.sort(c, d);
                    }
                    let found: Vec<Value> = client
                        .find_all(&q)
                        .unwrap()
                        .iter()
                        .map(|r| r[&def.summary_field].clone())
                        .collect();
                    if limit > 1 {
                        json!(found)
                    } else {
                        found.into_iter().next().unwrap_or(Value::Null)
                    }
                }
            };
            (*id, v)
        })
        .collect()
}

fn by_id(records: &[Value], key: &str) -> BTreeMap<i64, Value> {
    records
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r[key].clone()))
        .collect()
}

#[test]
fn every_kind_equals_the_per_record_method_in_far_fewer_requests() {
    let shots = 120;
    let server = site(shots);
    let client = server.client().unwrap();
    let ids: Vec<i64> = (1..=shots).collect();

    // A site returns query fields empty through the API.
    let plain = client
        .find_all(&Query::new("Shot").fields(SHOT_FIELDS))
        .unwrap();
    assert_eq!(plain.len(), shots as usize);
    assert!(plain
        .iter()
        .all(|r| SHOT_FIELDS.iter().all(|f| r[*f].is_null())));

    let before = server.requests().len();
    let mut records = client
        .find_all(&Query::new("Shot").fields(["code"]))
        .unwrap();
    let read_requests = server.requests().len() - before;
    let stats = client
        .fill_query_fields("Shot", &mut records, &SHOT_FIELDS)
        .unwrap();
    let fill_requests = server.requests().len() - before - read_requests;
    assert_eq!(
        stats.requests, fill_requests,
        "the stats count every request sent"
    );

    let mut reference_requests = 0;
    for field in SHOT_FIELDS {
        let before = server.requests().len();
        let reference = per_record(&client, "Shot", field, &ids);
        reference_requests += server.requests().len() - before;
        assert_eq!(by_id(&records, field), reference, "Shot.{field}");
        // Not a field that is empty everywhere: the comparison could not fail.
        assert!(
            reference
                .values()
                .any(|v| !v.is_null() && *v != json!(0) && *v != json!([])),
            "Shot.{field} is empty for every shot"
        );
    }
    eprintln!(
        "{} shots x {} query fields: per record {reference_requests} requests, ours {fill_requests} ({:?})",
        shots,
        SHOT_FIELDS.len(),
        stats.ways
    );
    assert_eq!(reference_requests, SHOT_FIELDS.len() * shots as usize);
    // One field is per record by design (its token sits under an `or`: 120 requests); the 12
    // grouped ones take one `summarize` per 500 parents and one for an empty set where some
    // parent has no record; the 3 picked ones read their records in pages (of 50 on this
    // site: about 5 each); and one `schema_read`.
    assert_eq!(stats.ways.get("per record"), Some(&1));
    assert_eq!(stats.ways.get("grouped"), Some(&12));
    assert_eq!(stats.ways.get("picked"), Some(&3));
    assert!(
        fill_requests - shots as usize <= 1 + 12 * 2 + 3 * 6,
        "{fill_requests}"
    );

    // Through a link, and a query with no token (the same for every record).
    let versions = client
        .find_all(&Query::new("Version").fields(["code"]).with_query_fields([
            "entity.Shot.sg_version_count",
            "project.Project.sg_sequences_count",
        ]))
        .unwrap();
    let counts = per_record(&client, "Shot", "sg_version_count", &ids);
    for v in &versions {
        assert!(v.get("entity").is_none(), "a helper link is not returned");
        let code = v["code"].as_str().unwrap();
        let want = match code.strip_prefix("sh").and_then(|c| c.get(..4)) {
            Some(n) => counts[&n.parse::<i64>().unwrap()].clone(),
            None => Value::Null,
        };
        assert_eq!(v["entity.Shot.sg_version_count"], want, "{code}");
    }
    let sequences_count = versions
        .iter()
        .filter_map(|v| v["project.Project.sg_sequences_count"].as_i64())
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(sequences_count.into_iter().collect::<Vec<_>>(), [4]);

    // Grouped on a deep path (each Version's shot's sequence), and a record count of Shots.
    let seqs = client
        .find_all(&Query::new("Sequence").with_query_fields(["sg_version_frames", "sg_shot_count"]))
        .unwrap();
    let seq_ids: Vec<i64> = (1..=4).collect();
    assert_eq!(
        by_id(&seqs, "sg_version_frames"),
        per_record(&client, "Sequence", "sg_version_frames", &seq_ids)
    );
    assert_eq!(
        by_id(&seqs, "sg_shot_count"),
        per_record(&client, "Sequence", "sg_shot_count", &seq_ids)
    );
}

#[derive(sg_derive::Select)]
#[sg(entity = sg_tests::demo::Shot)]
struct ShotReport {
    id: Id<markers::Shot>,
    code: Option<String>,
    open_notes_count: Option<i64>,
    sg_latest_version: Option<String>,
    sg_recent_versions: Option<Vec<String>>,
    sg_task_status: Option<sg_tests::demo::TaskSgStatusList>,
    #[sg(path = "sg_sequence.Sequence.sg_shot_count")]
    shots_in_sequence: Option<i64>,
}

#[test]
fn typed_reads_fill_the_query_fields_they_name() {
    let shots = 40;
    let server = site(shots);
    let client = server.client().unwrap();
    let mut reference = client
        .find_all(&Query::new("Shot").fields(["code"]))
        .unwrap();
    client
        .fill_query_fields("Shot", &mut reference, &SHOT_FIELDS)
        .unwrap();
    let want = |id: i64, f: &str| reference[(id - 1) as usize][f].clone();

    // A whole struct: query fields stay empty unless named.
    let whole = Shot::find().all(&client).unwrap();
    assert!(whole.iter().all(|s| s.open_notes_count.is_none()));
    let named = Shot::find()
        .with_query_fields((
            Shot::F.open_notes_count,
            Shot::F.sg_average_frames,
            Shot::F.sg_first_version_at,
            Shot::F.sg_recent_versions,
            Shot::F.sg_task_status,
            Shot::F.sg_approved_percentage,
        ))
        .all(&client)
        .unwrap();
    assert_eq!(named.len(), shots as usize);
    for s in &named {
        let id = s.id.get();
        assert_eq!(json!(s.open_notes_count), want(id, "open_notes_count"));
        assert_eq!(json!(s.sg_average_frames), want(id, "sg_average_frames"));
        assert_eq!(
            s.sg_first_version_at
                .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            want(id, "sg_first_version_at").as_str().map(str::to_owned)
        );
        assert_eq!(json!(s.sg_recent_versions), want(id, "sg_recent_versions"));
        assert_eq!(
            s.sg_task_status.as_ref().map(|t| t.to_string()),
            want(id, "sg_task_status").as_str().map(str::to_owned)
        );
        assert_eq!(
            json!(s.sg_approved_percentage),
            want(id, "sg_approved_percentage")
        );
        assert!(s.sg_total_frames.is_none(), "not named, not filled");
    }
    // Shot 3's tasks are all omitted: `na`, as a site's field summary says.
    assert_eq!(
        named[2].sg_task_status,
        Some(sg_tests::demo::TaskSgStatusList::Other("na".into()))
    );
    assert_eq!(
        named[4].sg_task_status,
        Some(sg_tests::demo::TaskSgStatusList::Fin)
    );

    // `.fields` names them; a projection names them, through a link too.
    let partial = Shot::find()
        .fields((
            Shot::F.code,
            Shot::F.sg_total_frames,
            Shot::F.sg_latest_version,
        ))
        .all(&client)
        .unwrap();
    for p in &partial {
        let id = p.id.get();
        assert_eq!(
            json!(p.get(&Shot::F.sg_total_frames).unwrap()),
            want(id, "sg_total_frames")
        );
        assert_eq!(
            json!(p.get(&Shot::F.sg_latest_version).unwrap()),
            want(id, "sg_latest_version")
        );
    }
    let seq_counts: BTreeMap<i64, i64> = Sequence::find()
        .with_query_fields(Sequence::F.sg_shot_count)
        .all(&client)
        .unwrap()
        .into_iter()
        .map(|s| (s.id.get(), s.sg_shot_count.unwrap()))
        .collect();
    let reports = ShotReport::find().all(&client).unwrap();
    for r in &reports {
        let id = r.id.get();
        assert_eq!(json!(r.open_notes_count), want(id, "open_notes_count"));
        assert_eq!(json!(r.sg_latest_version), want(id, "sg_latest_version"));
        assert_eq!(json!(r.sg_recent_versions), want(id, "sg_recent_versions"));
        assert_eq!(
            r.sg_task_status.as_ref().map(|t| t.to_string()),
            want(id, "sg_task_status").as_str().map(str::to_owned)
        );
        assert_eq!(
            r.shots_in_sequence,
            Some(seq_counts[&(1 + id % 4)]),
            "{}",
            r.code.as_deref().unwrap_or("")
        );
    }
    // A Version's shot's count, through the link, in a Partial.
    let deep = Version::F.entity.via(Shot::F.sg_version_count);
    let versions = Version::find()
        .filter(Version::F.code.starts_with("sh"))
        .fields((Version::F.code, deep.clone()))
        .all(&client)
        .unwrap();
    assert!(!versions.is_empty());
    for v in &versions {
        let code = v.get(&Version::F.code).unwrap().unwrap();
        let shot: i64 = code[2..6].parse().unwrap();
        assert_eq!(
            json!(v.get(&deep).unwrap()),
            want(shot, "sg_version_count"),
            "{code}"
        );
    }
}

#[test]
fn reads_by_id_fill_them_too_and_a_field_that_is_not_one_is_named() {
    let server = sg_localsite::LocalSite::builder(Schema::demo())
        .page_size(7)
        .seed(production(40))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let fields = ["open_notes_count", "sg_total_frames", "sg_latest_version"];
    let by_page = client
        .find_all(
            &Query::new("Shot")
                .fields(["code"])
                .with_query_fields(fields),
        )
        .unwrap();
    let by_id: Vec<Value> = client
        .find_by_id(
            &Query::new("Shot")
                .fields(["code"])
                .with_query_fields(fields),
        )
        .unwrap()
        .collect::<sg_runtime::Result<_>>()
        .unwrap();
    assert_eq!(by_id.len(), 40);
    assert_eq!(by_id, by_page, "pages of 7, read by id ranges side by side");
    let typed = Shot::find()
        .by_id()
        .with_query_fields(Shot::F.open_notes_count)
        .all(&client)
        .unwrap();
    for (t, u) in typed.iter().zip(&by_page) {
        assert_eq!(json!(t.open_notes_count), u["open_notes_count"]);
    }
    let e = client
        .fill_query_fields("Shot", &mut [json!({"type": "Shot", "id": 1})], &["code"])
        .unwrap_err();
    assert!(
        e.to_string().contains("Shot.code is not a query field"),
        "{e}"
    );
}

#[test]
fn the_official_client_per_record_gives_the_same_values() {
    let Some(python) = python_with_official_client() else {
        eprintln!("SKIPPED query fields against the official client: python3 with shotgun_api3 not found (pip install shotgun-api3)");
        return;
    };
    let shots = 30;
    let server = site(shots);
    let client = server.client().unwrap();
    let mut ours = client
        .find_all(&Query::new("Shot").fields(["code"]))
        .unwrap();
    client
        .fill_query_fields("Shot", &mut ours, &SHOT_FIELDS)
        .unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/query_fields.py");
    let out = Command::new(python)
        .arg(&script)
        .env("SG_URL", server.url())
        .env("SG_SCRIPT_NAME", SCRIPT_NAME)
        .env("SG_SCRIPT_KEY", SCRIPT_KEY)
        .env("SG_ENTITY", "Shot")
        .env("SG_FIELDS", serde_json::to_string(&SHOT_FIELDS).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the per-record script failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs: Map<String, Value> = serde_json::from_slice(&out.stdout).unwrap();
    for field in SHOT_FIELDS {
        let mut theirs_by_id = BTreeMap::new();
        for (id, v) in theirs[field].as_object().unwrap() {
            theirs_by_id.insert(id.parse::<i64>().unwrap(), v.clone());
        }
        assert_eq!(theirs_by_id.len(), shots as usize, "{field}");
        assert_eq!(
            by_id(&ours, field),
            theirs_by_id,
            "Shot.{field}: ours against the official client per record"
        );
    }
}

/// tk-core's 39 query fields (every one an open-notes count, through `note_links` or, on Task,
/// `tasks`): the values read equal the per-record method on a local site of that schema, on
/// every entity type that has one, untyped and through the generated bindings.
#[test]
fn tk_core_query_fields_read_what_the_per_record_method_gives() {
    let Some(dirs) =
        sg_tests::shared_schemas("tk_core_query_fields_read_what_the_per_record_method_gives")
    else {
        return;
    };
    let dir = &dirs.iter().find(|(n, _)| n == "tk-core").unwrap().1;
    let schema = Schema::load(dir).unwrap();
    let mut owners = Vec::new();
    for (et, es) in &schema.entities {
        for (f, fs) in &es.fields {
            if QueryDefinition::of(fs).is_some() {
                owners.push((et.clone(), f.clone()));
            }
        }
    }
    assert_eq!(owners.len(), 39);
    let mut seed = Map::new();
    for (et, _) in &owners {
        seed.insert(
            et.clone(),
            json!((1..=3).map(|i| json!({"id": i})).collect::<Vec<_>>()),
        );
    }
    let linkable: Vec<String> = schema.field("Note", "note_links").unwrap().valid_types();
    let statuses = ["opn", "ip", "clsd"];
    let mut notes = Vec::new();
    for (n, (et, _)) in owners.iter().enumerate() {
        for k in 0..(n % 4 + 1) {
            let id = 1 + (n + k) as i64 % 3;
            let mut note =
                json!({"subject": format!("{et} {k}"), "sg_status_list": statuses[(n + k) % 3]});
            if et == "Task" {
                note["tasks"] = json!([{"type": "Task", "id": id}]);
            } else if linkable.contains(et) {
                note["note_links"] = json!([{"type": et, "id": id}]);
            }
            notes.push(note);
        }
    }
    seed.insert("Note".into(), json!(notes));
    let server = LocalSite::builder(schema.clone())
        .seed(Value::Object(seed))
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let mut non_zero = 0;
    for (et, field) in &owners {
        let mut records = client.find_all(&Query::new(et.as_str())).unwrap();
        let stats = client
            .fill_query_fields(et, &mut records, &[field])
            .unwrap();
        let def = QueryDefinition::of_in(schema.field(et, field).unwrap(), &schema).unwrap();
        for r in &records {
            let id = r["id"].as_i64().unwrap();
            let filters = def.filters_for(&json!({"type": et, "id": id})).unwrap();
            let answer = client
                .summarize(
                    "Note",
                    Some(&Filter::from_filters(&filters)),
                    &[sg_runtime::Summary {
                        field: "id".into(),
                        summary_type: "record_count".into(),
                        value: None,
                    }],
                    &[],
                    true,
                )
                .unwrap();
            assert_eq!(
                r[field.as_str()],
                answer["summaries"]["id"],
                "{et} #{id}.{field}"
            );
            non_zero += usize::from(r[field.as_str()] != json!(0));
        }
        assert!(stats.requests <= 2, "{et}.{field}: {stats:?}");
    }
    assert!(non_zero > 30, "only {non_zero} records have open notes");

    #[cfg(all(shared_schemas, not(trybuild)))]
    {
        use sg_tests::tk_core;
        let shots = tk_core::Shot::find()
            .with_query_fields(tk_core::Shot::F.open_notes_count)
            .all(&client)
            .unwrap();
        let mut untyped = client.find_all(&Query::new("Shot")).unwrap();
        client
            .fill_query_fields("Shot", &mut untyped, &["open_notes_count"])
            .unwrap();
        assert_eq!(shots.len(), 3);
        for (s, u) in shots.iter().zip(&untyped) {
            assert_eq!(json!(s.open_notes_count), u["open_notes_count"]);
        }
    }
}

/// A grouped answer whose group values are not the records asked about (a site answering in
/// another shape) is an error naming the field, never a silent empty value for every record.
#[test]
fn a_grouped_answer_of_another_shape_is_an_error_not_a_zero() {
    let server = site(6);
    let client = server.client().unwrap();
    let mut records = client.find_all(&Query::new("Shot")).unwrap();
    let body = json!({"results": {"summaries": {"frame_count": 5},
        "groups": [{"group_name": "sh0001", "group_value": "sh0001", "summaries": {"frame_count": 5}}]}});
    // Both summaries the field sends (the groups, and the empty set's answer beside them) get
    // it, whichever goes first.
    server.inject(
        Some("summarize"),
        sg_localsite::Fault::Body(200, body.to_string()),
        2,
    );
    let e = client
        .fill_query_fields("Shot", &mut records, &["sg_total_frames"])
        .unwrap_err();
    assert!(
        matches!(&e, sg_runtime::Error::QueryField { field, .. } if field == "sg_total_frames"),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("query field Shot.sg_total_frames: ")
            && e.to_string().contains("\"sh0001\""),
        "{e}"
    );
}
