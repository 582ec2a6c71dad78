//! A request never reads another request's answer: a keep-alive connection whose answer did not
//! end cleanly (an error page capped or whole, an answer over the client's limit, a body cut
//! short, a body that does not decode, an answer that is not api3, a redirect), or that had
//! anything behind its answer (a proxy that answers twice), is closed, not reused.
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
use std::io::{Read, Write};
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

/// The shapes a second answer takes, so that whichever request read it would take it for its own:
/// a page of records, one record (create, update), a batch's list.
fn second_answers() -> [String; 3] {
    let stale = json!({"type": "Shot", "id": STALE_ID, "code": "stale"});
    let page = json!({"results": {
        "entities": [stale],
        "paging_info": {"entity_count": 1, "has_next_page": false}
    }});
    [
        page,
        json!({ "results": stale }),
        json!({ "results": [stale, stale] }),
    ]
    .map(|body| {
        let body = body.to_string();
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    })
}

/// The id of the record only a second answer holds.
const STALE_ID: i64 = 999_999;

#[test]
fn the_fault_puts_a_second_answer_on_the_wire() {
    // The control: without a client's rule, the second answer is there to be read.
    let server = server();
    server.inject(
        Some("info"),
        Fault::AnswerThenMore(second_answers()[0].clone().into_bytes()),
        1,
    );
    let body = r#"{"method_name": "info", "params": []}"#;
    let mut socket = std::net::TcpStream::connect(server.addr()).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    write!(
        socket,
        "POST /api3/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("\"stale\"") {
        let n = socket.read(&mut buf).expect("both answers arrive");
        assert!(n > 0, "the site closed the connection");
        got.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&got);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "{text}");
}

/// Every read and write path, each as its first request's name on the site.
#[derive(Clone, Copy, Debug)]
enum Path {
    Find,
    FindOne,
    Pages,
    Summarize,
    Create,
    Update,
    Delete,
    Revive,
    Batch,
    Upload,
    Download,
}

impl Path {
    const ALL: [Path; 11] = [
        Path::Find,
        Path::FindOne,
        Path::Pages,
        Path::Summarize,
        Path::Create,
        Path::Update,
        Path::Delete,
        Path::Revive,
        Path::Batch,
        Path::Upload,
        Path::Download,
    ];

    /// The request of this path the fault is played on.
    fn request(self) -> &'static str {
        match self {
            Path::Find | Path::FindOne | Path::Pages => "read",
            Path::Summarize => "summarize",
            Path::Create => "create",
            Path::Update => "update",
            Path::Delete => "delete",
            Path::Revive => "revive",
            Path::Batch => "batch",
            Path::Upload => "upload_file",
            Path::Download => "file_serve",
        }
    }
}

/// What the paths work on, besides the seeded Shots.
struct Work {
    version: i64,
    file: std::path::PathBuf,
    attachment: Option<i64>,
    /// Shots made by the paths and live.
    made: Vec<i64>,
    /// Shots the paths retired.
    retired: Vec<i64>,
    serial: usize,
}

/// The live Shots on the site (its dump holds the retired ones too).
fn live_shots(server: &LocalSite) -> usize {
    server
        .records("Shot")
        .iter()
        .filter(|r| r.get("__retired") != Some(&json!(true)))
        .count()
}

