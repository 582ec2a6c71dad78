//! The typed API against the local server on the demo schema: the JSON it sends and the records
//! it returns.

use serde_json::json;
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::{Batch, DateGrouping};
use sg_runtime::Direction;
use sg_tests::demo::{
    markers, Asset, Attachment, Playlist, Project, Sequence, Shot, ShotField, ShotSgStatusList,
    Task, TaskSgStatusList, Version,
};
use sg_tests::SiteClient;
use sg_tests::{demo_server, last_params};

#[test]
fn find_with_typed_filters_sorts_and_fields() {
    let server = demo_server();
    // One request at a time, page after page: the official client's requests exactly (a read
    // ahead asks its first page for the counts: api3_rules.rs).
    let client = server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap();
    let shots = Shot::find()
        .filter(Shot::F.sg_status_list.is(ShotSgStatusList::Ip))
        .filter(
            Shot::F
                .sg_sequence
                .via(Sequence::F.code)
                .is("SEQ010")
                .or(Shot::F.sg_cut_out.between(1000, 1020)),
        )
        .sort(Shot::F.code.desc())
        .fields([ShotField::Code, ShotField::SgSequence])
        .all(&client)
        .unwrap();
    let codes: Vec<_> = shots
        .iter()
        .map(|s| s.get(&Shot::F.code).unwrap().unwrap())
        .collect();
    assert_eq!(codes, ["sh030", "sh010"]);
    assert!(
        matches!(
            shots[0].get(&Shot::F.sg_status_list),
            Err(sg_runtime::Error::NotRead { .. })
        ),
        "not asked for, so not read: never a silent None"
    );
    assert_eq!(
        last_params(&server, "read"),
        json!({
            "type": "Shot",
            "return_fields": ["code", "sg_sequence"],
            "filters": {"logical_operator": "and", "conditions": [
                {"path": "sg_status_list", "relation": "is", "values": ["ip"]},
                {"logical_operator": "or", "conditions": [
                    {"path": "sg_sequence.Sequence.code", "relation": "is", "values": ["SEQ010"]},
                    {"path": "sg_cut_out", "relation": "between", "values": [1000, 1020]}
                ]}
            ]},
            "return_only": "active",
            "paging": {"entities_per_page": 500, "current_page": 1},
            "return_paging_info_without_counts": true,
            "api_return_image_urls": true,
            "sorts": [{"field_name": "code", "direction": "desc"}]
        })
    );
}

