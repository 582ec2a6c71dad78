//! The local server as a service people point tools at: hostile HTTP gets an HTTP error or a
//! closed connection, never unbounded memory, time or threads; and the client's keep-alive
//! connections never meet a close the server made while they sat idle.

use serde_json::{json, Value};
use sg_localsite::LocalSite;
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Query};
use sg_tests::SiteClient;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// Sends `bytes` on a new connection and returns everything the server answers until it closes
/// (or 5 s pass).
fn exchange(server: &LocalSite, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // The server may answer (and close) before it has read everything: ignore a broken pipe.
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status_line(answer: &str) -> &str {
    answer.lines().next().unwrap_or("")
}

fn post(body: &str) -> Vec<u8> {
    format!(
        "POST /api3/json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[test]
fn a_body_over_the_limit_is_refused_before_it_is_read() {
    let server = LocalSite::builder(Schema::demo())
        .max_body_bytes(1024)
        .start()
        .unwrap();
    // Only the head is sent: the answer must not wait for 60 MB that never come.
    let answer = exchange(
        &server,
        b"POST /api3/json HTTP/1.1\r\nHost: x\r\nContent-Length: 60000000\r\n\r\n",
    );
    assert!(status_line(&answer).starts_with("HTTP/1.1 413"), "{answer}");
    // Chunked bodies count too.
    let mut chunked =
        b"POST /api3/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b' '; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    let answer = exchange(&server, &chunked);
    assert!(status_line(&answer).starts_with("HTTP/1.1 413"), "{answer}");
}

#[test]
fn an_endless_header_is_refused_at_64_kib() {
    let server = LocalSite::start(Schema::demo()).unwrap();
    let mut head = b"POST /api3/json HTTP/1.1\r\nX-Long: ".to_vec();
    head.extend(std::iter::repeat_n(b'a', 16 * 1024 * 1024));
    let started = Instant::now();
    let answer = exchange(&server, &head);
    assert!(status_line(&answer).starts_with("HTTP/1.1 431"), "{answer}");
    eprintln!(
        "16 MB unterminated header refused in {:?}",
        started.elapsed()
    );
}

#[test]
fn bad_framing_is_refused() {
    let server = LocalSite::start(Schema::demo()).unwrap();
    let body = r#"{"method_name": "info", "params": []}"#;
    for (head, why) in [
        (
            format!("POST /api3/json HTTP/1.1\r\nContent-Length: {0}\r\nContent-Length: {0}\r\n\r\n{body}", body.len()),
            "duplicate content-length",
        ),
        (
            format!("POST /api3/json HTTP/1.1\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{body}", body.len()),
            "both framings",
        ),
        ("POST /api3/json HTTP/1.1\r\nContent-Length: x\r\n\r\n".to_string(), "bad length"),
        ("POST /api3/json HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_string(), "bad chunk size"),
    ] {
        let answer = exchange(&server, head.as_bytes());
        assert!(status_line(&answer).starts_with("HTTP/1.1 400"), "{why}: {answer}");
    }
}

#[test]
fn chunked_requests_are_read_as_one_request() {
    let server = LocalSite::start(Schema::demo()).unwrap();
    let body = r#"{"method_name": "info", "params": []}"#;
    let (a, b) = body.split_at(10);
    let mut bytes = format!(
        "POST /api3/json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\nX-Trailer: t\r\n\r\n",
        a.len(),
        b.len()
    )
    .into_bytes();
    // A second request on the same connection must be read as a request, not as body.
    bytes.extend(post(body));
    let answer = exchange(&server, &bytes);
    assert_eq!(answer.matches("HTTP/1.1 200 OK").count(), 2, "{answer}");
    assert_eq!(
        answer.matches("\"local_server\":true").count(),
        2,
        "{answer}"
    );
}

#[test]
fn idle_connections_are_closed() {
    let server = LocalSite::builder(Schema::demo())
        .idle_timeout(Duration::from_millis(200))
        .start()
        .unwrap();
    let started = Instant::now();
    let mut idle = TcpStream::connect(server.addr()).unwrap();
    idle.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut half = TcpStream::connect(server.addr()).unwrap();
    half.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    half.write_all(b"POST /api3/json HTTP/1.1\r\nContent-Len")
        .unwrap();
    let mut byte = [0u8; 1];
    assert_eq!(idle.read(&mut byte).unwrap(), 0, "closed, nothing sent");
    assert_eq!(
        half.read(&mut byte).unwrap(),
        0,
        "half a request is closed too"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[test]
fn session_tokens_cannot_be_guessed() {
    let server = LocalSite::builder(Schema::demo())
        .user("ada", "ada-password")
        .start()
        .unwrap();
    let token = || {
        let answer = exchange(
            &server,
            &post(
                r#"{"method_name": "get_session_token", "params": [{"user_login": "ada", "user_password": "ada-password"}]}"#,
            ),
        );
        let body = answer.split("\r\n\r\n").nth(1).unwrap().to_string();
        let v: Value = serde_json::from_str(&body).unwrap();
        v["results"]["session_id"].as_str().unwrap().to_string()
    };
    let (a, b) = (token(), token());
    assert_ne!(a, b);
    for t in [&a, &b] {
        assert_eq!(t.len(), 32, "128 random bits: {t}");
        assert!(t.chars().all(|c| c.is_ascii_hexdigit()), "{t}");
        assert!(!t.contains(&format!("{:08x}", std::process::id())), "{t}");
    }
}

fn client(server: &LocalSite, idle: Duration) -> Client {
    server.client_builder().idle_timeout(idle).build().unwrap()
}

#[test]
fn connections_idle_past_the_clients_timeout_are_not_reused() {
    let server = LocalSite::builder(Schema::demo())
        .idle_timeout(Duration::from_millis(300))
        .start()
        .unwrap();
    let shot = |code: &str| json!({"code": code}).as_object().unwrap().clone();
    let c = client(&server, Duration::from_millis(100));
    c.create("Shot", &shot("a"), &[]).unwrap();
    c.create("Shot", &shot("b"), &[]).unwrap();
    assert_eq!(
        server.connections_accepted(),
        1,
        "kept alive between quick calls"
    );
    std::thread::sleep(Duration::from_millis(200));
    c.create("Shot", &shot("c"), &[]).unwrap();
    assert_eq!(
        server.connections_accepted(),
        2,
        "idle past the client's 100 ms: a new connection, before the server's 300 ms close"
    );
    // Past the server's own idle close, with the client's timeout longer: the close is seen
    // before sending (its FIN arrived), and the write goes on a new connection, once.
    let lax = client(&server, Duration::from_secs(60));
    lax.create("Shot", &shot("d"), &[]).unwrap();
    let before = server.connections_accepted();
    std::thread::sleep(Duration::from_millis(600));
    lax.create("Shot", &shot("e"), &[]).unwrap();
    assert_eq!(server.connections_accepted(), before + 1);
    let codes: Vec<Value> = c
        .find_all(&Query::new("Shot").fields(["code"]))
        .unwrap()
        .into_iter()
        .map(|r| r["code"].clone())
        .collect();
    for code in ["a", "b", "c", "d", "e"] {
        assert_eq!(codes.iter().filter(|c| *c == code).count(), 1, "{code}");
    }
}

#[test]
fn answers_over_the_clients_size_cap_are_refused_while_read() {
    use flate2::write::GzEncoder;
    use sg_localsite::Fault;
    let server = LocalSite::start(Schema::demo()).unwrap();
    let c = server
        .client_builder()
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap();
    let big = format!(
        "{{\"results\": {{\"entities\": [], \"pad\": \"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    // Announced by content-length; sent chunked with no length; a small gzip that expands.
    let by_length = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{big}",
        big.len()
    )
    .into_bytes();
    let mut chunked =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for part in big.as_bytes().chunks(64 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", part.len()).as_bytes());
        chunked.extend_from_slice(part);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(big.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    assert!(gz.len() < 64 * 1024, "a bomb: {} bytes", gz.len());
    let mut bomb = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\n\r\n",
        gz.len()
    )
    .into_bytes();
    bomb.extend(gz);
    for (what, answer) in [("length", by_length), ("chunked", chunked), ("gzip", bomb)] {
        server.inject(Some("read"), Fault::Raw(answer), 1);
        let e = c.find_all(&Query::new("Shot")).unwrap_err();
        assert!(
            e.to_string()
                .contains("larger than the client's limit of 1048576 bytes"),
            "{what}: {e}"
        );
        // A read is not repeated: the same answer would come again.
    }
    assert_eq!(
        server
            .requests()
            .iter()
            .filter(|r| r.method == "read")
            .count(),
        3
    );
    // Under the cap, the same client reads.
    assert!(c.find_all(&Query::new("Shot")).is_ok());
}

#[test]
fn connections_past_the_limit_are_answered_503_and_closed() {
    let server = LocalSite::builder(Schema::demo())
        .max_connections(3)
        .start()
        .unwrap();
    // Three idle connections hold the three threads...
    let held: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    // ...so the fourth is turned away, not given a thread.
    let answer = exchange(&server, &post(r#"{"method_name": "info", "params": []}"#));
    assert!(status_line(&answer).starts_with("HTTP/1.1 503"), "{answer}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let answer = exchange(&server, &post(r#"{"method_name": "info", "params": []}"#));
    assert!(status_line(&answer).starts_with("HTTP/1.1 200"), "{answer}");
}
