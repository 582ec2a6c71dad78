//! The local site delivers webhooks as a site does (the receiver's tests rely on it): headers
//! and signature, the batched format of at most 50, the 1 MB rule, and the failed status after
//! 100 failed deliveries. A plain HTTP server records what arrives.

use serde_json::{json, Value};
use sg_localsite::webhooks::Webhook;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::webhook::{decode, Operation};
use sg_runtime::{Client, Credentials};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Seen = Arc<Mutex<Vec<(BTreeMap<String, String>, Vec<u8>)>>>;

/// Entity markers of our own: these tests use no generated bindings.
enum Shot {}
impl sg_runtime::typed::EntityType for Shot {
    const NAME: &'static str = "Shot";
    type Attachment = sg_runtime::typed::AnyEntity;
}
enum Asset {}
impl sg_runtime::typed::EntityType for Asset {
    const NAME: &'static str = "Asset";
    type Attachment = sg_runtime::typed::AnyEntity;
}

/// A consumer that records each request and answers `status`: an axum application.
fn consumer(status: u16) -> (String, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let record = move |headers: http::HeaderMap, body: axum::body::Bytes| {
        let headers = headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        s.lock().unwrap().push((headers, body.to_vec()));
        std::future::ready(http::StatusCode::from_u16(status).unwrap())
    };
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(record);
            axum::serve(listener, app).await.unwrap();
        });
    });
    (url, seen)
}

fn site() -> (LocalSite, Client) {
    let site = LocalSite::builder(Schema::demo()).start().unwrap();
    let client = Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap();
    (site, client)
}

fn create_shot(client: &Client, code: &str) -> i64 {
    let fields = json!({"code": code}).as_object().unwrap().clone();
    client.create("Shot", &fields, &[]).unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_delivery_carries_the_sites_headers_signature_and_format() {
    let (site, client) = site();
    let (url, seen) = consumer(200);
    let hook = site.add_webhook(Webhook {
        url,
        entity_types: vec!["Shot".into()],
        operations: vec!["create".into()],
        secret: Some("tok".into()),
        ..Webhook::default()
    });
    let id = create_shot(&client, "sh001");
    assert!(site.wait_for_webhooks(Duration::from_secs(10)));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        1,
        "one create, no field changes: operations = create"
    );
    let (headers, body) = &seen[0];
    assert_eq!(headers["content-type"], "application/json; charset=utf-8");
    assert_eq!(headers["x-sg-webhook-id"], hook.to_string());
    assert_eq!(headers["x-sg-event-batch-size"], "1");
    assert_eq!(headers["x-sg-webhook-site-url"], site.url());
    for h in [
        "x-sg-delivery-id",
        "x-sg-event-batch-id",
        "x-sg-event-batch-index",
    ] {
        assert!(headers.contains_key(h), "{h}");
    }
    sg_runtime::webhook::verify(b"tok", Some(&headers["x-sg-signature"]), body).unwrap();
    let deliveries = decode(body).unwrap();
    assert_eq!(deliveries.len(), 1);
    let d = &deliveries[0];
    assert_eq!(d.operation, Operation::Create);
    assert_eq!(d.id, headers["x-sg-delivery-id"]);
    assert_eq!(d.event.event_type, "Shotgun_Shot_New");
    assert_eq!(d.event.entity.as_ref().map(|e| e.id), Some(id));
    assert_eq!(
        d.event.entity_link::<Shot>().map(|l| l.id().get()),
        Some(id),
        "the entity as a typed link"
    );
    assert!(d.event.entity_link::<Asset>().is_none());
    let raw: Value = serde_json::from_slice(body).unwrap();
    assert!(raw["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')));
}

#[test]
fn batches_hold_at_most_fifty_and_big_payloads_lose_their_values() {
    let (site, client) = site();
    let (url, seen) = consumer(200);
    site.add_webhook(Webhook {
        url,
        entity_types: vec!["Shot".into()],
        operations: vec!["create".into(), "update".into()],
        fields: vec!["description".into()],
        batched: true,
        ..Webhook::default()
    });
    let requests: Vec<sg_runtime::BatchRequest> = (0..120)
        .map(|i| sg_runtime::BatchRequest::Create {
            entity_type: "Shot".into(),
            fields: json!({"code": format!("b{i:03}")})
                .as_object()
                .unwrap()
                .clone(),
            return_fields: vec![],
            idempotency_key: None,
        })
        .collect();
    let ids: Vec<i64> = client
        .batch(&requests)
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    // A description of 1.2 MB: its change event is cut.
    let big = "x".repeat(1_200_000);
    client
        .update(
            "Shot",
            ids[0],
            &[sg_runtime::FieldUpdate::set("description", big)],
        )
        .unwrap();
    assert!(site.wait_for_webhooks(Duration::from_secs(20)));
    let seen = seen.lock().unwrap();
    let mut creates = 0;
    let mut cut = Vec::new();
    for (headers, body) in seen.iter() {
        let deliveries = decode(body).unwrap();
        assert!(
            deliveries.len() <= 50,
            "{} in one request",
            deliveries.len()
        );
        assert_eq!(
            headers["x-sg-event-batch-size"],
            deliveries.len().to_string()
        );
        let raw: Value = serde_json::from_slice(body).unwrap();
        assert!(raw["data"]["deliveries"].is_array(), "the batched format");
        creates += deliveries
            .iter()
            .filter(|d| d.operation == Operation::Create)
            .count();
        cut.extend(
            deliveries
                .into_iter()
                .filter(|d| d.operation == Operation::Update),
        );
    }
    assert_eq!(
        creates, 120,
        "every create; field changes of creates are not description"
    );
    assert!(seen.len() >= 3, "120 creates need three requests at least");
    assert_eq!(cut.len(), 1);
    assert!(cut[0].warning.is_some(), "the 1 MB rule");
    let sg_runtime::typed::EventMeta::AttributeChange { new_value, .. } = &cut[0].event.meta else {
        panic!("{:?}", cut[0].event.meta)
    };
    assert!(new_value.is_null(), "new_value removed");
    assert!(site.webhook_deliveries(1).iter().any(|d| d.cut));
}

#[test]
fn a_hundred_failed_deliveries_mark_the_webhook_failed() {
    let (site, client) = site();
    let (url, seen) = consumer(500);
    site.add_webhook(Webhook {
        url,
        entity_types: vec!["Shot".into()],
        operations: vec!["create".into()],
        ..Webhook::default()
    });
    for i in 0..110 {
        create_shot(&client, &format!("f{i:03}"));
    }
    assert!(site.wait_for_webhooks(Duration::from_secs(30)));
    assert!(site.webhook_failed(1));
    assert_eq!(
        seen.lock().unwrap().len(),
        100,
        "no delivery after the 100th failure"
    );
    assert!(site
        .webhook_deliveries(1)
        .iter()
        .all(|d| d.status == Some(500)));
}
