//! A client never sends while the logger would print ureq's raw bytes of the exchange (target
//! `ureq_proto::util`, at trace level), which hold the script key, the password, the session
//! cookie and a server's echo of them: it refuses with a sentence that says how to keep tracing
//! everything else. Its own process: the logger is global.

use serde_json::json;
use sg_localsite::LocalSite;
use sg_runtime::schema::Schema;
use sg_runtime::{Credentials, Query, RetryPolicy};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// Whether the logger prints ureq's wire bytes.
static WIRE: AtomicBool = AtomicBool::new(true);

struct Capture;

impl log::Log for Capture {
    /// Everything; with `WIRE` off, as `RUST_LOG=trace,ureq=debug,ureq_proto=off` would.
    fn enabled(&self, m: &log::Metadata) -> bool {
        WIRE.load(Ordering::SeqCst)
            || !(m.target().starts_with("ureq_proto")
                || m.target().starts_with("ureq") && m.level() == log::Level::Trace)
    }
    fn log(&self, record: &log::Record) {
        if self.enabled(record.metadata()) {
            LINES
                .lock()
                .unwrap()
                .push(format!("{} {}", record.target(), record.args()));
        }
    }
    fn flush(&self) {}
}

const KEY: &str = "wire-key-SECRET-4444";

#[test]
fn no_request_leaves_while_the_wire_bytes_would_be_logged() {
    static CAPTURE: Capture = Capture;
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let site = LocalSite::builder(Schema::demo())
        .script("wire", KEY)
        .seed(json!({"Shot": [{"code": "sh010"}]}))
        .start()
        .unwrap();
    let client = sg_runtime::Client::builder(site.url())
        .credentials(Credentials::script("wire", KEY))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let read = || client.find_one(&Query::new("Shot").fields(["code"]));

    let e = read().expect_err("refused while ureq_proto traces");
    let text = e.to_string();
    assert!(
        text.contains("ureq=debug,ureq_proto=off") && text.contains("not sent"),
        "{text}"
    );
    assert!(site.requests().is_empty(), "nothing reached the site");

    // With the target off, the same client reads, and nothing of ureq's wire bytes is logged.
    WIRE.store(false, Ordering::SeqCst);
    let shot = read().unwrap().unwrap();
    assert_eq!(shot["code"], "sh010");
    let lines = LINES.lock().unwrap();
    assert!(!lines.is_empty(), "the rest is still logged at trace");
    for line in lines.iter() {
        assert!(!line.contains(KEY), "a log line shows the key: {line}");
        assert!(!line.starts_with("ureq_proto"), "{line}");
        assert!(!line.contains("location"), "{line}");
    }
}
