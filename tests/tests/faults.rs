//! Injected faults over real sockets: what the client retries, what it never sends twice.

use serde_json::{json, Map, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::{Client, Credentials, Error, Query, RetryPolicy};
use sg_tests::demo_server;
use sg_tests::SiteClient;
use std::time::Duration;

fn fields(code: &str) -> Map<String, Value> {
    json!({"code": code}).as_object().unwrap().clone()
}

fn count(server: &LocalSite, method: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == method)
        .count()
}

fn quick_client(server: &LocalSite, read_timeout: Duration) -> Client {
    server
        .client_builder()
        .read_timeout(read_timeout)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
        })
        .build()
        .unwrap()
}

/// The shots named `code` on the server.
fn landed(server: &LocalSite, code: &str) -> usize {
    server
        .records("Shot")
        .iter()
        .filter(|r| r["code"] == code)
        .count()
}

/// The cause inside a "may have been applied" error.
fn ambiguous_cause(e: Error) -> Error {
    match e {
        Error::MayHaveBeenApplied { cause, .. } => *cause,
        other => panic!("expected `may have been applied`, got {other:?}"),
    }
}

#[test]
fn gateway_errors_are_retried_for_reads_and_never_for_writes() {
    for status in [502, 503, 504] {
        let server = demo_server();
        let client = server.client().unwrap();
        server.inject(Some("read"), Fault::Status(status), 2);
        assert_eq!(
            client
                .find_all(&Query::new("Shot").page_size(100))
                .unwrap()
                .len(),
            4
        );
        assert_eq!(
            count(&server, "read"),
            3,
            "HTTP {status}: two faults, then success"
        );

        // A gateway may answer so before the site saw the create...
        server.inject(Some("create"), Fault::Status(status), 1);
        let e = client.create("Shot", &fields("before"), &[]).unwrap_err();
        assert!(e.to_string().contains("it may have been applied"), "{e}");
        assert!(
            matches!(ambiguous_cause(e), Error::Http { status: s, .. } if s == status),
            "HTTP {status}"
        );
        assert_eq!(count(&server, "create"), 1, "HTTP {status}: sent once");
        assert_eq!(landed(&server, "before"), 0);

        // ...or after the site applied it: the same answer, so never sent again.
        server.inject(Some("create"), Fault::StatusAfterHandling(status), 1);
        let e = client.create("Shot", &fields("after"), &[]).unwrap_err();
        assert!(e.may_have_been_applied(), "{e:?}");
        assert_eq!(count(&server, "create"), 2, "HTTP {status}: sent once");
        assert_eq!(landed(&server, "after"), 1, "HTTP {status}: applied once");

        for (method, status_fault) in [
            ("update", Fault::StatusAfterHandling(status)),
            ("batch", Fault::Status(status)),
        ] {
            server.inject(Some(method), status_fault, 1);
            let e = if method == "update" {
                client
                    .update(
                        "Shot",
                        1,
                        &[sg_runtime::FieldUpdate::set("description", "x")],
                    )
                    .unwrap_err()
            } else {
                client
                    .batch(&[sg_runtime::BatchRequest::Delete {
                        entity_type: "Shot".into(),
                        id: 2,
                    }])
                    .unwrap_err()
            };
            assert!(e.may_have_been_applied(), "{method} HTTP {status}: {e:?}");
            assert_eq!(
                count(&server, method),
                1,
                "{method} HTTP {status}: sent once"
            );
        }
    }
}

#[test]
fn an_unknown_outcome_says_what_was_sent_and_when() {
    let server = demo_server();
    let client = server.client().unwrap();
    let before = chrono::Utc::now();
    server.inject(Some("create"), Fault::StatusAfterHandling(504), 1);
    let e = client
        .create("Shot", &fields("reconcile_me"), &["description"])
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("create Shot: HTTP 504: ")
            && text.contains("the request was handled; it may have been applied (sent at 20")
            && text.ends_with("; fields code): check the site before sending it again"),
        "{text}"
    );
    let Error::MayHaveBeenApplied {
        method,
        entity_type,
        params,
        sent_at,
        ..
    } = e
    else {
        unreachable!()
    };
    assert_eq!(
        (method.as_str(), entity_type.as_deref()),
        ("create", Some("Shot"))
    );
    assert_eq!(
        params,
        json!({"type": "Shot", "fields": [{"field_name": "code", "value": "reconcile_me"}],
               "return_fields": ["description"]}),
        "the params as sent, without the credentials"
    );
    assert!(sent_at >= before && sent_at <= chrono::Utc::now());
}

