//! Every listening socket survives the internet: each hostile client of the table
//! (absurd lengths, slow and stalled bodies, a trickled head, hundreds of idle connections,
//! a huge header, other paths) runs beside a steady signed sender. The verdict is the steady
//! sender's: every delivery it sends meanwhile is answered 200 within 1 s, each event handled
//! once, and the receiver still answers afterwards.

use serde_json::json;
use sg_webhook::Receiver;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "steady-s3cret";

fn delivery(id: i64) -> String {
    json!({"data": {"id": format!("1.{id}.0"), "event_log_entry_id": id, "event_type": "Shotgun_Shot_New",
        "operation": "create", "entity": {"type": "Shot", "id": id}, "meta": {"type": "new_entity"}},
        "timestamp": "2026-12-07T10:00:00Z"})
    .to_string()
}

/// A raw HTTP/1.1 POST on a new connection; the status and body, or the I/O error.
fn post_raw(
    addr: SocketAddr,
    path: &str,
    headers: &str,
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Ok((status, body))
}

fn signed(addr: SocketAddr, id: i64) -> std::io::Result<(u16, String)> {
    let body = delivery(id);
    let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
    post_raw(
        addr,
        "/",
        &format!("x-sg-signature: {sig}\r\n"),
        body.as_bytes(),
    )
}

struct Steady {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Vec<(i64, u16, Duration)>>,
}

/// Posts a signed delivery every 50 ms until stopped, timing each answer.
fn steady(addr: SocketAddr, next_id: Arc<AtomicI64>) -> Steady {
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let thread = std::thread::spawn(move || {
        let mut out = Vec::new();
        while !s.load(Ordering::SeqCst) {
            let id = next_id.fetch_add(1, Ordering::SeqCst);
            let t = Instant::now();
            let status = signed(addr, id).map(|r| r.0).unwrap_or(0);
            out.push((id, status, t.elapsed()));
            std::thread::sleep(Duration::from_millis(50));
        }
        out
    });
    Steady { stop, thread }
}

impl Steady {
    /// Stops it and checks every answer: 200 within 1 s. Returns the ids sent.
    fn verdict(self, row: &str) -> Vec<i64> {
        self.stop.store(true, Ordering::SeqCst);
        let answers = self.thread.join().unwrap();
        assert!(
            answers.len() >= 5,
            "{row}: only {} deliveries sent",
            answers.len()
        );
        let mut slowest = Duration::ZERO;
        for (id, status, took) in &answers {
            assert_eq!(*status, 200, "{row}: delivery of #{id} answered {status}");
            assert!(
                *took < Duration::from_secs(1),
                "{row}: #{id} answered after {took:?}"
            );
            slowest = slowest.max(*took);
        }
        println!(
            "{row}: {} steady deliveries, all 200, slowest {slowest:?}",
            answers.len()
        );
        answers.iter().map(|a| a.0).collect()
    }
}

type Seen = Arc<Mutex<Vec<i64>>>;

fn receiver() -> (Receiver, Seen) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let r = Receiver::builder("127.0.0.1:0")
        .secret(SECRET)
        .head_timeout(Duration::from_secs(2))
        .body_timeout(Duration::from_secs(2))
        .max_body(1 << 20)
        .start(move |e| {
            s.lock().unwrap().push(e.id);
            Ok(())
        })
        .unwrap();
    (r, seen)
}

/// Runs `hostile` beside the steady sender, then checks the steady sender's answers, that the
/// receiver still answers, and that each steady event was handled once.
fn row(name: &str, hostile: impl FnOnce(SocketAddr)) {
    let (receiver, seen) = receiver();
    let addr = receiver.addr().unwrap();
    let ids = Arc::new(AtomicI64::new(1));
    let s = steady(addr, ids.clone());
    std::thread::sleep(Duration::from_millis(200));
    hostile(addr);
    std::thread::sleep(Duration::from_millis(200));
    let sent = s.verdict(name);
    let after = ids.fetch_add(1, Ordering::SeqCst);
    assert_eq!(signed(addr, after).unwrap().0, 200, "{name}: answers after");
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < sent.len() + 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut got = seen.lock().unwrap().clone();
    got.sort_unstable();
    let mut want = sent;
    want.push(after);
    assert_eq!(got, want, "{name}: each steady event handled once");
    receiver.stop();
}

/// A head written as given, then whatever the receiver answers (empty when it closes).
fn raw(addr: SocketAddr, head: &str, body: &[u8], wait: Duration) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(wait)).unwrap();
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_terabyte_announced_is_refused_before_anything_is_allocated() {
    row("Content-Length 2^40", |addr| {
        let t = Instant::now();
        let got = raw(
            addr,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n",
            b"",
            Duration::from_secs(5),
        );
        assert!(got.starts_with("HTTP/1.1 413"), "{got}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "413 after {:?}",
            t.elapsed()
        );
    });
}

#[test]
fn a_length_of_u64_max_is_refused_and_the_receiver_answers_on() {
    row("Content-Length u64::MAX", |addr| {
        let got = raw(
            addr,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n",
            b"",
            Duration::from_secs(5),
        );
        assert!(got.starts_with("HTTP/1.1 4"), "{got}");
    });
}

