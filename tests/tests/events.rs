//! The event log the local server writes, and the event stream that reads it: in order,
//! checkpointed, late ids delivered, lost ones counted, filters that do not look like gaps.

use serde_json::json;
use sg_localsite::{Fault, LocalSite};
use sg_runtime::events::{Checkpoint, Event, EventStream, Start};
use sg_runtime::schema::Schema;
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::EventMeta;
use sg_tests::demo::{EventLogEntry, Playlist, Shot, ShotSgStatusList, Version};
use sg_tests::demo_server;
use sg_tests::SiteClient;
use std::time::Duration;

fn events(server: &LocalSite) -> Vec<EventLogEntry> {
    let client = server.client().unwrap();
    EventLogEntry::find()
        .sort(EventLogEntry::F.id.asc())
        .all(&client)
        .unwrap()
}

#[test]
fn the_local_server_writes_the_event_log_as_a_site_does() {
    let server = demo_server();
    let client = server.client().unwrap();
    let shot = Shot::create()
        .set(Shot::F.code, "sh900")
        .send(&client)
        .unwrap();
    Shot::update(shot.id())
        .set(Shot::F.sg_status_list, ShotSgStatusList::Fin)
        .send(&client)
        .unwrap();
    let v = Version::create()
        .set(Version::F.code, "sh900_v001")
        .send(&client)
        .unwrap();
    let playlist = Playlist::create()
        .set(Playlist::F.code, "dailies")
        .send(&client)
        .unwrap();
    Playlist::update(playlist.id())
        .add(Playlist::F.versions, [v.id()])
        .send(&client)
        .unwrap();
    assert!(Shot::delete(&client, shot.id()).unwrap());
    assert!(Shot::revive(&client, shot.id()).unwrap());

    let log = events(&server);
    let kinds: Vec<&str> = log
        .iter()
        .map(|e| e.event_type.as_deref().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Shotgun_Shot_New",
            "Shotgun_Shot_Change",
            "Shotgun_Shot_Change",
            "Shotgun_Version_New",
            "Shotgun_Version_Change",
            "Shotgun_Playlist_New",
            "Shotgun_Playlist_Change",
            "Shotgun_Playlist_Change",
            "Shotgun_Shot_Retirement",
            "Shotgun_Shot_Revival"
        ]
    );
    let status = log[2].meta.clone().unwrap();
    let EventMeta::AttributeChange {
        attribute_name,
        old_value,
        new_value,
        in_create,
        ..
    } = status
    else {
        panic!("{status:?}")
    };
    assert_eq!(attribute_name, "sg_status_list");
    assert_eq!((old_value, new_value), (json!("wtg"), json!("fin")));
    assert!(!in_create);
    let EventMeta::AttributeChange { added, removed, .. } = log[7].meta.clone().unwrap() else {
        panic!("{:?}", log[7].meta)
    };
    assert_eq!(added.len(), 1);
    assert_eq!(added[0].entity_type, "Version");
    assert!(removed.is_empty());
    assert!(matches!(
        log[8].meta,
        Some(EventMeta::Retirement { ref display_name, .. }) if display_name.as_deref() == Some("sh900")
    ));
    assert_eq!(
        log[0].entity.as_ref().map(|e| e.raw_id()),
        Some(shot.id().get())
    );
}

fn collect(stream: &mut EventStream) -> Vec<Event> {
    let mut got = Vec::new();
    stream
        .poll_once(&mut |e: &Event| {
            got.push(e.clone());
            Ok::<(), ()>(())
        })
        .unwrap()
        .unwrap();
    got
}

fn write_shots(client: &sg_runtime::Client, n: usize, prefix: &str) {
    for i in 0..n {
        Shot::create()
            .set(Shot::F.code, format!("{prefix}{i:03}"))
            .send(client)
            .unwrap();
    }
}

