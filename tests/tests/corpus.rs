//! The response corpus (`tests/corpus/*.json`): answers a real site sends, one file per case,
//! played byte for byte by the local server over a real socket, with what the untyped and the
//! typed layer must make of them.
//!
//! A case file holds:
//! * `call`: `find` (untyped `find_all`, typed `Shot::find().all`), `create` or `update`;
//! * `answers`: the HTTP answers, in order, one per request the client makes (`status`,
//!   `headers`, a `json` or `text` body, and an `encoding`: `gzip`, `deflate`, `chunked`,
//!   `chunked+gzip`, or a body cut short: `chunked-cut`, `length-cut`, `gzip-cut`);
//! * `untyped` / `typed`: `{"ok": ...}` with the expected results (for `typed`, only the fields
//!   named are compared), or `{"error": "text the message contains"}`, with `status` (HTTP),
//!   `error_code` (api3) or `sent` (a connection failure after sending) where they matter, and
//!   `may_have_been_applied: true` for a write whose outcome the failure leaves unknown;
//! * `page_size`: records per page for `find`; `paths`: the request paths expected, in order;
//!   `platform`: the only platform whose local paths the expectations hold.

use serde_json::{json, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::{Error, FieldUpdate, Image, Query, WireValue};
use sg_tests::demo::{Shot, ShotField};
use sg_tests::SiteClient;
use std::io::Write;
use std::path::PathBuf;

fn corpus() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut cases: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            let case = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, case)
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

