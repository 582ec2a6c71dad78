//! The receiver against the local site's webhooks: signatures refused, every event handled
//! exactly once whether delivered once, batched, repeated or not at all (read back from the
//! event log), across a restart; hostile bodies answered 400 or 413, never a panic.

use serde_json::{json, Map, Value};
use sg_localsite::webhooks::Webhook;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials};
use sg_webhook::{Receiver, Subscription};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "hook-s3cret-token";

fn site() -> LocalSite {
    LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [{"id": 1, "name": "Big Buck"}]}))
        .start()
        .unwrap()
}

fn client(site: &LocalSite) -> Client {
    Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap()
}

fn fields(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// Every Shot event of the site's log a webhook delivers (not the field changes made while a
/// record was created), by id.
fn shot_events(site: &LocalSite) -> Vec<i64> {
    let mut ids: Vec<i64> = site
        .records("EventLogEntry")
        .iter()
        .filter(|e| {
            e["event_type"]
                .as_str()
                .is_some_and(|t| t.starts_with("Shotgun_Shot_"))
                && e["meta"]["in_create"] != true
        })
        .filter_map(|e| e["id"].as_i64())
        .collect();
    ids.sort_unstable();
    ids
}

/// Creates `chunks` batches of 50 Shots coded `{prefix}{chunk}{i}`; returns their ids.
fn create_in_batches(client: &Client, prefix: &str, chunks: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for chunk in 0..chunks {
        let creates: Vec<sg_runtime::BatchRequest> = (0..50)
            .map(|i| sg_runtime::BatchRequest::Create {
                entity_type: "Shot".into(),
                fields: fields(json!({"code": format!("{prefix}{chunk:02}{i:02}"), "project": {"type": "Project", "id": 1}})),
                return_fields: vec![],
                idempotency_key: None,
            })
            .collect();
        for r in client.batch(&creates).unwrap() {
            ids.push(r["id"].as_i64().unwrap());
        }
    }
    ids
}

type Seen = Arc<Mutex<Vec<i64>>>;

fn recorder() -> (
    Seen,
    impl Fn(&sg_runtime::events::Event) -> Result<(), String>,
) {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    (seen, move |e: &sg_runtime::events::Event| {
        s.lock().unwrap().push(e.id);
        Ok(())
    })
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn counts(seen: &[i64]) -> BTreeMap<i64, usize> {
    let mut m = BTreeMap::new();
    for id in seen {
        *m.entry(*id).or_default() += 1;
    }
    m
}

fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.post(url);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    match r.send(body) {
        Ok(mut resp) => (
            resp.status().as_u16(),
            resp.body_mut().read_to_string().unwrap_or_default(),
        ),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn forged_truncated_missing_uppercase_and_wrong_algorithm_signatures_are_refused() {
    let (seen, handler) = recorder();
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret(SECRET)
        .start(handler)
        .unwrap();
    let body =
        json!({"data": {"id": "1.7.0", "event_log_entry_id": 7, "event_type": "Shotgun_Shot_New",
        "operation": "create", "entity": {"type": "Shot", "id": 1}, "meta": {"type": "new_entity"}},
        "timestamp": "2026-12-03T10:00:00Z"})
        .to_string();
    let good = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
    let hex = good.strip_prefix("sha1=").unwrap();
    let forged = sg_runtime::webhook::sign(b"not the secret", body.as_bytes());
    let cases: Vec<(&str, Option<String>)> = vec![
        ("forged", Some(forged)),
        ("truncated", Some(good[..good.len() - 2].to_string())),
        ("missing", None),
        (
            "uppercase hex",
            Some(format!("sha1={}", hex.to_uppercase())),
        ),
        ("wrong algorithm", Some(format!("sha256={hex}"))),
        ("no algorithm", Some(hex.to_string())),
    ];
    for (what, signature) in cases {
        let mut headers = vec![("content-type", "application/json; charset=utf-8")];
        if let Some(s) = &signature {
            headers.push(("x-sg-signature", s.as_str()));
        }
        let (status, text) = post(&receiver.url(), &headers, body.as_bytes());
        assert_eq!(status, 401, "{what}: {text}");
        assert!(
            !text.contains(SECRET),
            "{what}: the answer shows the secret"
        );
    }
    // The body altered after signing.
    let altered = body.replace("\"id\":1", "\"id\":2");
    let (status, _) = post(
        &receiver.url(),
        &[("x-sg-signature", &good)],
        altered.as_bytes(),
    );
    assert_eq!(status, 401);
    std::thread::sleep(Duration::from_millis(200));
    assert!(seen.lock().unwrap().is_empty(), "nothing handled");
    assert_eq!(receiver.stats().unauthorized, 7);

    // The real one is taken.
    let (status, _) = post(
        &receiver.url(),
        &[("x-sg-signature", &good)],
        body.as_bytes(),
    );
    assert_eq!(status, 200);
    wait_until("the delivery", || seen.lock().unwrap().len() == 1);
    receiver.stop();
}

#[test]
fn hostile_bodies_are_refused_with_400_or_413_and_nothing_panics() {
    let (seen, handler) = recorder();
    let receiver = Receiver::builder("127.0.0.1:0")
        .max_body(4096)
        .start(handler)
        .unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let bodies: Vec<(&str, Vec<u8>, u16)> = vec![
        ("empty", vec![], 400),
        ("not JSON", b"<html>".to_vec(), 400),
        ("not UTF-8", vec![0xff, 0xfe, 0x7b], 400),
        ("a list", b"[1,2]".to_vec(), 400),
        ("no data", br#"{"timestamp": "x"}"#.to_vec(), 400),
        ("data a string", br#"{"data": "x"}"#.to_vec(), 400),
        ("no event id", br#"{"data": {"id": "1", "operation": "create"}}"#.to_vec(), 400),
        ("deliveries not a list", br#"{"data": {"deliveries": 5}}"#.to_vec(), 400),
        ("a delivery not an object", br#"{"data": {"deliveries": [1]}}"#.to_vec(), 400),
        ("entity not a link", br#"{"data": {"id": "1", "event_log_entry_id": 3, "operation": "update", "entity": 5}}"#.to_vec(), 400),
        ("meta a number", br#"{"data": {"id": "1", "event_log_entry_id": 3, "operation": "update", "meta": 5}}"#.to_vec(), 400),
        ("too large", vec![b' '; 5000], 413),
        ("deeply nested, too large", deep.into_bytes(), 413),
    ];
    for (what, body, want) in bodies {
        let (status, text) = post(&receiver.url(), &[], &body);
        assert_eq!(status, want, "{what}: {text}");
    }
    let nested = format!("{{\"data\": {}{}}}", "[".repeat(1000), "]".repeat(1000));
    let (status, _) = post(&receiver.url(), &[], nested.as_bytes());
    assert_eq!(status, 400, "nesting past the parser's limit");
    let (status, _) = post(&receiver.url(), &[], br#"{"data": {"deliveries": []}}"#);
    assert_eq!(status, 200, "an empty batch");
    assert!(seen.lock().unwrap().is_empty());
    receiver.stop();
}

#[test]
fn a_thousand_changes_batched_and_repeated_are_each_handled_once() {
    let site = site();
    let client = client(&site);
    let (seen, handler) = recorder();
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret(SECRET)
        .workers(4)
        .backfill(&client, Subscription::new(["Shot"], Vec::<String>::new()))
        .start(handler)
        .unwrap();
    // Two webhooks on the receiver: one batched that sends every third request twice, one
    // delivering each event alone: every event comes at least twice.
    for batched in [true, false] {
        site.add_webhook(Webhook {
            url: receiver.url(),
            entity_types: vec!["Shot".into()],
            secret: Some(SECRET.into()),
            batched,
            repeat_every: batched.then_some(3),
            ..Webhook::default()
        });
    }
    // 1,000 changes: 250 creates, 750 updates, in batches and alone.
    let ids = create_in_batches(&client, "sh", 5);
    for (n, id) in ids.iter().cycle().take(750).enumerate() {
        let change = sg_runtime::FieldUpdate::set("description", format!("take {n}"));
        client.update("Shot", *id, &[change]).unwrap();
    }
    let all = shot_events(&site);
    let of_type = |t: &str| {
        site.records("EventLogEntry")
            .iter()
            .filter(|e| e["event_type"] == t)
            .count()
    };
    assert_eq!(of_type("Shotgun_Shot_New"), 250, "the log's creates");
    let descriptions = site
        .records("EventLogEntry")
        .iter()
        .filter(|e| e["attribute_name"] == "description")
        .count();
    assert_eq!(descriptions, 750, "the log's updates");
    assert!(site.wait_for_webhooks(Duration::from_secs(60)));
    let deadline = Instant::now() + Duration::from_secs(20);
    while counts(&seen.lock().unwrap()).len() < all.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let got = counts(&seen.lock().unwrap());
    let missing: Vec<i64> = all
        .iter()
        .filter(|i| !got.contains_key(i))
        .copied()
        .collect();
    assert!(
        missing.is_empty(),
        "lost: {missing:?} ({:?})",
        receiver.stats()
    );
    std::thread::sleep(Duration::from_millis(300));
    let handled = counts(&seen.lock().unwrap());
    let twice: Vec<_> = handled.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "handled more than once: {twice:?}");
    assert_eq!(
        handled.keys().copied().collect::<Vec<_>>(),
        all,
        "none lost"
    );
    let stats = receiver.stats();
    assert!(stats.repeats_dropped >= all.len() as u64, "{stats:?}");
    let deliveries = site.webhook_deliveries(1);
    assert!(
        deliveries.iter().any(|d| d.event_ids.len() > 1),
        "some batched"
    );
    assert!(deliveries.iter().all(|d| d.status == Some(200)));
    receiver.stop();
}

#[test]
fn a_receiver_down_for_a_while_misses_nothing_and_repeats_nothing() {
    let site = site();
    let client = client(&site);
    let tmp = tempfile::tempdir().unwrap();
    let checkpoint = tmp.path().join("checkpoint.json");
    let (seen, handler) = recorder();
    let handler = Arc::new(handler);
    let start = |addr: &str| {
        let h = handler.clone();
        Receiver::builder(addr)
            .secret(SECRET)
            .checkpoint(&checkpoint)
            .backfill(&client, Subscription::new(["Shot"], ["create", "update"]))
            .backfill_every(Duration::from_secs(3600))
            .start(move |e| h(e))
            .unwrap()
    };
    let first = start("127.0.0.1:0");
    let addr = first.addr().unwrap().to_string();
    site.add_webhook(Webhook {
        url: first.url(),
        entity_types: vec!["Shot".into()],
        operations: vec!["create".into(), "update".into()],
        secret: Some(SECRET.into()),
        ..Webhook::default()
    });
    let create = |code: String| {
        client
            .create("Shot", &fields(json!({"code": code})), &[])
            .unwrap()
    };
    for i in 0..40 {
        create(format!("before{i}"));
    }
    assert!(site.wait_for_webhooks(Duration::from_secs(30)));
    wait_until("the first 40 creates", || {
        counts(&seen.lock().unwrap()).len() == shot_events(&site).len()
    });
    first.stop();

    // Down: these deliveries fail (nobody listens), and only the event log has them.
    for i in 0..60 {
        create(format!("while_down{i}"));
    }
    assert!(site.wait_for_webhooks(Duration::from_secs(30)));
    let failed = site
        .webhook_deliveries(1)
        .iter()
        .filter(|d| d.status.is_none())
        .count();
    assert!(failed >= 60, "{failed} deliveries failed while down");

    // Up again on the same address, with the same checkpoint: the log fills the hole.
    let second = start(&addr);
    for i in 0..40 {
        create(format!("after{i}"));
    }
    assert!(site.wait_for_webhooks(Duration::from_secs(30)));
    second.backfill_now().unwrap();
    let all = shot_events(&site);
    wait_until("every event, once", || {
        counts(&seen.lock().unwrap()).len() == all.len()
    });
    let handled = counts(&seen.lock().unwrap());
    assert!(
        handled.values().all(|n| *n == 1),
        "handled twice: {handled:?}"
    );
    assert_eq!(handled.keys().copied().collect::<Vec<_>>(), all);
    let stats = second.stats();
    assert!(
        stats.handled_from_log >= 60,
        "the back-fill handed the missed ones: {stats:?}"
    );
    second.stop();
}

#[test]
fn each_delivered_event_is_acknowledged_with_its_outcome() {
    let site = site();
    let client = client(&site);
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret(SECRET)
        .acknowledge(&client)
        .start(|e| {
            let code = e.meta.entity().map(|r| r.id).unwrap_or_default();
            if code % 2 == 0 {
                Err(format!("no folder for Shot #{code}: disk full"))
            } else {
                Ok(())
            }
        })
        .unwrap();
    site.add_webhook(Webhook {
        url: receiver.url(),
        entity_types: vec!["Shot".into()],
        operations: vec!["create".into()],
        secret: Some(SECRET.into()),
        ..Webhook::default()
    });
    for i in 0..6 {
        client
            .create("Shot", &fields(json!({"code": format!("ack{i}")})), &[])
            .unwrap();
    }
    assert!(site.wait_for_webhooks(Duration::from_secs(10)));
    wait_until("six acknowledgements", || {
        receiver.stats().acknowledged == 6
    });
    let acks = site.webhook_acknowledgements(1);
    assert_eq!(acks.len(), 6);
    let failed: Vec<&(String, String)> =
        acks.iter().filter(|(_, t)| t.contains("failed")).collect();
    assert_eq!(failed.len(), 3, "{acks:?}");
    assert!(failed[0].1.contains("disk full"));
    assert!(acks
        .iter()
        .all(|(_, t)| t == r#"{"status":"succeeded"}"# || t.contains(r#""status":"failed""#)));
    assert_eq!(receiver.stats().acknowledgement_errors, 0);
    assert_eq!(
        site.rest_tokens_issued(),
        1,
        "one bearer token for six acknowledgements"
    );
    receiver.stop();

    // The site's side: a bearer token is needed, an acknowledgement is at most 4 KB, and the
    // delivery must be one the site made.
    let id = &acks[0].0;
    let e = client
        .acknowledge_webhook_delivery(id, &"x".repeat(5000))
        .unwrap_err();
    assert!(e.to_string().contains("at most 4096"), "{e}");
    let e = client
        .acknowledge_webhook_delivery("9.999.0", "{}")
        .unwrap_err();
    assert!(e.to_string().contains("404"), "{e}");
    let url = format!("{}/api/v1/webhook/deliveries/{id}", site.url());
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let status = match agent.put(&url).send(r#"{"acknowledgement": "x"}"#) {
        Ok(r) => r.status().as_u16(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(status, 401, "no bearer token");
    let bad = Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, "wrong key"))
        .retry_policy(sg_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let e = bad.acknowledge_webhook_delivery(id, "{}").unwrap_err();
    assert!(!e.to_string().contains("wrong key"), "{e}");
}

#[test]
fn after_a_long_outage_the_log_is_read_page_after_page_and_the_checkpoint_stays_small() {
    let site = site();
    let client = client(&site);
    let tmp = tempfile::tempdir().unwrap();
    let checkpoint = tmp.path().join("checkpoint.json");
    let (seen, handler) = recorder();
    let handler = Arc::new(handler);
    let start = || {
        let h = handler.clone();
        Receiver::builder("127.0.0.1:0")
            .checkpoint(&checkpoint)
            .backfill(&client, Subscription::new(["Shot"], ["create", "update"]))
            .backfill_every(Duration::from_secs(3600))
            .start(move |e| h(e))
            .unwrap()
    };
    start().stop(); // the checkpoint: the log was empty
                    // 1,500 creates (3,000 events) while nobody listens.
    create_in_batches(&client, "out", 30);
    let back = start();
    // The webhook is on again, and a change comes far past the checkpoint.
    site.add_webhook(Webhook {
        url: back.url(),
        entity_types: vec!["Shot".into()],
        ..Webhook::default()
    });
    client
        .create("Shot", &fields(json!({"code": "after"})), &[])
        .unwrap();
    assert!(site.wait_for_webhooks(Duration::from_secs(30)));
    let all = shot_events(&site);
    assert!(
        all.len() > 1500,
        "the creates (their fields' changes are not delivered)"
    );
    wait_until("every event of the outage", || {
        counts(&seen.lock().unwrap()).len() == all.len()
    });
    back.backfill_now().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let handled = counts(&seen.lock().unwrap());
    assert!(handled.values().all(|n| *n == 1), "handled twice");
    assert_eq!(handled.keys().copied().collect::<Vec<_>>(), all);
    let place = tmp.path().join("checkpoint.json.place");
    let size = std::fs::metadata(&place).unwrap().len();
    assert!(size < 10_000, "the event stream's place is {size} bytes");
    back.stop();
}

#[test]
fn a_subscription_names_its_entity_types_from_the_bindings() {
    use sg_runtime::webhook::Operation;
    use sg_tests::demo::markers;
    let typed = Subscription::of::<markers::Shot>(&[Operation::Create, Operation::Update])
        .and::<markers::Version>();
    assert_eq!(
        typed,
        Subscription::new(["Shot", "Version"], ["create", "update"])
    );
    assert_eq!(
        Subscription::of::<markers::Shot>(&[]),
        Subscription::new(["Shot"], Vec::<String>::new())
    );
}