#[test]
fn the_stream_delivers_in_order_and_resumes_from_its_checkpoint() {
    let server = demo_server();
    let client = server.client().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = dir.join("checkpoint.json");
    let _ = std::fs::remove_file(&path);
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .checkpoint(&path)
        .open()
        .unwrap();
    write_shots(&client, 5, "a");
    let first = collect(&mut stream);
    let ids: Vec<i64> = first.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        (1..=10).collect::<Vec<_>>(),
        "a New and a Change per shot"
    );
    assert_eq!(stream.place().contiguous, 10);
    let saved = Checkpoint::load(&path).unwrap().unwrap();
    assert_eq!(saved.contiguous, 10);

    // A restart resumes after the checkpoint: nothing handled twice.
    write_shots(&client, 2, "b");
    let mut again = EventStream::builder(&client)
        .start(Start::After(0))
        .checkpoint(&path)
        .open()
        .unwrap();
    let ids: Vec<i64> = collect(&mut again).iter().map(|e| e.id).collect();
    assert_eq!(ids, [11, 12, 13, 14]);

    // A handler that fails leaves the event to be handed again.
    write_shots(&client, 1, "c");
    let mut calls = 0;
    let r = again
        .poll_once(&mut |_: &Event| {
            calls += 1;
            Err("the disk is full")
        })
        .unwrap();
    assert_eq!(r, Err("the disk is full"));
    assert_eq!(Checkpoint::load(&path).unwrap().unwrap().contiguous, 14);
    let ids: Vec<i64> = collect(&mut again).iter().map(|e| e.id).collect();
    assert_eq!(ids, [15, 16]);

    // From now: only what happens next.
    let mut now = EventStream::builder(&client)
        .start(Start::Now)
        .open()
        .unwrap();
    assert!(collect(&mut now).is_empty());
    write_shots(&client, 1, "d");
    assert_eq!(collect(&mut now).len(), 2);
}

#[test]
fn ids_committed_out_of_order_arrive_late_and_none_is_lost() {
    let server = LocalSite::builder(Schema::demo())
        .event_commits(3, 4)
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .gap_timeout(Duration::from_secs(30))
        .open()
        .unwrap();
    let mut delivered = Vec::new();
    for round in 0..6 {
        write_shots(&client, 4, &format!("r{round}_"));
        delivered.extend(collect(&mut stream).iter().map(|e| e.id));
    }
    server.commit_events();
    delivered.extend(collect(&mut stream).iter().map(|e| e.id));
    let total = events(&server).len() as i64;
    assert_eq!(total, 48);
    let mut sorted = delivered.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (1..=total).collect::<Vec<_>>(),
        "every event exactly once"
    );
    assert_ne!(sorted, delivered, "some arrived after later ids");
    assert_eq!(stream.lost(), 0);
    assert_eq!(stream.place().contiguous, total);
    assert!(stream.place().gaps.is_empty() && stream.place().handled.is_empty());
}

#[test]
fn an_id_that_never_commits_is_counted_lost_after_the_gap_timeout() {
    let server = LocalSite::builder(Schema::demo())
        .event_commits(2, 1000)
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .gap_timeout(Duration::from_millis(200))
        .open()
        .unwrap();
    write_shots(&client, 2, "x"); // events 1..=4; 2 and 4 held back
    let ids: Vec<i64> = collect(&mut stream).iter().map(|e| e.id).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(stream.place().contiguous, 1);
    assert_eq!(stream.place().gaps.iter().collect::<Vec<_>>(), [(2, 2)]);
    std::thread::sleep(Duration::from_millis(300));
    collect(&mut stream);
    assert_eq!(stream.lost(), 1, "#2 never came");
    assert_eq!(stream.place().contiguous, 3);
}