#[test]
fn every_kind_of_relation_runs_on_the_server() {
    let server = demo_server();
    let client = server.client().unwrap();
    let seq1 = Sequence::find()
        .filter(Sequence::F.code.is("SEQ010"))
        .first(&client)
        .unwrap()
        .unwrap();
    let count = |c: Condition<markers::Shot>| Shot::find().filter(c).all(&client).unwrap().len();
    assert_eq!(count(Shot::F.code.contains("h0")), 3);
    assert_eq!(count(Shot::F.code.starts_with("old")), 1);
    assert_eq!(count(Shot::F.code.is_in(["sh010", "sh020"])), 2);
    // An empty list: `in` matches nothing, `not_in` everything (as the official client sends
    // it and its mockgun answers).
    let all = count(Shot::F.code.not_in(Vec::<&str>::new()));
    assert!(all >= 4, "{all}");
    assert_eq!(count(Shot::F.code.is_in(Vec::<&str>::new())), 0);
    assert_eq!(count(Shot::F.sg_cut_in.less_than(1000)), 1);
    assert_eq!(count(Shot::F.sg_cut_out.not_between(1000, 1050)), 2);
    assert_eq!(
        count(Shot::F.sg_status_list.not_in([ShotSgStatusList::Fin])),
        2
    );
    assert_eq!(count(Shot::F.sg_first_delivery.is_null()), 2);
    assert_eq!(
        count(
            Shot::F
                .sg_first_delivery
                .greater_than(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        ),
        1
    );
    assert_eq!(count(Shot::F.created_at.in_last(1, DateUnit::Day)), 4);
    assert_eq!(count(Shot::F.created_at.in_calendar_day(0)), 4);
    assert_eq!(count(Shot::F.sg_is_hero.is(false)), 4);
    assert_eq!(count(Shot::F.tags.is("hero")), 1);
    assert_eq!(count(Shot::F.sg_sequence.is(seq1.link())), 2);
    assert_eq!(count(Shot::F.sg_sequence.name_contains("020")), 1);
    assert_eq!(count(Shot::F.sg_sequence.type_is::<markers::Sequence>()), 3);
    assert_eq!(
        count(
            Shot::F
                .sg_sequence
                .is_null()
                .and(Shot::F.project.is(Id::<markers::Project>::new(2)))
        ),
        1
    );
    let tasks = |c: Condition<markers::Task>| {
        Task::find()
            .filter(c)
            .sort(Task::F.id.asc())
            .all(&client)
            .unwrap()
    };
    let t = tasks(Task::F.task_assignees.is(Id::<markers::HumanUser>::new(1)));
    assert_eq!(t[0].content.as_deref(), Some("Animation"));
    assert_eq!(
        tasks(Task::F.task_assignees.type_is::<markers::Group>()).len(),
        1
    );
    assert_eq!(tasks(Task::F.entity.type_is::<markers::Asset>()).len(), 1);
    // A deep link through a multi-target link, two hops.
    let deep = tasks(
        Task::F
            .entity
            .via(Shot::F.sg_sequence)
            .via(Sequence::F.code)
            .is("SEQ010"),
    );
    assert_eq!(deep.len(), 2);
    assert_eq!(deep[1].sg_status_list, Some(TaskSgStatusList::Wtg));
    // Sorting through a deep link.
    let by_seq = Shot::find()
        .filter(Shot::F.sg_sequence.is_not_null())
        .sort(Shot::F.sg_sequence.via(Sequence::F.code).desc())
        .sort(Shot::F.code.asc())
        .all(&client)
        .unwrap();
    let codes: Vec<_> = by_seq.iter().map(|s| s.code.clone().unwrap()).collect();
    assert_eq!(codes, ["sh030", "sh010", "sh020"]);
}

#[test]
fn create_update_add_remove_and_batch() {
    let server = demo_server();
    let client = server.client().unwrap();
    let project = Project::find()
        .filter(Project::F.name.is("Big Buck"))
        .first(&client)
        .unwrap()
        .unwrap();
    let shot = Shot::find()
        .filter(Shot::F.code.is("sh010"))
        .first(&client)
        .unwrap()
        .unwrap();
    let task = Task::find()
        .filter(Task::F.content.is("Animation"))
        .first(&client)
        .unwrap()
        .unwrap();
    let version = Version::create()
        .set(Version::F.code, "sh010_anim_v001")
        .set(Version::F.project, project.link())
        .set(Version::F.entity, shot.link())
        .set(Version::F.sg_task, task.link())
        .set(Version::F.sg_first_frame, 1001)
        .send(&client)
        .unwrap();
    assert_eq!(
        version.get(&Version::F.code).unwrap().as_deref(),
        Some("sh010_anim_v001")
    );
    assert_eq!(
        version.get(&Version::F.entity).unwrap().unwrap().name(),
        Some("sh010")
    );
    assert_eq!(
        last_params(&server, "create")["fields"],
        json!([
            {"field_name": "code", "value": "sh010_anim_v001"},
            {"field_name": "entity", "value": {"type": "Shot", "id": shot.id}},
            {"field_name": "project", "value": {"type": "Project", "id": 1}},
            {"field_name": "sg_first_frame", "value": 1001},
            {"field_name": "sg_task", "value": {"type": "Task", "id": task.id}}
        ])
    );
    let playlist = Playlist::create()
        .set(Playlist::F.code, "Dailies")
        .set(Playlist::F.project, project.link())
        .send(&client)
        .unwrap();
    let updated = Playlist::update(playlist.id())
        .add(Playlist::F.versions, [version.link()])
        .set(Playlist::F.locked, true)
        .send(&client)
        .unwrap();
    assert_eq!(
        updated.get(&Playlist::F.versions).unwrap().unwrap()[0].id(),
        version.id()
    );
    assert_eq!(
        last_params(&server, "update")["fields"],
        json!([
            {"field_name": "versions", "value": [{"type": "Version", "id": version.id()}], "multi_entity_update_mode": "add"},
            {"field_name": "locked", "value": true}
        ])
    );
    // Ids borrowed from a slice, as links are (issue 30: `&ids[..1]` was refused).
    let ids = [version.id(), version.id()];
    Playlist::update(playlist.id())
        .add(Playlist::F.versions, &ids[..1])
        .send(&client)
        .unwrap();
    assert_eq!(
        last_params(&server, "update")["fields"][0]["value"],
        json!([{"type": "Version", "id": version.id()}])
    );
    let emptied = Playlist::update(playlist.id())
        .remove(Playlist::F.versions, [version.link()])
        .clear(Playlist::F.description)
        .send(&client)
        .unwrap();
    assert_eq!(emptied.get(&Playlist::F.versions).unwrap(), Some(vec![]));

    let mut batch = Batch::new();
    let created = batch.create(
        Shot::create()
            .set(Shot::F.code, "sh100")
            .set(Shot::F.sg_sequence, Id::<markers::Sequence>::new(2)),
    );
    let updated =
        batch.update(Shot::update(shot.id).set(Shot::F.sg_status_list, ShotSgStatusList::Fin));
    // A raw id: the entity type comes from `Asset`, as in `Asset::delete`.
    let deleted = Asset::delete_in(&mut batch, Id::new(2));
    let results = batch.send(&client).unwrap();
    assert_eq!(results.len(), 3);
    // Each result typed by its request: the new Shot, the updated Shot, the delete's flag.
    let new_shot: Partial<Shot> = results.get(&created).unwrap();
    assert_eq!(
        new_shot.get(&Shot::F.code).unwrap().as_deref(),
        Some("sh100")
    );
    assert_eq!(
        new_shot.get(&Shot::F.sg_sequence).unwrap().map(|l| l.id()),
        Some(Id::new(2))
    );
    let fin = results.get(&updated).unwrap();
    assert_eq!(fin.id(), shot.id);
    assert_eq!(
        fin.get(&Shot::F.sg_status_list).unwrap(),
        Some(ShotSgStatusList::Fin)
    );
    assert!(results.get(&deleted).unwrap(), "the asset was live");
    assert_eq!(
        Shot::find()
            .filter(Shot::F.code.is("sh100"))
            .all(&client)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(Asset::find().all(&client).unwrap().len(), 1);
    assert!(Asset::revive(&client, Id::new(2)).unwrap());
    assert!(Shot::delete(&client, shot.id).unwrap());
    assert_eq!(
        Shot::find().retired_only().all(&client).unwrap()[0].id,
        shot.id
    );
}

#[test]
fn summarize_typed() {
    let server = demo_server();
    let client = server.client().unwrap();
    let r = Shot::summarize()
        .filter(Shot::F.project.is(Id::<markers::Project>::new(1)))
        .record_count(&Shot::F.id)
        .sum(&Shot::F.sg_cut_in)
        .maximum(&Shot::F.sg_cut_out)
        .latest(&Shot::F.sg_first_delivery)
        .unchecked(&Shot::F.sg_is_hero)
        .group_by(&Shot::F.sg_sequence, Direction::Asc)
        .send(&client)
        .unwrap();
    assert_eq!(
        last_params(&server, "summarize")["summaries"],
        json!([
            {"field": "id", "type": "record_count"},
            {"field": "sg_cut_in", "type": "sum"},
            {"field": "sg_cut_out", "type": "maximum"},
            {"field": "sg_first_delivery", "type": "latest"},
            {"field": "sg_is_hero", "type": "unchecked"}
        ])
    );
    let t = r.totals();
    assert_eq!(t.record_count(&Shot::F.id).unwrap(), 3);
    let sum: Option<i64> = t.sum(&Shot::F.sg_cut_in).unwrap();
    assert_eq!(sum, Some(3003));
    assert_eq!(t.maximum(&Shot::F.sg_cut_out).unwrap(), Some(1100));
    assert_eq!(
        t.latest(&Shot::F.sg_first_delivery).unwrap(),
        Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
    );
    assert_eq!(t.unchecked(&Shot::F.sg_is_hero).unwrap(), 3);
    // An aggregate not asked for is an error, not a zero.
    let e = t.average(&Shot::F.sg_cut_in).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Shot: no `average` of `sg_cut_in` was asked for in this summarize"
    );
    // Groups typed by the field grouped on: a link to a Sequence.
    let g = &r.groups()[0];
    assert_eq!(g.name(), "SEQ010");
    let seq: Option<Link<markers::Sequence>> = g.value(&Shot::F.sg_sequence).unwrap();
    assert_eq!(seq.map(|l| l.id()), Some(Id::new(1)));
    assert_eq!(g.summaries().record_count(&Shot::F.id).unwrap(), 2);
    // A group answers only for the field its level was grouped on.
    let e = g.value(&Shot::F.code).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Shot: this group's level is grouped on `sg_sequence` (exact); its value cannot be read as `code`"
    );
    // A typed result prints and clones (the entity markers have neither `Debug` nor `Clone`).
    let copy = r.clone();
    let printed = format!("{copy:?}");
    assert!(
        printed.starts_with("SummaryResult { totals: {"),
        "{printed}"
    );
    assert!(
        printed.contains(r#"grouped_on: "sg_sequence", name: "SEQ010""#),
        "{printed}"
    );

    let by_month = Shot::summarize()
        .count(&Shot::F.id)
        .group_by_date(
            &Shot::F.sg_first_delivery,
            DateGrouping::Month,
            Direction::Desc,
        )
        .send(&client)
        .unwrap();
    let names: Vec<&str> = by_month.groups().iter().map(|g| g.name()).collect();
    assert_eq!(names, ["2026-12", "2026-11", ""]);
    // A month bucket has a label, not a date value.
    let e = by_month.groups()[0]
        .value(&Shot::F.sg_first_delivery)
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("(read `name()` for a bucket's label)"),
        "{e}"
    );
}