#[test]
fn redirects_to_a_write_are_not_followed_nor_sent_again() {
    let server = demo_server();
    let client = server.client().unwrap();
    server.inject(
        Some("create"),
        Fault::Raw(
            b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n".to_vec(),
        ),
        1,
    );
    let e = client.create("Shot", &fields("moved"), &[]).unwrap_err();
    assert!(matches!(e, Error::Redirect { status: 302, .. }), "{e:?}");
    assert_eq!(count(&server, "create"), 1);
    assert_eq!(landed(&server, "moved"), 0);
}

#[test]
fn retries_stop_after_the_policy_limit() {
    let server = demo_server();
    let client = server.client().unwrap();
    server.inject(None, Fault::Status(503), 3);
    let e = client.schema_read(None).unwrap_err();
    assert!(matches!(e, Error::Http { status: 503, .. }), "{e:?}");
    assert!(e.to_string().contains("maintenance"), "{e}");
    assert_eq!(count(&server, "schema_read"), 3);

    server.inject(None, Fault::Status(500), 1);
    let e = client.schema_read(None).unwrap_err();
    assert!(
        matches!(e, Error::Http { status: 500, .. }),
        "500 is not retried: {e:?}"
    );
    assert_eq!(count(&server, "schema_read"), 4);
}

#[test]
fn dropped_connections_retry_reads_only() {
    let server = demo_server();
    let client = server.client().unwrap();
    server.inject(Some("read"), Fault::DropBeforeHandling, 1);
    assert_eq!(
        client
            .find_all(&Query::new("Shot").page_size(100))
            .unwrap()
            .len(),
        4
    );
    assert_eq!(count(&server, "read"), 2);

    server.inject(Some("create"), Fault::DropBeforeHandling, 1);
    let e = client.create("Shot", &fields("dropped"), &[]).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("create Shot: connection failed after the request was sent"),
        "{e}"
    );
    assert!(e.to_string().contains("it may have been applied"), "{e}");
    let cause = ambiguous_cause(e);
    assert!(
        matches!(cause, Error::Connection { sent: true, .. }),
        "{cause:?}"
    );
    assert_eq!(count(&server, "create"), 1, "a create is never sent twice");
    assert!(server
        .records("Shot")
        .iter()
        .all(|r| r["code"] != "dropped"));

    server.inject(Some("update"), Fault::DropAfterHandling, 1);
    let e = client
        .update(
            "Shot",
            1,
            &[sg_runtime::FieldUpdate::set("description", "made")],
        )
        .unwrap_err();
    assert!(
        matches!(ambiguous_cause(e), Error::Connection { sent: true, .. }),
        "update"
    );
    assert_eq!(count(&server, "update"), 1);
    assert_eq!(
        server.records("Shot")[0]["description"],
        "made",
        "the server did the work"
    );
}

#[test]
fn timeouts_retry_reads_and_not_writes() {
    let server = demo_server();
    let client = quick_client(&server, Duration::from_millis(300));
    server.inject(Some("read"), Fault::Delay(Duration::from_millis(900)), 1);
    assert_eq!(
        client
            .find_all(&Query::new("Shot").page_size(100))
            .unwrap()
            .len(),
        4
    );
    assert_eq!(count(&server, "read"), 2);

    server.inject(Some("create"), Fault::Delay(Duration::from_millis(900)), 1);
    let e = client.create("Shot", &fields("slow"), &[]).unwrap_err();
    assert!(matches!(ambiguous_cause(e), Error::Timeout { .. }));
    assert_eq!(count(&server, "create"), 1);
    std::thread::sleep(Duration::from_millis(900));
    let made = server
        .records("Shot")
        .iter()
        .filter(|r| r["code"] == "slow")
        .count();
    assert_eq!(
        made, 1,
        "the slow create landed once, and was not sent again"
    );
}

#[test]
fn refused_connections_are_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = Client::builder(format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::script("s", "some-long-key"))
        .retry_policy(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(5),
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
        })
        .build()
        .unwrap();
    let e = client.create("Shot", &fields("x"), &[]).unwrap_err();
    assert!(matches!(e, Error::Connection { sent: false, .. }), "{e:?}");
}