#[test]
fn site_side_filters_do_not_look_like_gaps() {
    let server = demo_server();
    let client = server.client().unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        // The typed form of `.event_types(["Shotgun_Shot_Change"]).attribute("sg_status_list")`.
        .changes_of(Shot::F.sg_status_list)
        .gap_timeout(Duration::from_secs(3600))
        .open()
        .unwrap();
    let shot = Shot::create()
        .set(Shot::F.code, "sh901")
        .send(&client)
        .unwrap();
    for s in [ShotSgStatusList::Ip, ShotSgStatusList::Fin] {
        Shot::update(shot.id())
            .set(Shot::F.sg_status_list, s)
            .set(Shot::F.description, "changed")
            .send(&client)
            .unwrap();
    }
    let got = collect(&mut stream);
    assert_eq!(got.len(), 2);
    assert!(got
        .iter()
        .all(|e| e.attribute_name.as_deref() == Some("sg_status_list")));
    assert_eq!(stream.lost(), 0);
    assert!(stream.place().gaps.is_empty(), "{:?}", stream.place());
    assert_eq!(
        stream.place().contiguous,
        got.last().unwrap().id,
        "the place moves past the other events"
    );
}

#[test]
fn entity_types_and_operations_come_from_the_bindings() {
    use sg_runtime::webhook::Operation;
    let server = demo_server();
    let client = server.client().unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .events_of::<sg_tests::demo::markers::Shot>(&[Operation::Create])
        .gap_timeout(Duration::from_secs(3600))
        .open()
        .unwrap();
    let shot = Shot::create()
        .set(Shot::F.code, "sh902")
        .send(&client)
        .unwrap();
    Shot::update(shot.id())
        .set(Shot::F.description, "changed")
        .send(&client)
        .unwrap();
    let got = collect(&mut stream);
    let types: Vec<&str> = got.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["Shotgun_Shot_New"]);
    let sent = sg_tests::last_params(&server, "read");
    assert!(
        sent.to_string().contains("Shotgun_Shot_New"),
        "filtered by the site: {sent}"
    );
}

#[test]
fn names_given_as_strings_that_name_nothing_are_warned_of() {
    let server = demo_server();
    let client = server.client().unwrap();
    let open = |types: &[&str], attribute: Option<&str>| {
        let mut b = EventStream::builder(&client)
            .start(Start::After(0))
            .event_types(types.iter().copied());
        if let Some(a) = attribute {
            b = b.attribute(a);
        }
        b.open().unwrap().warnings().to_vec()
    };
    let w = open(
        &[
            "Shotgun_Version_Chnage",
            "Shotgun_Shto_New",
            "Shotgun_User_Login",
            "Shotgun_Attachment_View",
        ],
        None,
    );
    assert_eq!(w.len(), 2, "{w:#?}");
    assert!(
        w[0].contains("Shotgun_Version_Chnage") && w[0].contains("`Shotgun_Version_Change`"),
        "{w:?}"
    );
    assert!(w[1].contains("no entity type `Shto`"), "{w:?}");
    let w = open(&["Shotgun_Version_Change"], Some("sg_stauts_list"));
    assert_eq!(w.len(), 1, "{w:#?}");
    assert!(
        w[0].contains("`sg_stauts_list`") && w[0].contains("Version"),
        "{w:?}"
    );
    assert!(open(
        &["Shotgun_Version_Change", "Shotgun_Shot_New"],
        Some("sg_status_list")
    )
    .is_empty());
}

#[test]
fn an_outage_pauses_the_stream_and_keeps_its_place() {
    let server = demo_server();
    let client = server
        .client_builder()
        .retry_policy(sg_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::After(0))
        .poll_interval(Duration::from_millis(20))
        .max_poll(Duration::from_millis(100))
        .open()
        .unwrap();
    write_shots(&client, 1, "o");
    server.inject(Some("read"), Fault::Status(503), 1);
    assert!(stream.poll_once(&mut |_: &Event| Ok::<(), ()>(())).is_err());
    assert_eq!(stream.place().contiguous, 0);
    assert_eq!(collect(&mut stream).len(), 2);

    // `run` rides out failures until told to stop.
    server.inject(Some("read"), Fault::Status(503), 2);
    write_shots(&client, 1, "p");
    let mut seen = 0;
    stream
        .run(
            |_| {
                seen += 1;
                Ok::<(), ()>(())
            },
            |s| s.delivered() >= 4,
        )
        .unwrap();
    assert_eq!(seen, 2);
}