#[test]
fn every_summary_and_grouping_type_on_the_kinds_it_fits() {
    use sg_runtime::typed::NumberGrouping;
    let server = demo_server();
    let client = server.client().unwrap();
    let r = Shot::summarize()
        .count(&Shot::F.code)
        .average(&Shot::F.sg_cut_out)
        .minimum(&Shot::F.sg_cut_in)
        .earliest(&Shot::F.sg_first_delivery)
        .checked(&Shot::F.sg_is_hero)
        // One aggregate per field, as on a site: this one replaces `checked`.
        .percentage(&Shot::F.sg_is_hero)
        .status_percentage(&Shot::F.sg_status_list, ShotSgStatusList::Fin)
        .send(&client)
        .unwrap();
    assert_eq!(
        last_params(&server, "summarize")["summaries"][5],
        json!({"field": "sg_status_list", "type": "status_percentage", "value": "fin"})
    );
    let t = r.totals();
    assert_eq!(t.count(&Shot::F.code).unwrap(), 4);
    assert_eq!(t.average(&Shot::F.sg_cut_out).unwrap(), Some(790.5));
    assert_eq!(t.minimum(&Shot::F.sg_cut_in).unwrap(), Some(1));
    assert_eq!(
        t.earliest(&Shot::F.sg_first_delivery).unwrap(),
        Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 15).unwrap())
    );
    assert!(matches!(
        t.checked(&Shot::F.sg_is_hero),
        Err(sg_runtime::Error::NotSummarized { .. })
    ));
    assert_eq!(t.percentage(&Shot::F.sg_is_hero).unwrap(), Some(0.0));
    assert_eq!(
        t.status_percentage(&Shot::F.sg_status_list).unwrap(),
        Some(50.0)
    );
    let r = Shot::summarize()
        .status_list(&Shot::F.sg_status_list)
        .send(&client)
        .unwrap();
    // Two statuses: `ip`, as a site's field summary says (one status would be that status).
    let together = r.totals().status_list(&Shot::F.sg_status_list).unwrap();
    assert_eq!(together.map(|s| s.to_string()), Some("ip".to_string()));
    let fin = Shot::summarize()
        .status_list(&Shot::F.sg_status_list)
        .filter(Shot::F.sg_status_list.is(ShotSgStatusList::Fin))
        .send(&client)
        .unwrap();
    assert_eq!(
        fin.totals()
            .status_list(&Shot::F.sg_status_list)
            .unwrap()
            .map(|s| s.to_string()),
        Some("fin".to_string())
    );

    let group_names = |s: sg_runtime::typed::Summarize<markers::Shot>| -> Vec<String> {
        s.record_count(&Shot::F.id)
            .send(&client)
            .unwrap()
            .groups()
            .iter()
            .map(|g| g.name().to_string())
            .collect()
    };
    assert_eq!(
        group_names(Shot::summarize().group_by_number(
            &Shot::F.sg_cut_out,
            NumberGrouping::Tens,
            Direction::Asc
        )),
        ["10", "1010", "1040", "1100"]
    );
    assert_eq!(
        group_names(Shot::summarize().group_by_number(
            &Shot::F.sg_cut_out,
            NumberGrouping::Thousands,
            Direction::Asc
        )),
        ["0", "1000"]
    );
    for (by, want) in [
        (DateGrouping::Quarter, ["2026-Q4", ""]),
        (DateGrouping::Year, ["2026", ""]),
    ] {
        let mut names = group_names(Shot::summarize().group_by_date(
            &Shot::F.sg_first_delivery,
            by,
            Direction::Desc,
        ));
        names.dedup();
        assert_eq!(names, want, "{by:?}");
    }
    for by in [
        DateGrouping::Day,
        DateGrouping::Week,
        DateGrouping::Clustered,
        DateGrouping::OneDay,
        DateGrouping::FiveDays,
    ] {
        let names = group_names(Shot::summarize().group_by_date(
            &Shot::F.sg_first_delivery,
            by,
            Direction::Asc,
        ));
        assert!(names.len() >= 2, "{by:?}: {names:?}");
    }
    assert_eq!(
        group_names(Shot::summarize().group_by_first_letter(&Shot::F.code, Direction::Asc)),
        ["O", "S"]
    );
    let tasks = Task::summarize()
        .record_count(&Task::F.id)
        .group_by_entity_type(&Task::F.entity, Direction::Asc)
        .send(&client)
        .unwrap();
    let names: Vec<&str> = tasks.groups().iter().map(|g| g.name()).collect();
    assert_eq!(names, ["Asset", "Shot"]);
}