fn compress(encoding: &str, body: &[u8]) -> Vec<u8> {
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;
    match encoding {
        "gzip" => {
            let mut e = GzEncoder::new(Vec::new(), Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        "deflate" => {
            let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
            e.write_all(body).unwrap();
            e.finish().unwrap()
        }
        _ => body.to_vec(),
    }
}

/// The bytes of one HTTP answer of a case.
fn raw_answer(a: &Value) -> Vec<u8> {
    let status = a["status"].as_u64().unwrap();
    let body = match (&a["json"], &a["text"]) {
        (Value::Null, Value::String(t)) => t.clone().into_bytes(),
        (j, _) if !j.is_null() => j.to_string().into_bytes(),
        _ => Vec::new(),
    };
    let encoding = a["encoding"].as_str().unwrap_or("");
    // The local server closes the connection after a canned answer, and says so.
    let mut head = format!("HTTP/1.1 {status} Status\r\nConnection: close\r\n");
    for (k, v) in a["headers"].as_object().into_iter().flatten() {
        head.push_str(&format!("{k}: {}\r\n", v.as_str().unwrap()));
    }
    let compressed = if encoding.contains("gzip") {
        head.push_str("Content-Encoding: gzip\r\n");
        compress("gzip", &body)
    } else if encoding == "deflate" {
        head.push_str("Content-Encoding: deflate\r\n");
        compress("deflate", &body)
    } else {
        body
    };
    let mut out;
    if encoding.starts_with("chunked") {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        out = head.into_bytes();
        let cut = encoding.ends_with("-cut");
        let payload = if cut {
            &compressed[..compressed.len() / 2]
        } else {
            &compressed[..]
        };
        for chunk in payload.chunks(7) {
            out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        if !cut {
            out.extend_from_slice(b"0\r\n\r\n");
        }
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", compressed.len()));
        out = head.into_bytes();
        if encoding.ends_with("-cut") {
            out.extend_from_slice(&compressed[..compressed.len() / 2]);
        } else {
            out.extend_from_slice(&compressed);
        }
    }
    out
}

/// What a typed `Shot` holds, as JSON, for the fields the corpus looks at.
fn typed_view(s: &Shot) -> Value {
    let image = s.image.as_ref().map(|i| match i {
        Image::Url(u) => json!({"url": u}),
        Image::Pending(u) => json!({"pending": u}),
        Image::AttachmentId(id) => json!({"attachment_id": id}),
        Image::Other(v) => json!({"other": v}),
    });
    json!({
        "id": s.id.get(),
        "code": s.code,
        "description": s.description,
        "image": image,
        "sg_plate": s.sg_plate.to_wire(),
        "sg_sequence": s.sg_sequence.as_ref().map(|l| serde_json::to_value(l).unwrap()),
        "assets": serde_json::to_value(&s.assets).unwrap(),
        "created_at": s.created_at.to_wire(),
        "sg_first_delivery": s.sg_first_delivery.to_wire(),
        "sg_cut_in": s.sg_cut_in,
        "sg_metadata": s.sg_metadata,
        "tags": s.tags,
    })
}

/// `want` (a subset of the view's keys) holds in `view`.
fn matches_view(view: &Value, want: &Value) -> bool {
    want.as_object()
        .unwrap()
        .iter()
        .all(|(k, v)| &view[k.as_str()] == v)
}

fn check_error(name: &str, layer: &str, want: &Value, got: &Error) {
    let text = got.to_string();
    let expect = want["error"].as_str().unwrap();
    assert!(
        text.contains(expect),
        "{name} ({layer}): error `{text}` lacks `{expect}`"
    );
    assert_eq!(
        got.may_have_been_applied(),
        want["may_have_been_applied"] == json!(true),
        "{name} ({layer}): {got:?}"
    );
    // What failed, inside "may have been applied".
    let got = match got {
        Error::MayHaveBeenApplied { cause, .. } => cause,
        other => other,
    };
    if let Some(status) = want["status"].as_u64() {
        assert!(
            matches!(got, Error::Http { status: s, .. } if u64::from(*s) == status),
            "{name} ({layer}): {got:?}"
        );
    }
    if let Some(code) = want["error_code"].as_i64() {
        assert_eq!(got.error_code(), Some(code), "{name} ({layer})");
    }
    if want["sent"] == json!(true) {
        assert!(
            matches!(got, Error::Connection { sent: true, .. }),
            "{name} ({layer}): {got:?}"
        );
    }
}

fn play(server: &LocalSite, case: &Value) {
    server.clear_faults();
    server.clear_requests();
    for a in case["answers"].as_array().unwrap() {
        server.inject(None, Fault::Raw(raw_answer(a)), 1);
    }
}

fn check_requests(name: &str, server: &LocalSite, case: &Value) {
    let requests = server.requests();
    let answers = case["answers"].as_array().unwrap().len();
    assert!(
        requests.len() >= answers,
        "{name}: {answers} answers, {} requests: every canned answer must be asked for",
        requests.len()
    );
    assert!(
        requests.iter().all(|r| r.http_method == "POST"),
        "{name}: a POST was turned into {:?}",
        requests.iter().map(|r| &r.http_method).collect::<Vec<_>>()
    );
    // Pages differ in `paging` only; tries and redirects not at all.
    let unpaged = |p: &Option<Value>| {
        let mut p = p.clone().unwrap_or_default();
        if let Some(o) = p.as_object_mut() {
            o.remove("paging");
        }
        p
    };
    let first = unpaged(&requests[0].params);
    assert!(
        requests.iter().all(|r| unpaged(&r.params) == first),
        "{name}: every try and every redirect sends the same request"
    );
    if let Some(paths) = case.get("paths") {
        let got: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(json!(got), *paths, "{name}: request paths");
    }
}

#[test]
fn every_case_gives_what_the_official_client_gives() {
    let server = sg_tests::demo_server();
    // Canned answers are played in the order requests arrive: one request at a time, so each
    // page gets its own (reads ahead are checked against sequential reads in paging.rs).
    let client = server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap();
    let cases = corpus();
    assert!(cases.len() >= 50, "the corpus has {} cases", cases.len());
    let mut typed_checked = 0;
    for (name, case) in &cases {
        if let Some(p) = case["platform"].as_str() {
            if p != std::env::consts::OS {
                eprintln!("SKIPPED corpus case {name}: its local paths are {p}'s");
                continue;
            }
        }
        let page_size = case["page_size"].as_u64().unwrap_or(500) as usize;
        let fields = json!({"code": "sh010"}).as_object().unwrap().clone();

        // Untyped.
        play(&server, case);
        let got: Result<Value, Error> = match case["call"].as_str().unwrap() {
            "find" => client
                .find_all(&Query::new("Shot").page_size(page_size))
                .map(Value::Array),
            "create" => client.create("Shot", &fields, &[]),
            "update" => client.update("Shot", 1, &[FieldUpdate::set("code", "sh010")]),
            other => panic!("{name}: unknown call {other}"),
        };
        let want = &case["untyped"];
        match (&got, want.get("ok")) {
            (Ok(v), Some(ok)) => assert_eq!(v, ok, "{name} (untyped)"),
            (Err(e), None) => check_error(name, "untyped", want, e),
            (got, _) => panic!("{name} (untyped): got {got:?}, want {want}"),
        }
        check_requests(name, &server, case);

        // Typed.
        let Some(want) = case.get("typed") else {
            continue;
        };
        typed_checked += 1;
        play(&server, case);
        let got: Result<Vec<Value>, Error> = match case["call"].as_str().unwrap() {
            "find" => Shot::find()
                .page_size(page_size)
                .all(&client)
                .map(|v| v.iter().map(typed_view).collect()),
            "create" => Shot::create()
                .set(Shot::F.code, "sh010")
                .returning([ShotField::Code])
                .send(&client)
                .and_then(|s| {
                    Ok(vec![
                        json!({"id": s.id().get(), "code": s.get(&Shot::F.code)?}),
                    ])
                }),
            other => panic!("{name}: no typed {other}"),
        };
        match (&got, want.get("ok")) {
            (Ok(views), Some(Value::Array(ok))) => {
                assert_eq!(views.len(), ok.len(), "{name} (typed): {views:?}");
                for (v, w) in views.iter().zip(ok) {
                    assert!(matches_view(v, w), "{name} (typed): {v} does not hold {w}");
                }
            }
            (Ok(views), Some(ok @ Value::Object(_))) => {
                assert!(matches_view(&views[0], ok), "{name} (typed): {views:?}")
            }
            (Err(e), None) => check_error(name, "typed", want, e),
            (got, _) => panic!("{name} (typed): got {got:?}, want {want}"),
        }
        check_requests(name, &server, case);
    }
    assert!(typed_checked >= 30, "{typed_checked} cases checked typed");
}