#[test]
fn events_read_typed_by_the_bindings() {
    use sg_tests::demo::{markers, PlaylistField, ShotField};
    let server = demo_server();
    let client = server.client().unwrap();
    let mut stream = EventStream::builder(&client)
        .start(Start::Now)
        .open()
        .unwrap();
    let shot = Shot::create()
        .set(Shot::F.code, "sh950")
        .send(&client)
        .unwrap();
    Shot::update(shot.id())
        .set(Shot::F.sg_status_list, ShotSgStatusList::Ip)
        .set(Shot::F.sg_cut_in, 1001)
        .send(&client)
        .unwrap();
    let playlist = Playlist::create()
        .set(Playlist::F.code, "dailies")
        .send(&client)
        .unwrap();
    let version: sg_runtime::typed::Id<markers::Version> = Version::create()
        .set(Version::F.code, "sh950_v001")
        .send(&client)
        .unwrap()
        .id();
    Playlist::update(playlist.id())
        .add(Playlist::F.versions, [version])
        .send(&client)
        .unwrap();
    Shot::delete(&client, shot.id()).unwrap();
    let got = collect(&mut stream);

    assert_eq!(got[0].created::<Shot>(), Some(shot.id()));
    assert_eq!(got[0].created::<Playlist>(), None, "another entity type");
    let changes: Vec<_> = got.iter().filter_map(|e| e.change_of::<Shot>()).collect();
    let fields: Vec<ShotField> = changes.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        [ShotField::Code, ShotField::SgStatusList, ShotField::SgCutIn]
    );
    assert!(changes[0].in_create && !changes[1].in_create);
    // Typed by the field's handle: the status enum, an integer.
    assert_eq!(
        changes[1].values(&Shot::F.sg_status_list).unwrap().unwrap(),
        (Some(ShotSgStatusList::Wtg), Some(ShotSgStatusList::Ip))
    );
    assert_eq!(
        changes[2].values(&Shot::F.sg_cut_in).unwrap().unwrap(),
        (None, Some(1001))
    );
    assert!(changes[2].values(&Shot::F.code).is_none(), "another field");
    let versions = got
        .iter()
        .filter_map(|e| e.change_of::<Playlist>())
        .find(|c| c.field == PlaylistField::Versions)
        .unwrap();
    assert_eq!(versions.added.len(), 1);
    assert_eq!(got.last().unwrap().retired::<Shot>(), Some(shot.id()));

    // A field the bindings do not know (added on the site since) is not a typed change.
    let unknown = Event {
        meta: EventMeta::from_value(json!({"type": "attribute_change", "entity_type": "Shot",
            "entity_id": 1, "attribute_name": "sg_added_last_week", "old_value": null, "new_value": 3})),
        ..got[0].clone()
    };
    assert!(unknown.change_of::<Shot>().is_none());
    assert!(matches!(unknown.meta, EventMeta::AttributeChange { .. }));
}

/// A site that holds every second event back until `commit_events`, and a stream filtered by
/// event type (so that an id it does not read may be another event).
fn late_commits_and_a_filtered_stream() -> (LocalSite, sg_runtime::Client, EventStream) {
    let server = LocalSite::builder(Schema::demo())
        .event_commits(2, 1000)
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let stream = EventStream::builder(&client)
        .start(Start::After(0))
        .event_types(["Shotgun_Shot_New", "Shotgun_Shot_Change"])
        .gap_timeout(Duration::from_secs(3600))
        .open()
        .unwrap();
    (server, client, stream)
}

#[test]
fn a_late_event_the_handler_failed_on_is_handed_again_with_filters() {
    let (server, client, mut stream) = late_commits_and_a_filtered_stream();
    write_shots(&client, 2, "late"); // events 1..=4; 2 and 4 held back
    let first: Vec<i64> = collect(&mut stream).iter().map(|e| e.id).collect();
    assert_eq!(first, [1, 3]);
    server.commit_events();
    // The handler fails on #2, now committed: the poll stops there.
    let failed = stream
        .poll_once(&mut |e: &Event| if e.id == 2 { Err(()) } else { Ok(()) })
        .unwrap();
    assert_eq!(failed, Err(()));
    // The next poll hands #2 again, then #4; nothing is skipped as "another event".
    let again: Vec<i64> = collect(&mut stream).iter().map(|e| e.id).collect();
    assert_eq!(again, [2, 4]);
    assert_eq!(stream.lost(), 0);
    assert_eq!(stream.place().contiguous, 4);
}