#[test]
fn lazy_typed_iteration_and_first() {
    let server = demo_server();
    let client = server.client().unwrap();
    let mut it = Shot::find()
        .page_size(2)
        .sort(Shot::F.id.asc())
        .iter(&client)
        .unwrap();
    assert_eq!(it.next().unwrap().unwrap().id.get(), 1);
    let reads = server
        .requests()
        .iter()
        .filter(|r| r.method == "read")
        .count();
    assert_eq!(reads, 1);
    assert_eq!(it.count(), 3);
    assert!(Shot::find()
        .filter(Shot::F.code.is("nope"))
        .first(&client)
        .unwrap()
        .is_none());
    // The typed layer compiles down to the untyped query, which stays reachable.
    let q = Shot::find().filter(Shot::F.code.is("sh010")).to_query();
    assert_eq!(client.find_all(&q).unwrap().len(), 1);
    let raw = Shot::find()
        .filter(Condition::raw(sg_runtime::Filter::cond(
            "code",
            "ends_with",
            ["20"],
        )))
        .all(&client)
        .unwrap();
    assert_eq!(raw[0].code.as_deref(), Some("sh020"));
}

mod projections {
    use super::*;
    use sg_derive::Select;
    use sg_tests::demo;

    #[derive(Select, Debug, PartialEq)]
    #[sg(entity = demo::Shot)]
    struct ShotRow {
        id: i64,
        code: Option<String>,
        #[sg(field = "sg_status_list")]
        status: Option<demo::ShotSgStatusList>,
        #[sg(path = "sg_sequence.Sequence.code")]
        sequence: Option<String>,
        #[sg(path = "sg_sequence.Sequence.project.Project.name")]
        project_name: Option<String>,
    }