#[test]
fn malformed_answers_are_errors_not_panics() {
    let server = demo_server();
    let client = server.client().unwrap();
    for (body, expect) in [
        ("<html>oops</html>", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ("{\"answer\": 42}", "no `results`"),
        ("{\"results\": {\"entities\": 3}}", "at `entities`"),
    ] {
        server.inject(Some("read"), Fault::Body(200, body.into()), 1);
        let e = client
            .find_all(&Query::new("Shot").page_size(10))
            .unwrap_err();
        assert!(matches!(e, Error::Malformed { .. }), "{body}: {e:?}");
        assert!(
            e.to_string().contains(expect) && e.to_string().contains("read Shot"),
            "{body}: {e}"
        );
    }
    server.inject(
        Some("schema_read"),
        Fault::Body(
            200,
            "{\"exception\": true, \"message\": \"boom\", \"error_code\": 99}".into(),
        ),
        1,
    );
    let e = client.schema_read(None).unwrap_err();
    assert_eq!(e.error_code(), Some(99));
    assert!(e.to_string().contains("boom"));

    // A write answered 200 with something that is not an envelope was probably applied.
    server.inject(
        Some("create"),
        Fault::Body(200, "<html>oops</html>".into()),
        1,
    );
    let e = client.create("Shot", &fields("garbled"), &[]).unwrap_err();
    assert!(matches!(ambiguous_cause(e), Error::Malformed { .. }));
    server.inject(
        Some("create"),
        Fault::Body(200, "{\"results\": 7}".into()),
        1,
    );
    let e = client.create("Shot", &fields("garbled"), &[]).unwrap_err();
    assert!(matches!(ambiguous_cause(e), Error::Malformed { .. }));
    assert_eq!(count(&server, "create"), 2, "neither was sent again");
}

/// A client whose keyed writes look for their key for `window`.
fn keyed_client(server: &LocalSite, timeout: Duration, window: Duration) -> Client {
    server
        .client_builder()
        .read_timeout(timeout)
        .reconcile_window(window)
        .build()
        .unwrap()
}

fn keyed(code: &str) -> Map<String, Value> {
    json!({"code": code, "sg_uuid": format!("uuid-{code}")})
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn a_keyed_create_lands_exactly_once_under_every_fault() {
    let server = demo_server();
    let client = keyed_client(
        &server,
        Duration::from_millis(200),
        Duration::from_millis(600),
    );
    let faults = [
        Fault::Status(503),
        Fault::StatusAfterHandling(502),
        Fault::StatusAfterHandling(504),
        Fault::DropBeforeHandling,
        Fault::DropAfterHandling,
        Fault::Delay(Duration::from_millis(400)),
        Fault::Body(200, "{\"results\": [".into()),
    ];
    for (i, fault) in faults.iter().enumerate() {
        let code = format!("keyed_{i}");
        server.clear_requests();
        server.inject(Some("create"), fault.clone(), 1);
        let shot = client
            .create_once("Shot", &keyed(&code), &["description"], "sg_uuid")
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(
            shot["code"],
            code.as_str(),
            "{fault:?}: the record found is answered"
        );
        assert!(
            shot["id"].as_i64().is_some() && shot.get("description").is_some(),
            "{fault:?}: {shot}"
        );
        assert_eq!(landed(&server, &code), 1, "{fault:?}");
        let applied_first = !matches!(
            fault,
            Fault::Status(503) | Fault::DropBeforeHandling | Fault::Body(..)
        );
        assert_eq!(
            count(&server, "create"),
            if applied_first { 1 } else { 2 },
            "{fault:?}: sent again only once the lookups showed it was not applied"
        );
    }

    // A record retired since it was created is found too, and not made again.
    let retired = client.create("Shot", &keyed("retired"), &[]).unwrap();
    client
        .delete("Shot", retired["id"].as_i64().unwrap())
        .unwrap();
    server.inject(Some("create"), Fault::StatusAfterHandling(504), 1);
    let e = client.create_once("Shot", &keyed("retired"), &[], "sg_uuid");
    assert_eq!(
        server
            .records("Shot")
            .iter()
            .filter(|r| r["code"] == "retired")
            .count(),
        2,
        "the second one was applied by the faulted create: {e:?}"
    );
}

#[test]
fn a_keyed_create_that_never_lands_says_so() {
    let server = demo_server();
    let client = keyed_client(
        &server,
        Duration::from_millis(200),
        Duration::from_millis(50),
    );
    server.inject(Some("create"), Fault::DropBeforeHandling, 3);
    let e = client
        .create_once("Shot", &keyed("never"), &[], "sg_uuid")
        .unwrap_err();
    assert!(matches!(&e, Error::NotApplied { tries: 3, .. }), "{e:?}");
    assert!(e.to_string().contains("not applied after 3 tries"), "{e}");
    assert_eq!(landed(&server, "never"), 0);

    // A key that is not among the fields, or not text, is refused before anything is sent.
    server.clear_requests();
    for (fields, why) in [
        (fields("x"), "not among the fields set"),
        (
            json!({"code": "x", "sg_uuid": ""})
                .as_object()
                .unwrap()
                .clone(),
            "non-empty text",
        ),
    ] {
        let e = client
            .create_once("Shot", &fields, &[], "sg_uuid")
            .unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_keyed_batch_lands_exactly_once() {
    use sg_runtime::BatchRequest;
    let server = demo_server();
    let client = keyed_client(
        &server,
        Duration::from_millis(200),
        Duration::from_millis(600),
    );
    let batch = |tag: &str| -> Vec<BatchRequest> {
        let mut r: Vec<BatchRequest> = (0..2)
            .map(|i| BatchRequest::Create {
                entity_type: "Shot".into(),
                fields: keyed(&format!("{tag}_{i}")),
                return_fields: vec![],
                idempotency_key: Some("sg_uuid".into()),
            })
            .collect();
        r.push(BatchRequest::Update {
            entity_type: "Shot".into(),
            id: 1,
            fields: vec![sg_runtime::FieldUpdate::set("description", tag)],
        });
        r
    };
    for (i, fault) in [
        Fault::StatusAfterHandling(504),
        Fault::DropBeforeHandling,
        Fault::Delay(Duration::from_millis(400)),
    ]
    .into_iter()
    .enumerate()
    {
        let tag = format!("b{i}");
        server.inject(Some("batch"), fault.clone(), 1);
        let results = client
            .batch(&batch(&tag))
            .unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert_eq!(results.len(), 3);
        assert_eq!(results[0]["code"], format!("{tag}_0").as_str(), "{fault:?}");
        assert_eq!(
            results[2]["description"],
            tag.as_str(),
            "{fault:?}: the update read back"
        );
        for j in 0..2 {
            assert_eq!(landed(&server, &format!("{tag}_{j}")), 1, "{fault:?}");
        }
    }
    // Applied, answered 502; its keys found; its update's read-back answered 503 on every
    // try: the batch landed, and says so (never an error that invites sending it again).
    server.inject(Some("batch"), Fault::StatusAfterHandling(502), 1);
    server.inject(Some("read"), Fault::Delay(Duration::ZERO), 2); // the two key lookups pass
    server.inject(Some("read"), Fault::Status(503), 3);
    let results = client
        .batch(&batch("rb"))
        .expect("a batch that landed is not an error");
    assert_eq!(server.faults_pending(), 0, "each fault met its request");
    assert_eq!(results[0]["code"], "rb_0");
    assert_eq!(results[2]["id"], 1);
    assert!(
        results[2]["read_back_error"]
            .as_str()
            .is_some_and(|e| e.contains("503")),
        "{}",
        results[2]
    );
    for j in 0..2 {
        assert_eq!(landed(&server, &format!("rb_{j}")), 1, "landed once");
    }
    // Keys on some creates of a batch and not others are refused.
    let mut mixed = batch("mixed");
    if let BatchRequest::Create {
        idempotency_key, ..
    } = &mut mixed[1]
    {
        *idempotency_key = None;
    }
    let e = client.batch(&mixed).unwrap_err();
    assert!(
        e.to_string()
            .contains("give every create of the batch a key"),
        "{e}"
    );
}

#[test]
fn a_seeded_storm_duplicates_nothing_and_loses_nothing_keyed() {
    use sg_tests::storm::{run, StormPlan};
    let plan = StormPlan {
        seed: 7,
        rate: 0.35,
        timeout: Duration::from_millis(100),
        keyed_creates: 120,
        plain_creates: 120,
        updates: 50,
        batches: 25,
        bulk_creates: 200,
        finds: 80,
    };
    let report = run(&plan);
    eprintln!("{report}");
    assert!(report.faults_played > 100, "the storm blew: {report}");
    let k = &report.keyed_creates;
    assert_eq!((k.duplicated, k.lost), (0, 0), "keyed creates: {report}");
    assert_eq!(
        k.ok, k.total,
        "every keyed create answered Ok: {:?}",
        report.errors
    );
    let p = &report.plain_creates;
    assert_eq!(p.duplicated, 0, "plain creates: {report}");
    assert_eq!(p.lost_silently, 0, "{report}");
    assert!(
        p.reported_ambiguous > 0,
        "some were ambiguous, and said so: {report}"
    );
    assert_eq!(p.other_errors, 0, "{:?}", report.errors);
    assert_eq!(report.updates.duplicated, 0, "{report}");
    assert_eq!(report.updates.lost_silently, 0, "{report}");
    let b = &report.batches;
    assert_eq!(
        (b.duplicated, b.lost, b.ok),
        (0, 0, b.total),
        "batches: {report}"
    );
    let b = &report.bulk_creates;
    assert_eq!(
        (b.duplicated, b.lost, b.ok),
        (0, 0, b.total),
        "bulk creates: {report}"
    );
    // A find may fail when every try of one page is faulted; it never answers wrong records.
    assert_eq!(report.wrong_finds, 0, "finds: {report}");
    // No write was answered with another request's answer (a second answer behind the first).
    for c in [
        &report.keyed_creates,
        &report.plain_creates,
        &report.updates,
        &report.batches,
        &report.bulk_creates,
    ] {
        assert_eq!(c.told_wrong, 0, "told wrong: {report}");
    }
}

/// A 429 or 503 with `Retry-After` pauses the whole client (its clones, on every thread), not
/// only the request that got it; the throttled read is tried again after the pause, alone.
#[test]
fn a_site_that_asks_to_wait_pauses_the_whole_client() {
    for status in [429, 503] {
        let server = demo_server();
        let client = server.client().unwrap();
        client.page_size().unwrap();
        assert_eq!(client.paused_for(), None);
        server.inject(Some("read"), Fault::Throttle(status, 2), 1);
        let other = client.clone();
        let throttled =
            std::thread::spawn(move || other.find_all(&Query::new("Shot")).map(|r| r.len()));
        // Once the site has asked for its pause, a request of another thread waits it out.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let (asked_at, left) = loop {
            let now = std::time::Instant::now();
            if let Some(left) = client.paused_for() {
                break (now, left);
            }
            assert!(now < deadline, "{status}: the pause was never set");
            std::thread::sleep(Duration::from_millis(1));
        };
        assert!(left <= Duration::from_secs(2), "{left:?}");
        let projects = client.find_all(&Query::new("Project")).unwrap();
        assert!(!projects.is_empty());
        assert!(
            asked_at.elapsed() >= left,
            "{status}: a request sent during the pause waited {:?} of {left:?}",
            asked_at.elapsed()
        );
        assert_eq!(throttled.join().unwrap().unwrap(), 4, "{status}");
        assert_eq!(
            count(&server, "read"),
            3,
            "{status}: the throttled read once more"
        );
        assert_eq!(client.paused_for(), None);
    }
}

#[test]
fn a_long_retry_after_is_bounded_by_the_policy_and_named_in_the_error() {
    let server = demo_server();
    let client = server
        .client_builder()
        .retry_policy(sg_runtime::RetryPolicy {
            max_pause: Duration::from_millis(300),
            ..sg_runtime::RetryPolicy::default()
        })
        .build()
        .unwrap();
    client.page_size().unwrap();
    // A write told to wait 600 s: not sent again, and the error says how long the client waits.
    server.inject(Some("create"), Fault::Throttle(503, 600), 1);
    let e = client
        .create("Shot", &fields("told_to_wait"), &[])
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("waits 1 s") || text.contains("waits 0.3"),
        "{text}"
    );
    assert!(text.contains("max_pause"), "{text}");
    let left = client.paused_for().expect("the client pauses");
    assert!(
        left <= Duration::from_millis(300),
        "cut to max_pause: {left:?}"
    );
    // A read told the same three times gives up after two bounded pauses, not 20 minutes.
    server.inject(Some("read"), Fault::Throttle(503, 600), 3);
    let started = std::time::Instant::now();
    let e = client.find_all(&Query::new("Shot")).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().contains("503"), "{e}");
    assert_eq!(server.faults_pending(), 0);
}