/// With filters, an id the read did not return is asked about again: another event (the place
/// moves over it) or one of the stream's not committed yet (a gap). An event that commits
/// between the read and that question exists by then: taken for "another event", it was lost
/// (found by the event daemon's kill-and-restart test under load). The site is slowed so that
/// the commit lands between the two.
#[test]
fn an_event_committed_between_the_read_and_the_gap_check_is_not_lost() {
    let (server, client, mut stream) = late_commits_and_a_filtered_stream();
    write_shots(&client, 2, "race"); // events 1..=4; 2 and 4 held back
    let delay = Duration::from_millis(800);
    // The stream's read, then its question about #2, each waits `delay`; #2 commits in between.
    server.inject(Some("read"), Fault::Delay(delay), 2);
    let started = std::time::Instant::now();
    let first: Vec<i64> = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(delay + delay / 2);
            server.commit_events();
        });
        collect(&mut stream).iter().map(|e| e.id).collect()
    });
    assert!(
        started.elapsed() >= delay * 2,
        "the poll waited out both delays"
    );
    assert_eq!(first, [1, 3]);
    let rest: Vec<i64> = collect(&mut stream).iter().map(|e| e.id).collect();
    assert_eq!(
        rest,
        [2, 4],
        "#2 is handed, not passed over as another event"
    );
    assert_eq!(stream.lost(), 0);
    assert_eq!(stream.place().contiguous, 4);
}

/// A log as real ones are: ids from 2,000,000, then a jump of 10^7.
fn sparse_server() -> LocalSite {
    let event = |id: i64, t: &str| {
        json!({"id": id, "event_type": t, "entity": {"type": "Shot", "id": 1},
               "meta": {"type": "new_entity", "entity_type": "Shot", "entity_id": 1}})
    };
    let mut log: Vec<serde_json::Value> = (0..5)
        .map(|i| event(2_000_000 + i, "Shotgun_Shot_New"))
        .collect();
    log.push(event(2_000_005, "Shotgun_Asset_New"));
    log.extend((0..3).map(|i| event(12_000_010 + i, "Shotgun_Shot_New")));
    LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": [{"id": 1, "code": "sh001"}], "EventLogEntry": log}))
        .record_requests(true)
        .start()
        .unwrap()
}

#[test]
fn a_log_that_starts_at_two_million_and_jumps_by_ten_million_costs_a_few_requests_and_bytes() {
    for filtered in [false, true] {
        let server = sparse_server();
        let client = server.client().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("place.json");
        let mut b = EventStream::builder(&client)
            .start(Start::After(0))
            .gap_timeout(Duration::from_millis(300))
            .checkpoint(&path);
        if filtered {
            b = b.event_types(["Shotgun_Shot_New"]);
        }
        let mut stream = b.open().unwrap();
        server.clear_requests();
        let mut got = Vec::new();
        for _ in 0..3 {
            got.extend(collect(&mut stream).iter().map(|e| e.id));
        }
        let mut want: Vec<i64> = (2_000_000..2_000_005)
            .chain(12_000_010..12_000_013)
            .collect();
        if !filtered {
            want.insert(5, 2_000_005);
        }
        assert_eq!(got, want, "filtered: {filtered}");
        let requests = server.requests().len();
        let bytes = std::fs::metadata(&path).unwrap().len();
        println!("filtered {filtered}: 3 polls, {requests} requests, checkpoint {bytes} bytes, place {:?}", stream.place());
        // The client's first `info` (the page size); then each poll one read, and with filters
        // two more to tell the holes' other events from ids not committed yet (one request
        // each, whatever the holes' size).
        assert!(
            requests <= if filtered { 10 } else { 4 },
            "{requests} requests"
        );
        assert!(bytes < 300, "a checkpoint of {bytes} bytes");
        assert!(
            stream.place().gaps.range_count() <= 3,
            "{:?}",
            stream.place()
        );
        let largest = server
            .requests()
            .iter()
            .map(|r| r.params.as_ref().map_or(0, |p| p.to_string().len()))
            .max()
            .unwrap_or(0);
        assert!(
            largest < 2_000,
            "the largest request's params: {largest} bytes"
        );
        // The holes stay gaps until their timeout; then the place moves over them at once.
        std::thread::sleep(Duration::from_millis(400));
        collect(&mut stream);
        assert_eq!(
            stream.place().contiguous,
            12_000_012,
            "{:?}",
            stream.place()
        );
        assert_eq!(
            stream.lost(),
            1_999_999 + 10_000_004,
            "the ids of the holes"
        );
        assert!(std::fs::metadata(&path).unwrap().len() < 100);
    }
}