    #[derive(Select)]
    #[sg(entity = sg_tests::demo::Task)]
    struct Assignment {
        content: Option<String>,
        task_assignees: Vec<TargetRef<sg_tests::demo::markers::TaskTaskAssigneesTargets>>,
        #[sg(path = "entity.Shot.code")]
        shot: Option<String>,
    }

    #[test]
    fn projections_ask_for_their_fields_and_decode_deep_links() {
        let server = demo_server();
        let client = server.client().unwrap();
        let rows = ShotRow::find()
            .filter(demo::Shot::F.sg_sequence.is_not_null())
            .sort(demo::Shot::F.code.asc())
            .all(&client)
            .unwrap();
        assert_eq!(
            rows[0],
            ShotRow {
                id: 1,
                code: Some("sh010".into()),
                status: Some(demo::ShotSgStatusList::Ip),
                sequence: Some("SEQ010".into()),
                project_name: Some("Big Buck".into()),
            }
        );
        assert_eq!(rows.len(), 3);
        assert_eq!(
            last_params(&server, "read")["return_fields"],
            json!([
                "code",
                "sg_status_list",
                "sg_sequence.Sequence.code",
                "sg_sequence.Sequence.project.Project.name"
            ])
        );
        let a = Assignment::find()
            .filter(demo::Task::F.entity.type_is::<markers::Shot>())
            .all(&client)
            .unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].shot.as_deref(), Some("sh010"));
        assert_eq!(a[0].content.as_deref(), Some("Animation"));
        assert_eq!(a[0].task_assignees[0].raw_id(), 1);
    }
}

