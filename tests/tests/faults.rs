//! Injected faults over real sockets: what the client retries, what it never sends twice.

use serde_json::{json, Map, Value};
use sg_runtime::mock::{Fault, MockServer};
use sg_runtime::{Client, Credentials, Error, Query, RetryPolicy};
use sg_tests::demo_server;
use std::time::Duration;

fn fields(code: &str) -> Map<String, Value> {
    json!({"code": code}).as_object().unwrap().clone()
}

fn count(server: &MockServer, method: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == method)
        .count()
}

fn quick_client(server: &MockServer, read_timeout: Duration) -> Client {
    Client::builder(server.url())
        .credentials(Credentials::script(
            sg_runtime::mock::SCRIPT_NAME,
            sg_runtime::mock::SCRIPT_KEY,
        ))
        .read_timeout(read_timeout)
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            jitter: false,
        })
        .build()
        .unwrap()
}

#[test]
fn gateway_errors_are_retried_for_every_method() {
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

        server.inject(Some("create"), Fault::Status(status), 1);
        client.create("Shot", &fields("retry_me"), &[]).unwrap();
        assert_eq!(count(&server, "create"), 2);
        let made = server
            .records("Shot")
            .iter()
            .filter(|r| r["code"] == "retry_me")
            .count();
        assert_eq!(
            made, 1,
            "a gateway answer means the request was not handled"
        );
    }
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
    assert!(matches!(e, Error::Connection { sent: true, .. }), "{e:?}");
    assert!(e.to_string().contains("create Shot"), "{e}");
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
    assert!(matches!(e, Error::Connection { sent: true, .. }), "{e:?}");
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
    assert!(matches!(e, Error::Timeout { .. }), "{e:?}");
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
        ("{\"results\": {\"entities\": 3}}", "no `entities`"),
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
}

#[test]
fn a_storm_of_faults_during_creates_leaves_each_entity_exactly_once() {
    let server = demo_server();
    let client = quick_client(&server, Duration::from_millis(250));
    let storm = [
        Fault::Status(502),
        Fault::DropAfterHandling,
        Fault::Status(503),
        Fault::DropBeforeHandling,
        Fault::Status(504),
        Fault::Delay(Duration::from_millis(400)),
    ];
    let n = 60;
    for i in 0..n {
        if i % 2 == 0 {
            server.inject(Some("create"), storm[(i / 2) % storm.len()].clone(), 1);
        }
    }
    let codes: Vec<String> = (0..n).map(|i| format!("storm_{i:03}")).collect();
    let mut unsure = Vec::new();
    for code in &codes {
        match client.create("Shot", &fields(code), &[]) {
            Ok(_) => {}
            Err(Error::Connection { sent: true, .. } | Error::Timeout { .. }) => {
                unsure.push(code.clone())
            }
            Err(e) => panic!("{code}: {e}"),
        }
    }
    assert!(!unsure.is_empty(), "the storm made some creates uncertain");
    std::thread::sleep(Duration::from_millis(500)); // let delayed creates land
    let per_code = |code: &str| {
        server
            .records("Shot")
            .iter()
            .filter(|r| r["code"] == code)
            .count()
    };
    for code in &codes {
        assert!(per_code(code) <= 1, "{code} was created twice");
    }
    // What a careful caller does after an uncertain write: look, then create only if missing.
    server.clear_faults();
    for code in &unsure {
        let q = Query::new("Shot").filter(sg_runtime::Filter::cond("code", "is", [code.as_str()]));
        if client.find_one(&q).unwrap().is_none() {
            client.create("Shot", &fields(code), &[]).unwrap();
        }
    }
    for code in &codes {
        assert_eq!(per_code(code), 1, "{code}");
    }
}