#[test]
fn corrupt_checkpoints_are_refused_naming_the_file_and_the_field() {
    let server = demo_server();
    let client = server.client().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("place.json");
    let huge = format!("{{\"contiguous\": \"{}\"}}", "x".repeat(10_000_000));
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "contiguous at the top of i64",
            r#"{"contiguous": 9223372036854775807, "handled": [], "gaps": []}"#.into(),
            Some("contiguous"),
        ),
        (
            "negative contiguous",
            r#"{"contiguous": -5, "handled": [], "gaps": []}"#.into(),
            Some("contiguous"),
        ),
        (
            "contiguous a string",
            r#"{"contiguous": "12"}"#.into(),
            Some("contiguous"),
        ),
        (
            "no contiguous",
            r#"{"handled": []}"#.into(),
            Some("contiguous"),
        ),
        (
            "handled behind contiguous",
            r#"{"contiguous": 10, "handled": [4]}"#.into(),
            Some("handled"),
        ),
        (
            "handled not a list",
            r#"{"contiguous": 10, "handled": 11}"#.into(),
            Some("handled"),
        ),
        (
            "a gap range backwards",
            r#"{"contiguous": 10, "gaps": [[20, 15]]}"#.into(),
            Some("gaps"),
        ),
        (
            "a gap range of three",
            r#"{"contiguous": 10, "gaps": [[20, 25, 30]]}"#.into(),
            Some("gaps"),
        ),
        (
            "a gap past the top",
            r#"{"contiguous": 10, "gaps": [[20, 9223372036854775807]]}"#.into(),
            Some("gaps"),
        ),
        (
            "handled and a gap",
            r#"{"contiguous": 10, "handled": [12], "gaps": [[11, 13]]}"#.into(),
            Some("handled"),
        ),
        ("not JSON", "<html>".into(), None),
        ("a list", "[1, 2]".into(), None),
        ("ten million characters", huge, Some("contiguous")),
    ];
    for (what, text, field) in cases {
        std::fs::write(&path, &text).unwrap();
        let e = match EventStream::builder(&client).checkpoint(&path).open() {
            Err(e) => e.to_string(),
            Ok(s) => panic!("{what}: opened at {:?}", s.place()),
        };
        assert!(e.contains(&path.display().to_string()), "{what}: {e}");
        if let Some(field) = field {
            assert!(e.contains(&format!("`{field}`")), "{what}: {e}");
        }
        assert!(e.len() < 300, "{what}: an error of {} characters", e.len());
        println!("{what}: {e}");
    }
    // The format before ranges (single ids) still opens.
    std::fs::write(
        &path,
        r#"{"contiguous": 10, "handled": [14], "gaps": [11, 12, 13]}"#,
    )
    .unwrap();
    let s = EventStream::builder(&client)
        .checkpoint(&path)
        .open()
        .unwrap();
    assert_eq!(s.place().gaps.iter().collect::<Vec<_>>(), [(11, 13)]);
    // A start no site has.
    let e = EventStream::builder(&client)
        .start(Start::After(-1))
        .open()
        .err()
        .unwrap();
    assert!(e.to_string().contains("-1"), "{e}");
}
