//! Paging: large results come back complete and in order, one page in memory at a time.

use serde_json::{json, Value};
use sg_runtime::{Direction, Filter, Query};
use sg_tests::demo_server;

const N: usize = 10_000;

fn seeded() -> sg_runtime::mock::MockServer {
    let server = demo_server();
    let shots: Vec<Value> = (0..N)
        .map(|i| json!({"code": format!("bulk_{i:05}"), "sg_cut_in": i as i64, "project": {"type": "Project", "id": 1}}))
        .collect();
    server.seed(&json!({ "Shot": shots })).unwrap();
    server
}

fn reads(server: &sg_runtime::mock::MockServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "read")
        .count()
}

#[test]
fn ten_thousand_records_lazily_complete_and_in_order() {
    let server = seeded();
    let client = server.client().unwrap();
    let q = Query::new("Shot")
        .filter(Filter::cond("code", "starts_with", ["bulk_"]))
        .fields(["code", "sg_cut_in"])
        .sort("sg_cut_in", Direction::Asc);
    let mut it = client.find(&q).unwrap();
    assert_eq!(
        reads(&server),
        0,
        "nothing is fetched before the first record is asked for"
    );
    let mut seen = 0usize;
    let mut max_buffered = 0;
    while let Some(r) = it.next() {
        let r = r.unwrap();
        assert_eq!(r["sg_cut_in"], seen as i64, "in order, none missing");
        assert_eq!(r["code"], format!("bulk_{seen:05}"));
        seen += 1;
        max_buffered = max_buffered.max(it.buffered());
        // Page k is fetched only when record 500*(k-1)+1 is wanted.
        assert_eq!(reads(&server), seen.div_ceil(500), "at record {seen}");
    }
    assert_eq!(seen, N);
    assert!(max_buffered < 500, "one page at a time, got {max_buffered}");
    assert_eq!(reads(&server), N / 500);
    let pages: Vec<u64> = server
        .requests()
        .iter()
        .filter_map(|r| r.params.as_ref()?.pointer("/paging/current_page")?.as_u64())
        .collect();
    assert_eq!(pages, (1..=(N / 500) as u64).collect::<Vec<_>>());
}

#[test]
fn limit_and_page() {
    let server = seeded();
    let client = server.client().unwrap();
    let q = Query::new("Shot")
        .filter(Filter::cond("code", "starts_with", ["bulk_"]))
        .fields(["sg_cut_in"])
        .sort("sg_cut_in", Direction::Asc);
    let limited = client.find_all(&q.clone().limit(1200)).unwrap();
    assert_eq!(limited.len(), 1200);
    assert_eq!(limited[1199]["sg_cut_in"], 1199);

    let page3 = client.find_all(&q.clone().limit(100).page(3)).unwrap();
    assert_eq!(page3.len(), 100);
    assert_eq!(page3[0]["sg_cut_in"], 200);
    assert_eq!(page3[99]["sg_cut_in"], 299);

    let small_pages = client.find_all(&q.clone().page_size(7).limit(20)).unwrap();
    assert_eq!(small_pages.len(), 20);
    let last = server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "read")
        .unwrap();
    assert_eq!(
        last.params.unwrap()["paging"],
        json!({"entities_per_page": 7, "current_page": 3})
    );
}

#[test]
fn an_error_mid_way_ends_the_iterator() {
    let server = seeded();
    let client = server.client().unwrap();
    let mut it = client.find(&Query::new("Shot").page_size(100)).unwrap();
    for _ in 0..100 {
        it.next().unwrap().unwrap();
    }
    server.inject(Some("read"), sg_runtime::mock::Fault::Status(500), 1);
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
}
