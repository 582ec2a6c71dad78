//! No key, password or token ever shows in `Debug`, `Display`, an error or a log line, for every
//! credential kind and every error path.

use serde_json::json;
use sg_localsite::{Fault, LocalSite};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials, Query, RetryPolicy};
use std::sync::Mutex;
use std::time::Duration;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    /// Every line at every level, but ureq's trace (the raw bytes of each exchange), which a
    /// client refuses to send under (`tests/wire_logging.rs`): a service logs with
    /// `ureq=debug,ureq_proto=off`.
    fn enabled(&self, m: &log::Metadata) -> bool {
        !(m.target().starts_with("ureq_proto")
            || m.target().starts_with("ureq") && m.level() == log::Level::Trace)
    }
    fn log(&self, record: &log::Record) {
        // The macros do not ask `enabled`: a logger filters in `log`, as env_logger does.
        if !log::Log::enabled(self, record.metadata()) {
            return;
        }
        LINES
            .lock()
            .unwrap()
            .push(format!("{} {}", record.target(), record.args()));
    }
    fn flush(&self) {}
}

const KEY: &str = "script-key-SECRET-1111";
const PASSWORD: &str = "password-SECRET-2222";
const CODE: &str = "code-SECRET-3333";

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} leaks a secret: {text}");
    }
}

/// Sends every log line, at trace level, to [`LINES`] (once per test process).
fn capture_logs() {
    static CAPTURE: Capture = Capture;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        log::set_logger(&CAPTURE).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}

