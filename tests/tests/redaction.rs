//! No key, password or token ever shows in `Debug`, `Display`, an error or a log line, for every
//! credential kind and every error path.

use serde_json::json;
use sg_runtime::mock::{Fault, MockServer};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials, Query, RetryPolicy};
use std::sync::Mutex;
use std::time::Duration;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
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

#[test]
fn no_secret_in_debug_errors_or_logs() {
    static CAPTURE: Capture = Capture;
    log::set_logger(&CAPTURE).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let server = MockServer::builder(Schema::demo())
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
        // A server message that echoes every secret.
        server.inject(Some("read"), Fault::Body(200, echo("exception")), 1);
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        // A malformed body that echoes them.
        server.inject(
            Some("read"),
            Fault::Body(200, format!("<html>{KEY} {PASSWORD} {CODE} {token}</html>")),
            1,
        );
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        // HTTP status, dropped connection, timeout.
        server.inject(Some("read"), Fault::Status(503), 2);
        errors.push(c.find_all(&Query::new("Shot")).unwrap_err());
        server.inject(Some("create"), Fault::DropBeforeHandling, 1);
        errors.push(
            c.create("Shot", json!({"code": "x"}).as_object().unwrap(), &[])
                .unwrap_err(),
        );
        server.inject(Some("create"), Fault::Delay(Duration::from_millis(500)), 1);
        errors.push(
            c.create("Shot", json!({"code": "y"}).as_object().unwrap(), &[])
                .unwrap_err(),
        );
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
