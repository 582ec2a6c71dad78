//! A request never reads another request's answer: a keep-alive connection whose answer did not
//! end cleanly (an error page capped or whole, an answer over the client's limit, a body cut
//! short, a body that does not decode, an answer that is not api3, a redirect) is closed, not
//! reused.
//!
//! Each fault is played on a connection already kept alive by an earlier request, with a stale
//! answer queued behind it on the wire (a server or proxy that miscounted a body). Then the same
//! client sends a second and a third request: each must get its own answer, on a new
//! connection. Without the client's rule (`Lease` in sg-runtime's transport.rs), the cases
//! whose body was read whole (the error page, the body that does not decode, the answer that is
//! not api3, the redirect) read the stale answer as the next request's.

use serde_json::{json, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Error, Filter, Query, RetryPolicy};
use sg_tests::SiteClient;
use std::time::Duration;

/// The answer a request must never get: a whole `read` answer naming a record that does not exist.
fn stale_answer() -> String {
    let body = json!({"results": {
        "entities": [{"type": "Shot", "id": 999_999, "code": "stale"}],
        "paging_info": {"entity_count": 1, "has_next_page": false}
    }})
    .to_string();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn answer(status: &str, headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The ends of an exchange that must close its connection, each as the bytes the server writes.
fn bad_ends() -> Vec<(&'static str, Fault)> {
    let stale = stale_answer();
    let keep = |bytes: String| Fault::RawKeepAlive(bytes.into_bytes());
    let long_page = format!("<html><body>{}</body></html>", "x".repeat(100 * 1024));
    vec![
        (
            "an error page longer than the client reads (64 KiB)",
            keep(answer("500 Internal Server Error", "Content-Type: text/html\r\n", &long_page) + &stale),
        ),
        (
            "an error page read whole",
            keep(answer("500 Internal Server Error", "Content-Type: text/html\r\n", "<p>oops</p>") + &stale),
        ),
        (
            "an answer over the client's limit",
            keep(answer("200 OK", "Content-Type: application/json\r\n", &format!("{{\"results\": \"{}\"}}", "y".repeat(300 * 1024))) + &stale),
        ),
        (
            "a body cut short (the rest never comes)",
            keep("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"results\": {\"entities\": [".to_string() + &stale),
        ),
        (
            "a body cut by a closed connection",
            Fault::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"results\": {\"en"
                    .to_vec(),
            ),
        ),
        (
            "a body that does not decode (gzip)",
            keep(answer("200 OK", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", "this is not gzip at all") + &stale),
        ),
        (
            "an answer that is not api3 JSON",
            keep(answer("200 OK", "Content-Type: application/json\r\n", "{\"half\": ") + &stale),
        ),
        (
            "a redirect with a body",
            keep(answer("302 Found", "Location: /elsewhere\r\nContent-Type: text/plain\r\n", "moved") + &stale),
        ),
    ]
}

fn server() -> LocalSite {
    LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": [{"code": "first"}, {"code": "second"}]}))
        .start()
        .unwrap()
}

/// One try per request (a retry would hide which answer went to which request), a short
/// deadline for the cut body, and a limit the oversized answer passes.
fn client(server: &LocalSite) -> Client {
    server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .read_timeout(Duration::from_millis(700))
        .max_response_bytes(256 * 1024)
        .build()
        .unwrap()
}

fn code_of(record: &Value) -> &str {
    record["code"].as_str().unwrap_or("(none)")
}

fn shot_named(client: &Client, code: &str) -> sg_runtime::Result<Option<Value>> {
    client.find_one(
        &Query::new("Shot")
            .filter(Filter::cond("code", "is", [code]))
            .fields(["code"]),
    )
}

#[test]
fn a_clean_answer_keeps_its_connection() {
    let server = server();
    let c = client(&server);
    assert_eq!(code_of(&shot_named(&c, "first").unwrap().unwrap()), "first");
    let before = server.connections_accepted();
    for _ in 0..3 {
        assert_eq!(
            code_of(&shot_named(&c, "second").unwrap().unwrap()),
            "second"
        );
    }
    // An api3 error is a clean answer too: the site refused the request, the connection is fine.
    let e = c
        .create("Shot", json!({"code": 1}).as_object().unwrap(), &[])
        .unwrap_err();
    assert!(matches!(e, Error::Server { .. }), "{e:?}");
    shot_named(&c, "first").unwrap();
    assert_eq!(
        server.connections_accepted(),
        before,
        "clean answers reuse the kept-alive connection"
    );
}

#[test]
fn a_connection_whose_answer_did_not_end_cleanly_is_never_reused() {
    let server = server();
    for (what, fault) in bad_ends() {
        let c = client(&server);
        // A kept-alive connection, then the fault on it.
        assert_eq!(code_of(&shot_named(&c, "first").unwrap().unwrap()), "first");
        let before = server.connections_accepted();
        server.inject(Some("read"), fault, 1);
        let e = shot_named(&c, "first").expect_err(what);
        assert_eq!(
            server.faults_pending(),
            0,
            "{what}: the fault went to this request"
        );
        assert_eq!(
            server.connections_accepted(),
            before,
            "{what}: the fault was played on the kept-alive connection ({e})"
        );
        // The next requests get their own answers, on a new connection.
        let second = shot_named(&c, "second")
            .unwrap_or_else(|e| panic!("{what}: the next read failed: {e}"))
            .unwrap_or_else(|| panic!("{what}: the next read found nothing"));
        assert_eq!(
            code_of(&second),
            "second",
            "{what}: the next read got {second}"
        );
        let created = c
            .create(
                "Shot",
                json!({"code": "third"}).as_object().unwrap(),
                &["code"],
            )
            .unwrap_or_else(|e| panic!("{what}: the create after it failed: {e}"));
        assert_eq!(
            code_of(&created),
            "third",
            "{what}: the create got {created}"
        );
        assert_eq!(
            server.connections_accepted(),
            before + 1,
            "{what}: one new connection after the fault, kept for the create"
        );
    }
}