#[test]
fn no_secret_in_debug_errors_or_logs() {
    capture_logs();

    let server = LocalSite::builder(Schema::demo())
        .script("pipeline", KEY)
        .user("ada", PASSWORD)
        .user_2fa("sec", PASSWORD, CODE)
        .start()
        .unwrap();
    let quick = RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
        jitter: false,
        max_pause: std::time::Duration::from_secs(600),
    };
    let client = |c: Credentials| {
        Client::builder(server.url())
            .credentials(c)
            .retry_policy(quick.clone())
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap()
    };

    // A session token to test with, obtained through the two-factor exchange.
    let token = {
        let c = client(Credentials::user_2fa("sec", PASSWORD, CODE));
        c.schema_entity_read(None).unwrap();
        server.requests().last().unwrap().auth.as_ref().unwrap()["session_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let all: Vec<String> = vec![KEY.into(), PASSWORD.into(), CODE.into(), token.clone()];

    // Each client knows, and so hides, its own secrets (and a token it was given in exchange).
    let kinds = [
        (Credentials::script("pipeline", KEY), vec![KEY.to_string()]),
        (
            Credentials::user("ada", PASSWORD),
            vec![PASSWORD.to_string()],
        ),
        (
            Credentials::user_2fa("sec", PASSWORD, CODE),
            vec![PASSWORD.to_string(), CODE.to_string()],
        ),
        (
            Credentials::session_token(token.clone()),
            vec![token.clone()],
        ),
    ];
    for (creds, own) in kinds {
        let extra = own;
        assert_clean("Credentials Debug", &format!("{creds:?}"), &extra);
        let c = client(creds.clone());
        assert_clean("Client Debug", &format!("{c:?}"), &extra);
        let echo = |s: &str| {
            format!("{{\"exception\": true, \"error_code\": 99, \"message\": \"echo {s} {KEY} {PASSWORD} {CODE} {token}\"}}")
        };
        let mut errors = Vec::new();
        // Each fault is played on the request of its own step.
        let played = |what: &str| assert_eq!(server.faults_pending(), 0, "{what}: not played");
        // A server message that echoes every secret.
        server.inject(Some("read"), Fault::Body(200, echo("exception")), 1);
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        played("exception");
        // A malformed body that echoes them.
        server.inject(
            Some("read"),
            Fault::Body(200, format!("<html>{KEY} {PASSWORD} {CODE} {token}</html>")),
            1,
        );
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        played("malformed body");
        // HTTP status, dropped connection, timeout.
        server.inject(Some("read"), Fault::Status(503), 2);
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        played("503");
        server.inject(Some("create"), Fault::DropBeforeHandling, 1);
        errors.push(
            c.create("Shot", json!({"code": "x"}).as_object().unwrap(), &[])
                .unwrap_err(),
        );
        played("dropped connection");
        server.inject(Some("create"), Fault::Delay(Duration::from_millis(500)), 1);
        errors.push(
            c.create("Shot", json!({"code": "y"}).as_object().unwrap(), &[])
                .unwrap_err(),
        );
        played("timeout");
        // A validation error.
        errors.push(
            c.create("Shot", json!({"code": 1}).as_object().unwrap(), &[])
                .unwrap_err(),
        );
        for e in &errors {
            assert_clean("error Display", &e.to_string(), &extra);
            assert_clean("error Debug", &format!("{e:?}"), &extra);
        }
    }
    // Wrong credentials of each kind.
    for creds in [
        Credentials::script("pipeline", "wrong-SECRET-key"),
        Credentials::user("ada", "wrong-SECRET-password"),
        Credentials::user("sec", PASSWORD),
        Credentials::user_2fa("sec", PASSWORD, "000000-SECRET"),
        Credentials::session_token("bad-SECRET-token"),
    ] {
        let e = client(creds).schema_read(None).unwrap_err();
        let wrong = vec![
            "wrong-SECRET-key".into(),
            "wrong-SECRET-password".into(),
            "000000-SECRET".into(),
            "bad-SECRET-token".into(),
        ];
        assert_clean("auth error", &format!("{e} {e:?}"), &wrong);
        assert!(matches!(e.error_code(), Some(102 | 106)), "{e:?}");
    }
    // Invalid sites and missing environment variables.
    let e = Client::builder("not a site")
        .credentials(Credentials::script("s", KEY))
        .build()
        .unwrap_err();
    assert_clean("site error", &format!("{e} {e:?}"), &all);

    let lines = LINES.lock().unwrap();
    assert!(
        lines.iter().any(|l| l.contains("api3 read")),
        "the client logs its calls"
    );
    assert!(
        lines.iter().any(|l| l.contains("retrying")),
        "the client logs its retries"
    );
    for l in lines.iter() {
        assert_clean("log line", l, &all);
    }
}

// Secrets as hostile as they come: quotes, backslashes, non-ASCII, and halves that can be told apart.
const NASTY_KEY: &str = "key\"Q\\é☃-first-HALF|second-half-1111";
const NASTY_PASSWORD: &str = "pw\"Q\\ü-first-HALF|second-half-2222";
const NASTY_CODE: &str = "code\"\\ß-first-HALF|second-half-3333";
const NASTY_TOKEN: &str = "tok\"\\€-first-HALF|second-half-4444";

/// The forms a server or proxy can echo `s` in.
fn echoed_forms(s: &str) -> Vec<String> {
    let json = serde_json::to_string(s).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let ascii: String = json
        .chars()
        .flat_map(|c| {
            if c.is_ascii() {
                vec![c.to_string()]
            } else {
                let mut u = [0u16; 2];
                c.encode_utf16(&mut u)
                    .iter()
                    .map(|x| format!("\\u{x:04x}"))
                    .collect()
            }
        })
        .collect();
    let html = s.replace('&', "&amp;").replace('"', "&quot;");
    let percent: String = url_encode(s);
    vec![s.to_string(), json, ascii, html, percent]
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `text` shows no secret of `secrets`, whole or in part, in any form.
fn assert_hidden(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        for form in echoed_forms(s) {
            let start: String = form.chars().take(5).collect();
            assert!(
                !text.contains(&start),
                "{what} shows the start of a secret ({start}): {text}"
            );
        }
    }
    assert!(!text.contains("first-HALF"), "{what}: {text}");
    assert!(!text.contains("second-half"), "{what}: {text}");
}

/// A canned answer. The local server closes the connection after it, and says so, as a server
/// that closes does: without `Connection: close` the client could send its next request on the
/// connection before the close reached it, and that request would be lost unanswered, leaving
/// this fault to a later request (this test failed 1 run in 30 that way).
fn raw(status: &str, content_type: &str, extra: &str, body: &str) -> Fault {
    Fault::Raw(
        format!(
            "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: {content_type}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

#[test]
fn escaped_and_cut_secrets_never_show() {
    capture_logs();
    let server = LocalSite::builder(Schema::demo())
        .script("pipeline", NASTY_KEY)
        .user("ada", NASTY_PASSWORD)
        .user_2fa("sec", NASTY_PASSWORD, NASTY_CODE)
        .start()
        .unwrap();
    let kinds: [(Credentials, Vec<&str>); 4] = [
        (Credentials::script("pipeline", NASTY_KEY), vec![NASTY_KEY]),
        (
            Credentials::user("ada", NASTY_PASSWORD),
            vec![NASTY_PASSWORD],
        ),
        (
            Credentials::user_2fa("sec", NASTY_PASSWORD, NASTY_CODE),
            vec![NASTY_PASSWORD, NASTY_CODE],
        ),
        (Credentials::session_token(NASTY_TOKEN), vec![NASTY_TOKEN]),
    ];
    let mut checked = 0;
    for (creds, own) in kinds {
        let c = Client::builder(server.url())
            .credentials(creds)
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap();
        for secret in &own {
            // The request as a proxy would echo it: JSON-escaped as sent, or to ASCII.
            let as_sent = serde_json::to_string(&json!({ "secret": secret })).unwrap();
            let ascii = echoed_forms(secret)[2].clone();
            let message = format!("bad request {as_sent} / {ascii}");
            let html = echoed_forms(secret)[3].clone();
            // An error page whose 64 KiB read ends 12 bytes into the secret.
            let head = "<html><body><p>";
            let cut_page = format!(
                "{head}{}{secret}</p>{}</body></html>",
                " ".repeat(64 * 1024 - 12 - head.len()),
                " ".repeat(100)
            );
            let faults = [
                (
                    "exception",
                    raw(
                        "200 OK",
                        "application/json",
                        "",
                        &json!({"exception": true, "error_code": 99, "message": message})
                            .to_string(),
                    ),
                ),
                (
                    "huge exception",
                    raw(
                        "200 OK",
                        "application/json",
                        "",
                        &json!({"exception": true, "error_code": 99,
                                "message": format!("{}{as_sent}", "m".repeat(1 << 20))})
                        .to_string(),
                    ),
                ),
                (
                    "error page",
                    raw(
                        "500 Internal Server Error",
                        "text/html",
                        "",
                        &format!("<html><body>echo {html} and {secret}</body></html>"),
                    ),
                ),
                (
                    "error page cut inside the secret",
                    raw("500 Internal Server Error", "text/html", "", &cut_page),
                ),
                (
                    "excerpt cut inside the secret",
                    raw(
                        "200 OK",
                        "text/plain",
                        "",
                        &format!("{}{secret}{}", "y".repeat(110), "z".repeat(300)),
                    ),
                ),
                (
                    "excerpt of an escaped echo",
                    raw(
                        "200 OK",
                        "application/json",
                        "",
                        &format!("{{\"half\": {as_sent}"),
                    ),
                ),
                (
                    "redirect",
                    raw(
                        "302 Found",
                        "text/plain",
                        &format!("Location: /api3/json?key={}\r\n", url_encode(secret)),
                        "",
                    ),
                ),
            ];
            for (what, fault) in faults {
                server.inject(Some("read"), fault, 1);
                let e = c.find_all(&Query::new("Shot")).unwrap_err();
                // Each fault is played on the request of its own step, so the error checked is
                // the one this step provoked.
                assert_eq!(server.faults_pending(), 0, "{what}: not played: {e}");
                let text = format!("{e} {e:?}");
                assert_hidden(what, &text, &own);
                assert!(
                    text.len() < 8 * 1024,
                    "{what}: the error is bounded ({} bytes)",
                    text.len()
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 7);
    let lines = LINES.lock().unwrap();
    for l in lines.iter() {
        assert_hidden(
            "log line",
            l,
            &[NASTY_KEY, NASTY_PASSWORD, NASTY_CODE, NASTY_TOKEN],
        );
    }
}