#[test]
fn keyed_creates_land_once_through_the_typed_api() {
    use sg_localsite::Fault;
    let server = demo_server();
    let client = server.client().unwrap();
    // The gateway answers 504 after the site made the shot: the key finds it.
    server.inject(Some("create"), Fault::StatusAfterHandling(504), 1);
    let shot = Shot::create()
        .set(Shot::F.code, "sh900")
        .idempotency_key(Shot::F.sg_uuid, "6f1c8e0a-sh900")
        .send(&client)
        .unwrap();
    assert_eq!(shot.get(&Shot::F.code).unwrap().as_deref(), Some("sh900"));
    assert_eq!(
        shot.get(&Shot::F.sg_uuid).unwrap().as_deref(),
        Some("6f1c8e0a-sh900")
    );
    let made = Shot::find()
        .filter(Shot::F.sg_uuid.is("6f1c8e0a-sh900"))
        .all(&client)
        .unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].id, shot.id());

    // In a batch: the key travels with the create, and is not sent to the site.
    let mut batch = Batch::new();
    batch.create(
        Version::create()
            .set(Version::F.code, "sh900_v001")
            .idempotency_key(Version::F.sg_uuid, "6f1c8e0a-v001"),
    );
    let second = batch.create(
        Version::create()
            .set(Version::F.code, "sh900_v002")
            .idempotency_key(Version::F.sg_uuid, "6f1c8e0a-v002"),
    );
    server.inject(Some("batch"), Fault::DropAfterHandling, 1);
    let results = batch.send(&client).unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results
            .get(&second)
            .unwrap()
            .get(&Version::F.code)
            .unwrap()
            .as_deref(),
        Some("sh900_v002")
    );
    let sent = last_params(&server, "batch");
    assert!(
        !sent.to_string().contains("idempotency"),
        "the key is the client's: {sent}"
    );
    assert_eq!(
        server
            .records("Version")
            .iter()
            .filter(|v| v["code"] == "sh900_v001")
            .count(),
        1
    );
}

#[test]
fn typed_uploads_into_file_fields_and_thumbnails_then_clear_the_image() {
    use sg_runtime::typed::Files;
    let server = demo_server();
    let client = server.client().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let movie = dir.join("sh010_v001.mov");
    std::fs::write(&movie, b"not really a movie").unwrap();
    let thumb = dir.join("sh010.png");
    std::fs::write(&thumb, b"png").unwrap();
    let shot = Shot::find()
        .filter(Shot::F.code.is("sh010"))
        .first(&client)
        .unwrap()
        .unwrap();
    let version = Version::create()
        .set(Version::F.code, "sh010_v001")
        .set(Version::F.entity, shot.link())
        .send(&client)
        .unwrap();
    let mut last = (0, 0);
    let att: Id<markers::Attachment> =
        Version::upload(version.id(), Version::F.sg_uploaded_movie, &movie)
            .display_name("Take 1")
            .tags("review")
            .progress(|done, total| last = (done, total))
            .send(&client)
            .unwrap();
    assert_eq!(last, (18, 18));
    let v = Version::find()
        .filter(Version::F.id.is(version.id()))
        .fields(Version::F.sg_uploaded_movie)
        .first(&client)
        .unwrap()
        .unwrap();
    let link = v.get(&Version::F.sg_uploaded_movie).unwrap().unwrap();
    assert_eq!(link.name.as_deref(), Some("Take 1"));
    // Downloads take the typed forms: the Attachment's id, its link, the field's FileLink.
    for bytes in [
        client.download_attachment(att).unwrap(),
        client.download_attachment(att.link()).unwrap(),
        client.download_attachment(&link).unwrap(),
    ] {
        assert_eq!(bytes, b"not really a movie");
    }
    let attachment = Attachment::find()
        .filter(Attachment::F.id.is(att))
        .fields(Attachment::F.this_file)
        .first(&client)
        .unwrap()
        .unwrap();
    let file = attachment.require(&Attachment::F.this_file).unwrap();
    assert_eq!(file.name.as_deref(), Some("Take 1"));

    let thumb_id: Id<markers::Attachment> =
        Shot::upload_thumbnail(&client, shot.id, &thumb).unwrap();
    // Shared with another shot, typed at both ends.
    let other = Shot::find()
        .filter(Shot::F.code.is("sh020"))
        .first(&client)
        .unwrap()
        .unwrap();
    assert!(other.image.is_none());
    let shared: Option<Id<markers::Attachment>> =
        Shot::share_thumbnail(&client, shot.id, [other.link()]).unwrap();
    assert!(shared.is_some(), "the shared thumbnail's attachment");
    let other_image = Shot::find()
        .filter(Shot::F.id.is(other.id))
        .fields(Shot::F.image)
        .first(&client)
        .unwrap()
        .unwrap()
        .get(&Shot::F.image)
        .unwrap();
    assert!(other_image.is_some(), "sh020 has the thumbnail now");
    assert!(thumb_id.get() > 0);
    let with_image = Shot::find()
        .filter(Shot::F.id.is(shot.id))
        .fields([ShotField::Image])
        .first(&client)
        .unwrap()
        .unwrap();
    let image = with_image.get(&Shot::F.image).unwrap();
    assert!(
        matches!(&image, Some(sg_runtime::Image::Url(u)) if u.contains("/file_serve/attachment/")),
        "{image:?}"
    );
    // The schema says `image` is editable: it can be cleared.
    Shot::update(shot.id)
        .clear(Shot::F.image)
        .send(&client)
        .unwrap();
    let cleared = Shot::find()
        .filter(Shot::F.id.is(shot.id))
        .fields([ShotField::Image])
        .first(&client)
        .unwrap()
        .unwrap();
    assert_eq!(cleared.get(&Shot::F.image).unwrap(), None);
}