/// Runs `path` once; returns what it got, or a sentence saying what was wrong with it.
fn run(path: Path, c: &Client, server: &LocalSite, w: &mut Work) -> Result<Value, String> {
    use sg_runtime::{BatchRequest, FieldUpdate, Summary, UploadOptions};
    let shot = |code: &str| -> Result<Value, String> {
        let found = c
            .find(
                &Query::new("Shot")
                    .filter(Filter::cond("code", "is", [code]))
                    .fields(["code"]),
            )
            .map_err(|e| e.to_string())?;
        let got = Value::from(
            found
                .collect::<sg_runtime::Result<Vec<_>>>()
                .map_err(|e| e.to_string())?,
        );
        match got.as_array().map(Vec::as_slice) {
            Some([one]) if one["code"] == code => Ok(got),
            _ => Err(format!("find of {code} got {got}")),
        }
    };
    w.serial += 1;
    let code = format!("made-{}", w.serial);
    let err = |e: Error| e.to_string();
    match path {
        Path::Find => shot("first"),
        Path::FindOne => {
            let got = shot_named(c, "second").map_err(err)?.unwrap_or_default();
            if code_of(&got) == "second" {
                Ok(got)
            } else {
                Err(format!("find_one got {got}"))
            }
        }
        Path::Pages => {
            let all = c
                .find(&Query::new("Shot").fields(["code"]).page_size(2))
                .map_err(err)?
                .collect::<sg_runtime::Result<Vec<_>>>()
                .map_err(err)?;
            let want = live_shots(server);
            if all.len() == want {
                Ok(Value::from(all))
            } else {
                Err(format!("{} of {want} Shots read", all.len()))
            }
        }
        Path::Summarize => {
            let got = c
                .summarize(
                    "Shot",
                    None,
                    &[Summary::new("id", "record_count")],
                    &[],
                    false,
                )
                .map_err(err)?;
            let want = live_shots(server);
            if got["summaries"]["id"] == json!(want) {
                Ok(got)
            } else {
                Err(format!("summarize counted {got} of {want} Shots"))
            }
        }
        Path::Create => {
            let got = c
                .create(
                    "Shot",
                    json!({"code": code}).as_object().unwrap(),
                    &["code"],
                )
                .map_err(err)?;
            w.made.extend(got["id"].as_i64());
            if got["code"] == json!(code) {
                Ok(got)
            } else {
                Err(format!("create of {code} got {got}"))
            }
        }
        Path::Update => {
            let id = *w.made.last().unwrap_or(&1);
            let got = c
                .update(
                    "Shot",
                    id,
                    &[FieldUpdate::set("description", code.as_str())],
                )
                .map_err(err)?;
            if got["id"] == json!(id) && got["description"] == json!(code) {
                Ok(got)
            } else {
                Err(format!("update of Shot #{id} got {got}"))
            }
        }
        Path::Delete | Path::Revive => {
            let delete = matches!(path, Path::Delete);
            let (from, to) = if delete {
                (&mut w.made, &mut w.retired)
            } else {
                (&mut w.retired, &mut w.made)
            };
            let Some(id) = from.pop() else {
                return Ok(Value::Null);
            };
            to.push(id);
            let done = if delete {
                c.delete("Shot", id)
            } else {
                c.revive("Shot", id)
            }
            .map_err(err)?;
            let retired = server
                .records("Shot")
                .iter()
                .any(|r| r["id"] == json!(id) && r.get("__retired") == Some(&json!(true)));
            if done && retired == delete {
                Ok(json!(done))
            } else {
                Err(format!(
                    "{path:?} of Shot #{id}: answered {done}, retired on the site: {retired}"
                ))
            }
        }
        Path::Batch => {
            let make = |code: String| {
                let mut fields = serde_json::Map::new();
                fields.insert("code".into(), code.into());
                BatchRequest::Create {
                    entity_type: "Shot".into(),
                    fields,
                    return_fields: vec!["code".into()],
                    idempotency_key: None,
                }
            };
            let got = c
                .batch(&[make(format!("{code}a")), make(format!("{code}b"))])
                .map_err(err)?;
            let codes: Vec<&str> = got.iter().map(code_of).collect();
            if codes == [format!("{code}a"), format!("{code}b")] {
                Ok(Value::from(got))
            } else {
                Err(format!("batch got {codes:?}"))
            }
        }
        Path::Upload => {
            let id = c
                .upload("Version", w.version, &w.file, &UploadOptions::default())
                .map_err(err)?;
            let made = server
                .records("Attachment")
                .iter()
                .any(|a| a["id"] == json!(id) && a["filename"] == "take.mov");
            w.attachment = Some(id);
            if made {
                Ok(json!(id))
            } else {
                Err(format!(
                    "upload answered Attachment #{id}, which the site does not hold"
                ))
            }
        }
        Path::Download => {
            let Some(id) = w.attachment else {
                return Ok(Value::Null);
            };
            let bytes = c.download_attachment(json!(id)).map_err(err)?;
            if bytes == b"take one" {
                Ok(json!(bytes.len()))
            } else {
                Err(format!(
                    "download of Attachment #{id} got {} other bytes",
                    bytes.len()
                ))
            }
        }
    }
}

#[test]
fn a_second_answer_behind_a_clean_one_is_never_read() {
    let server = LocalSite::builder(Schema::demo())
        .seed(json!({
            "Shot": [{"code": "first"}, {"code": "second"}],
            "Version": [{"code": "v001"}]
        }))
        .start()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("take.mov");
    std::fs::write(&file, b"take one").unwrap();
    let mut work = Work {
        version: server.records("Version")[0]["id"].as_i64().unwrap(),
        file,
        attachment: None,
        made: Vec::new(),
        retired: Vec::new(),
        serial: 0,
    };
    // One try per request: a retry would hide which answer went to which request.
    let c = server
        .client_builder()
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let seconds = second_answers();
    // A fixed seed: the same paths, faults and second answers on every run.
    let mut state: u64 = 0x5EED_0031;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut faults, mut foreign, mut wrong, mut runs) = (0u64, 0u64, Vec::new(), 0u64);
    let mut per_path = [0u64; Path::ALL.len()];
    let start_connections = server.connections_accepted();
    while server.requests().len() < 1_000 {
        let i = (next() % Path::ALL.len() as u64) as usize;
        let path = Path::ALL[i];
        // Half the exchanges end with a second answer behind the first, shaped at random.
        if next() % 2 == 0 {
            let second = &seconds[(next() % seconds.len() as u64) as usize];
            server.inject(
                Some(path.request()),
                Fault::AnswerThenMore(second.clone().into_bytes()),
                1,
            );
        }
        let pending = server.faults_pending();
        let got = run(path, &c, &server, &mut work);
        if pending > 0 && server.faults_pending() == 0 {
            faults += 1;
            per_path[i] += 1;
        }
        // A path that made no request of the faulted name (a delete with nothing to delete)
        // leaves its fault unplayed: not a fault of this run.
        server.clear_faults();
        runs += 1;
        // A foreign record shows in what a path got, or in the sentence saying it was wrong.
        let said = match &got {
            Ok(v) => v.to_string(),
            Err(e) => e.clone(),
        };
        foreign += said.matches(&STALE_ID.to_string()).count() as u64;
        if let Err(e) = got {
            wrong.push(format!("{path:?}: {e}"));
        }
    }
    let connections = server.connections_accepted() - start_connections;
    println!(
        "{runs} paths, {} requests, {faults} with a second answer behind the first \
         ({per_path:?} by path), {connections} connections opened: {foreign} foreign records, \
         {} wrong or failed",
        server.requests().len(),
        wrong.len()
    );
    assert!(
        per_path.iter().all(|&n| n > 0),
        "every path played the fault: {per_path:?}"
    );
    assert_eq!(foreign, 0, "no request read another's answer");
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(
        connections >= faults,
        "each connection with a second answer was closed: {connections} opened for {faults}"
    );
}