#[test]
fn a_body_sent_a_byte_every_100_ms_costs_only_its_own_connection() {
    row("slow body", |addr| {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n"
        )
        .unwrap();
        let t = Instant::now();
        let mut closed = false;
        while t.elapsed() < Duration::from_secs(3) {
            if s.write_all(b" ").is_err() {
                closed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Past the body deadline (2 s here) it is answered 408 and closed.
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        assert!(closed || out.starts_with("HTTP/1.1 408"), "{out}");
    });
}

#[test]
fn a_body_that_stops_after_100_bytes_is_timed_out() {
    row("stalled body", |addr| {
        let t = Instant::now();
        let got = raw(
            addr,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n",
            &[b' '; 100],
            Duration::from_secs(5),
        );
        assert!(got.starts_with("HTTP/1.1 408"), "{got}");
        assert!(
            t.elapsed() < Duration::from_secs(4),
            "after {:?}",
            t.elapsed()
        );
    });
}

#[test]
fn a_length_over_the_limit_without_a_body_is_answered_at_once_and_not_drained() {
    row("over the limit, no body", |addr| {
        let t = Instant::now();
        let got = raw(
            addr,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n",
            b"",
            Duration::from_secs(5),
        );
        assert!(got.starts_with("HTTP/1.1 413"), "{got}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "413 after {:?}",
            t.elapsed()
        );
    });
}

#[test]
fn a_head_trickled_a_byte_at_a_time_is_cut_at_its_deadline() {
    row("slowloris head", |addr| {
        let mut s = TcpStream::connect(addr).unwrap();
        let t = Instant::now();
        let mut cut = false;
        for b in b"POST / HTTP/1.1\r\nHost: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx".iter() {
            if s.write_all(&[*b]).is_err() {
                cut = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            if t.elapsed() > Duration::from_secs(4) {
                break;
            }
        }
        s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
        let mut out = Vec::new();
        let closed = s.read_to_end(&mut out).is_ok() || cut;
        assert!(closed, "the connection is closed at the head deadline");
    });
}

#[test]
fn six_hundred_idle_connections_then_closed_leave_the_listener_serving() {
    row("600 idle connections", |addr| {
        let idle: Vec<TcpStream> = (0..600)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        std::thread::sleep(Duration::from_secs(1));
        drop(idle);
    });
}

#[test]
fn a_64_mb_header_is_refused_without_being_held() {
    row("64 MB header", |addr| {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = write!(s, "POST / HTTP/1.1\r\nHost: x\r\nX-Big: ");
        let chunk = vec![b'a'; 1 << 20];
        let mut written = 0;
        for _ in 0..64 {
            if s.write_all(&chunk).is_err() {
                break;
            }
            written += 1;
        }
        assert!(written < 64, "the receiver read {written} MB of one header");
    });
}

#[test]
fn only_the_configured_path_takes_deliveries_and_refusals_say_nothing_internal() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret(SECRET)
        .path("/sg/hook")
        .start(move |e| {
            s.lock().unwrap().push(e.id);
            Ok(())
        })
        .unwrap();
    let addr = receiver.addr().unwrap();
    assert!(receiver.url().ends_with("/sg/hook"));
    let body = delivery(7);
    let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
    let headers = format!("x-sg-signature: {sig}\r\n");
    for path in ["/", "/other", "/sg/hook/", "/sg/hookx"] {
        let (status, _) = post_raw(addr, path, &headers, body.as_bytes()).unwrap();
        assert_eq!(status, 404, "{path}");
    }
    let (status, text) =
        post_raw(addr, "/sg/hook", "", b"{\"data\": {\"deliveries\": 5}}").unwrap();
    assert_eq!(
        (status, text.as_str()),
        (401, "signature missing or wrong\n")
    );
    let unsigned = Receiver::builder("127.0.0.1:0").start(|_| Ok(())).unwrap();
    let (status, text) = post_raw(
        unsigned.addr().unwrap(),
        "/",
        "",
        b"{\"data\": {\"deliveries\": 5}}",
    )
    .unwrap();
    assert_eq!(
        (status, text.as_str()),
        (400, "not a webhook delivery\n"),
        "no parser details"
    );
    let (status, _) = post_raw(addr, "/sg/hook", &headers, body.as_bytes()).unwrap();
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(
        *seen.lock().unwrap(),
        [7],
        "only the delivery to the path was handled"
    );
}

#[test]
fn mounted_in_an_axum_application_it_takes_deliveries_at_its_route() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let receiver = Receiver::builder("unused")
        .secret(SECRET)
        .mount(move |e| {
            s.lock().unwrap().push(e.id);
            Ok(())
        })
        .unwrap();
    assert!(receiver.addr().is_none());
    let app: axum::Router = axum::Router::new()
        .route("/health", axum::routing::get(|| async { "ok" }))
        .route_service("/sg/webhook", receiver.service());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(l, app).await.unwrap();
        });
    });
    let body = delivery(42);
    let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
    let (status, _) = post_raw(
        addr,
        "/sg/webhook",
        &format!("x-sg-signature: {sig}\r\n"),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 200);
    let (status, _) = post_raw(
        addr,
        "/sg/webhook",
        "x-sg-signature: sha1=00\r\n",
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(status, 401);
    let deadline = Instant::now() + Duration::from_secs(5);
    while seen.lock().unwrap().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(*seen.lock().unwrap(), [42]);
    assert_eq!(receiver.stats().accepted, 1);
    assert_eq!(receiver.stats().unauthorized, 1);
}