#[test]
fn a_note_thread_decodes_into_the_bindings_structs() {
    use sg_runtime::typed::{note_thread, ThreadItem};
    use sg_tests::demo::{Attachment, Note, Reply};
    let server = demo_server();
    let client = server.client().unwrap();
    let note = Note::create()
        .set(Note::F.subject, "Timing")
        .set(Note::F.content, "Hold two frames longer")
        .send(&client)
        .unwrap();
    Reply::create()
        .set(Reply::F.content, "Done in v002")
        .set(Reply::F.entity, note.link())
        .send(&client)
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("frames.txt"), b"1001-1010").unwrap();
    client
        .upload(
            "Note",
            note.id().get(),
            dir.join("frames.txt"),
            &Default::default(),
        )
        .unwrap();
    let thread = note_thread::<Note, Reply, Attachment>(&client, note.id()).unwrap();
    assert_eq!(thread.len(), 3);
    let ThreadItem::Note(n) = &thread[0] else {
        panic!("{:?}", thread[0])
    };
    assert_eq!(n.subject.as_deref(), Some("Timing"));
    assert!(
        n.created_at.is_some(),
        "the thread's date-time form decodes"
    );
    assert!(thread.iter().any(
        |t| matches!(t, ThreadItem::Reply(r) if r.content.as_deref() == Some("Done in v002"))
    ));
    assert!(thread.iter().any(
        |t| matches!(t, ThreadItem::Attachment(a) if a.filename.as_deref() == Some("frames.txt"))
    ));

    // A projection reads only its fields.
    #[derive(sg_derive::Select)]
    #[sg(entity = sg_tests::demo::Reply)]
    struct ReplyText {
        content: Option<String>,
    }
    let thread = note_thread::<Note, ReplyText, Attachment>(&client, note.id()).unwrap();
    let replies: Vec<&str> = thread
        .iter()
        .filter_map(|t| match t {
            ThreadItem::Reply(r) => r.content.as_deref(),
            _ => None,
        })
        .collect();
    assert_eq!(replies, ["Done in v002"]);
    let asked = last_params(&server, "note_thread_contents");
    assert_eq!(
        asked["entity_fields"]["Reply"],
        json!(["content"]),
        "{asked}"
    );
}

#[test]
fn any_integer_sets_number_measure_and_float_fields() {
    let server = demo_server();
    let client = server.client().unwrap();
    let takes: Vec<&str> = vec!["a", "b", "c"];
    let shot = Shot::create()
        .set(Shot::F.code, "sh901")
        // A `usize` from `len()`, a `u64`, and whole numbers for float and currency fields.
        .set(Shot::F.sg_cut_duration, takes.len())
        .set(Shot::F.sg_cut_in, 1001u64)
        .set(Shot::F.head_duration, 8isize)
        .set(Shot::F.sg_frame_rate, 24i64)
        .set(Shot::F.sg_bid_cost, 1250usize)
        .send(&client)
        .unwrap();
    let back = Shot::find()
        .filter(Shot::F.id.is(shot.id()))
        .filter(Shot::F.sg_cut_duration.is(takes.len()))
        .first(&client)
        .unwrap()
        .unwrap();
    assert_eq!(back.sg_cut_duration, Some(3));
    assert_eq!(back.sg_cut_in, Some(1001));
    assert_eq!(back.sg_frame_rate, Some(24.0));
    assert_eq!(back.sg_bid_cost, Some(1250.0));
}

