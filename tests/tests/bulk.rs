//! Bulk writes: thousands of requests sent as chunks (each one `batch`, one transaction),
//! several at once, reported chunk by chunk.

use serde_json::{Map, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::typed::prelude::*;
use sg_runtime::typed::Batch;
use sg_runtime::{BatchRequest, BulkProgress, ChunkOutcome, Error, FieldUpdate};
use sg_tests::demo::{markers, Shot, ShotField};
use sg_tests::{demo_server, sent, SiteClient};

fn create(code: &str) -> BatchRequest {
    let mut fields = Map::new();
    fields.insert("code".into(), code.into());
    BatchRequest::Create {
        entity_type: "Shot".into(),
        fields,
        return_fields: vec!["code".into()],
        idempotency_key: None,
    }
}

/// How many Shots with `code` the site holds.
fn landed(server: &LocalSite, code: &str) -> usize {
    server
        .records("Shot")
        .iter()
        .filter(|r| r.get("code").and_then(Value::as_str) == Some(code))
        .count()
}

#[test]
fn a_thousand_creates_go_in_chunks_several_at_once_and_land_once_in_order() {
    let server = demo_server();
    let client = server.client().unwrap();
    let codes: Vec<String> = (0..1000).map(|i| format!("bulk_{i:04}")).collect();
    let requests: Vec<BatchRequest> = codes.iter().map(|c| create(c)).collect();
    let mut seen: Vec<BulkProgress> = Vec::new();
    let report = client
        .bulk(&requests)
        .chunk_size(100)
        .progress(|p| seen.push(p.clone()))
        .send();
    assert!(report.is_complete());
    assert_eq!(
        (report.landed(), report.not_applied(), report.unknown()),
        (1000, 0, 0)
    );
    assert_eq!(report.chunks().len(), 10);
    for (i, chunk) in report.chunks().iter().enumerate() {
        assert_eq!(chunk.requests, i * 100..(i + 1) * 100);
    }
    // One progress call per chunk, counting up to the whole.
    assert_eq!(seen.len(), 10);
    assert_eq!(
        seen.iter().map(|p| p.chunks_done).collect::<Vec<_>>(),
        (1..=10).collect::<Vec<_>>()
    );
    let last = seen.last().unwrap();
    assert_eq!((last.landed, last.failed, last.requests), (1000, 0, 1000));
    // The results in the order of the requests, each record made once.
    assert_eq!(report.result(537).unwrap()["code"], "bulk_0537");
    let results = report.into_results().unwrap();
    assert_eq!(results.len(), 1000);
    for (r, code) in results.iter().zip(&codes) {
        assert_eq!(r["code"], code.as_str());
        assert_eq!(landed(&server, code), 1, "{code}");
    }
    // Ten batch calls of a hundred requests.
    let batches = sent(&server, "batch");
    assert_eq!(batches.len(), 10);
    assert!(batches.iter().all(|b| b.as_array().unwrap().len() == 100));
}

#[test]
fn each_chunk_is_its_own_transaction_and_the_report_says_what_landed() {
    let server = demo_server();
    let client = server.client().unwrap();
    let mut requests: Vec<BatchRequest> = (0..50).map(|i| create(&format!("tx_{i:02}"))).collect();
    // Request 23 names a field the site does not have: its chunk (20..30) fails whole.
    requests[23] = BatchRequest::Update {
        entity_type: "Shot".into(),
        id: 1,
        fields: vec![FieldUpdate::set("no_such_field", "x")],
    };
    let report = client.bulk(&requests).chunk_size(10).send();
    assert!(!report.is_complete());
    assert_eq!(
        (report.landed(), report.not_applied(), report.unknown()),
        (40, 10, 0)
    );
    for chunk in report.chunks() {
        let failed = chunk.requests == (20..30);
        match (&chunk.outcome, failed) {
            (ChunkOutcome::Landed(results), false) => assert_eq!(results.len(), 10),
            (ChunkOutcome::NotApplied(e), true) => {
                assert!(e.to_string().contains("no_such_field"), "{e}")
            }
            (other, _) => panic!("{:?}: {other:?}", chunk.requests),
        }
    }
    // Nothing of the failed chunk landed; every other chunk did.
    for i in 0..50 {
        let want = usize::from(!(20..30).contains(&i));
        if i != 23 {
            assert_eq!(landed(&server, &format!("tx_{i:02}")), want, "request {i}");
        }
    }
    assert!(report.result(25).is_none());
    assert!(report.result(35).is_some());
    let e = report.into_results().unwrap_err();
    assert!(matches!(
        &e,
        Error::Bulk {
            landed: 40,
            not_applied: 10,
            unknown: 0,
            ..
        }
    ));
    assert!(!e.may_have_been_applied());
    assert!(e.to_string().contains("requests 20..30"), "{e}");
    // The site numbers the failed request within its batch (3 for request 23 of the bulk):
    // the error says where that count starts.
    assert!(e.to_string().contains("request 3 "), "{e}");
    assert!(
        e.to_string().contains("counts from request 20 of the bulk"),
        "{e}"
    );
}

#[test]
fn a_chunk_left_unknown_says_so_and_a_keyed_one_lands_exactly_once() {
    let server = demo_server();
    // Lookups for a chunk that did not land give up after 0.6 s, not the default window.
    let client = server
        .client_builder()
        .reconcile_window(std::time::Duration::from_millis(600))
        .build()
        .unwrap();
    // A gateway's 502 after the site applied the chunk: without keys, its outcome is unknown.
    let requests: Vec<BatchRequest> = (0..30).map(|i| create(&format!("plain_{i:02}"))).collect();
    server.inject(Some("batch"), Fault::StatusAfterHandling(502), 1);
    let report = client.bulk(&requests).chunk_size(10).send();
    assert_eq!(
        (report.landed(), report.not_applied(), report.unknown()),
        (20, 0, 10)
    );
    let e = report.into_results().unwrap_err();
    assert!(e.may_have_been_applied(), "{e}");

    // With keys: the chunk is looked for, found, and answered; none is sent twice.
    let keyed = |tag: &str| -> Vec<BatchRequest> {
        (0..30)
            .map(|i| {
                let code = format!("{tag}_{i:02}");
                let mut fields = Map::new();
                fields.insert("code".into(), code.clone().into());
                fields.insert("sg_uuid".into(), format!("uuid-{code}").into());
                BatchRequest::Create {
                    entity_type: "Shot".into(),
                    fields,
                    return_fields: vec!["code".into()],
                    idempotency_key: Some("sg_uuid".into()),
                }
            })
            .collect()
    };
    for (tag, fault) in [
        ("gateway", Fault::StatusAfterHandling(502)),
        ("cut", Fault::DropAfterHandling),
        ("refused", Fault::Status(503)),
    ] {
        server.inject(Some("batch"), fault.clone(), 1);
        let requests = keyed(tag);
        let report = client.bulk(&requests).chunk_size(10).send();
        assert!(report.is_complete(), "{fault:?}: {report:?}");
        assert_eq!(server.faults_pending(), 0);
        for i in 0..30 {
            assert_eq!(landed(&server, &format!("{tag}_{i:02}")), 1, "{fault:?}");
        }
        assert_eq!(
            report.result(29).unwrap()["code"],
            format!("{tag}_29").as_str()
        );
    }
}

#[test]
fn a_typed_batch_sent_in_bulk_reads_its_results_through_its_slots() {
    let server = demo_server();
    let client = server.client().unwrap();
    let mut batch = Batch::new();
    let slots: Vec<_> = (0..250)
        .map(|i| {
            batch.create(
                Shot::create()
                    .set(Shot::F.code, format!("typed_{i:03}"))
                    .returning([ShotField::Code]),
            )
        })
        .collect();
    let gone = batch.delete(Id::<markers::Shot>::new(1));
    let report = batch.bulk(&client).chunk_size(100).send();
    assert!(report.is_complete());
    assert_eq!(report.chunks().len(), 3);
    for (i, slot) in slots.iter().enumerate() {
        let shot = report.get(slot).unwrap().unwrap();
        assert_eq!(
            shot.get(&Shot::F.code).unwrap().as_deref(),
            Some(format!("typed_{i:03}").as_str())
        );
    }
    assert!(report.get(&gone).unwrap().unwrap(), "shot 1 was live");
    assert_eq!(landed(&server, "typed_249"), 1);
}

#[test]
fn an_empty_bulk_sends_nothing() {
    let server = demo_server();
    let client = server.client().unwrap();
    server.clear_requests();
    let report = client.bulk(&[]).send();
    assert!(report.is_complete());
    assert!(report.chunks().is_empty());
    assert_eq!(report.into_results().unwrap(), Vec::<Value>::new());
    assert!(sent(&server, "batch").is_empty());
}