#[test]
fn ids_existence_and_counts_read_no_field_but_id() {
    let server = demo_server();
    let client = server.client().unwrap();
    let in_sequence = Shot::find().filter(Shot::F.sg_sequence.is(Id::<markers::Sequence>::new(1)));

    let ids = in_sequence
        .clone()
        .sort(Shot::F.code.desc())
        .ids(&client)
        .unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(last_params(&server, "read")["return_fields"], json!(["id"]));
    let whole = in_sequence
        .clone()
        .sort(Shot::F.code.desc())
        .all(&client)
        .unwrap();
    assert_eq!(ids, whole.iter().map(|s| s.id).collect::<Vec<_>>());

    assert!(in_sequence.exists(&client).unwrap());
    let asked = last_params(&server, "read");
    assert_eq!(asked["return_fields"], json!(["id"]));
    assert_eq!(asked["paging"]["entities_per_page"], 1);
    assert!(!Shot::find()
        .filter(Shot::F.code.is("no such shot"))
        .exists(&client)
        .unwrap());

    // A count is one summarize, not a read of the records.
    server.clear_requests();
    assert_eq!(in_sequence.count(&client).unwrap(), 2);
    let methods: Vec<String> = server.requests().into_iter().map(|r| r.method).collect();
    assert_eq!(methods, ["summarize"]);
    assert_eq!(
        last_params(&server, "summarize")["summaries"],
        json!([{"field": "id", "type": "record_count"}])
    );
    assert_eq!(
        Shot::find().count(&client).unwrap(),
        Shot::find().all(&client).unwrap().len()
    );
    // With a limit, which a summarize cannot take, the ids are counted.
    assert_eq!(Shot::find().limit(1).count(&client).unwrap(), 1);
    assert_eq!(last_params(&server, "read")["return_fields"], json!(["id"]));
}

#[test]
fn following_and_text_search_are_typed() {
    use sg_runtime::typed::{follow, followers, following, text_search, unfollow};
    use sg_tests::demo::HumanUser;
    let server = demo_server();
    let client = server.client().unwrap();
    let ann: Id<markers::HumanUser> = Id::new(1);
    let sh010 = Shot::find()
        .filter(Shot::F.code.is("sh010"))
        .first(&client)
        .unwrap()
        .unwrap();
    let seq = sh010.sg_sequence.clone().unwrap();
    // The user first, a HumanUser id; the record followed, any link.
    assert!(follow(&client, ann, sh010.link()).unwrap());
    assert!(follow(&client, ann, &seq).unwrap());
    assert_eq!(
        sg_tests::sent(&server, "follow")[0],
        json!({"user": {"type": "HumanUser", "id": 1}, "entity": {"type": "Shot", "id": sh010.id.get()}})
    );
    let people = followers(&client, sh010.link()).unwrap();
    assert_eq!(
        people[0].link::<markers::HumanUser>().map(|l| l.id()),
        Some(ann)
    );
    assert_eq!(following(ann).send(&client).unwrap().len(), 2);
    let shots = following(ann).of::<markers::Shot>().send(&client).unwrap();
    assert_eq!(shots.len(), 1);
    assert_eq!(
        shots[0].link::<markers::Shot>().map(|l| l.id()),
        Some(sh010.id)
    );
    let in_project = following(ann)
        .in_project(Id::<markers::Project>::new(1))
        .send(&client)
        .unwrap();
    assert_eq!(in_project.len(), 2);
    assert!(unfollow(&client, ann, sh010.link()).unwrap());
    assert_eq!(followers(&client, sh010.link()).unwrap().len(), 0);
    let _ = HumanUser::F.login;

    // Text search: entity types as types, their filters as typed conditions.
    let found = text_search("sh0")
        .of::<markers::Shot>()
        .within(Sequence::F.code.is("SEQ010"))
        .limit(10)
        .send(&client)
        .unwrap();
    let names: Vec<&str> = found.iter().filter_map(|m| m.name()).collect();
    assert!(
        names.contains(&"sh010") && names.contains(&"sh020"),
        "{names:?}"
    );
    assert_eq!(
        sg_tests::sent(&server, "query_display_name_cache")[0]["entity_types"],
        json!({
            "Sequence": {"logical_operator": "and", "conditions": [
                {"path": "code", "relation": "is", "values": ["SEQ010"]}
            ]},
            "Shot": {"logical_operator": "and", "conditions": []}
        })
    );
    let none = text_search("sh010")
        .of::<markers::Shot>()
        .in_project(Id::<markers::Project>::new(99))
        .send(&client)
        .unwrap();
    assert!(none.is_empty());
}
