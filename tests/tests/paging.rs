//! Paging: large results come back complete and in order, one page in memory at a time.

use serde_json::{json, Value};
use sg_localsite::Fault;
use sg_runtime::{Direction, Filter, Query};
use sg_tests::demo_server;
use sg_tests::SiteClient;

const N: usize = 10_000;

fn seeded() -> sg_localsite::LocalSite {
    let server = demo_server();
    let shots: Vec<Value> = (0..N)
        .map(|i| json!({"code": format!("bulk_{i:05}"), "sg_cut_in": i as i64, "project": {"type": "Project", "id": 1}}))
        .collect();
    server.seed(&json!({ "Shot": shots })).unwrap();
    server
}

fn reads(server: &sg_localsite::LocalSite) -> usize {
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
    server.inject(Some("read"), sg_localsite::Fault::Status(500), 1);
    assert!(it.next().unwrap().is_err());
    assert!(it.next().is_none());
}

/// A whole HTTP answer whose `read` results hold `ids` and say another page follows. The server
/// closes the connection after it, and says so.
fn endless_page(ids: &[i64], count: Option<u64>) -> Fault {
    let entities: Vec<Value> = ids
        .iter()
        .map(|i| json!({"type": "Shot", "id": i}))
        .collect();
    let mut paging = json!({"has_next_page": true});
    if let Some(c) = count {
        paging = json!({"has_next_page": true, "entity_count": c});
    }
    let body = json!({"results": {"entities": entities, "paging_info": paging}}).to_string();
    Fault::Raw(
        format!(
            "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

#[test]
fn a_site_that_always_has_a_next_page_cannot_keep_find_all_reading() {
    let server = seeded();
    let client = server.client().unwrap();
    let query = Query::new("Shot").page_size(2);

    // The same page again and again.
    server.inject(Some("read"), endless_page(&[1, 2], None), 50);
    let e = client.find_all(&query).unwrap_err();
    assert!(
        e.to_string()
            .contains("stopped paging at page 2: it repeats the previous page"),
        "{e}"
    );
    assert_eq!(reads(&server), 2);
    server.clear_faults();

    // New records on every page, more pages than the site's own count allows.
    server.clear_requests();
    for p in 0..50 {
        server.inject(
            Some("read"),
            endless_page(&[2 * p + 1, 2 * p + 2], Some(6)),
            1,
        );
    }
    let e = client.find_all(&query).unwrap_err();
    assert!(e.to_string().contains("the site counted 6 records"), "{e}");
    assert_eq!(
        reads(&server),
        6,
        "6 records: 3 pages, a tenth more and one page"
    );
    server.clear_faults();

    // New records on every page and no count: the client's bound.
    let bounded = server.client_builder().max_pages(10).build().unwrap();
    server.clear_requests();
    for p in 0..50 {
        server.inject(Some("read"), endless_page(&[2 * p + 1, 2 * p + 2], None), 1);
    }
    let e = bounded.find_all(&query).unwrap_err();
    assert!(
        e.to_string()
            .contains("10 pages read, the most this client reads"),
        "{e}"
    );
    assert_eq!(reads(&server), 10);
}

/// The local server keeps a query's matches between its pages and cuts id bounds out of them by
/// binary search: seeded random queries (id bounds alone, in `or` groups, with other conditions,
/// in four orders, any page) answer exactly what a plain evaluation of the same data gives, and
/// a write between two pages is seen by the next page, as a site that re-runs the query.
#[test]
fn pages_of_kept_matches_equal_a_plain_evaluation() {
    const SHOTS: i64 = 300;
    let cut = |id: i64| (id * 37) % 101;
    let shots: Vec<Value> = (1..=SHOTS)
        .map(|id| json!({"id": id, "code": format!("s{}", id % 7), "sg_cut_in": cut(id)}))
        .collect();
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({ "Shot": shots }))
        .page_size(50)
        .start()
        .unwrap();
    let client = server.client().unwrap();
    let mut seed = 2026u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    for round in 0..300 {
        let a = next(SHOTS as u64 + 20) as i64 - 10;
        let b = next(SHOTS as u64 + 20) as i64 - 10;
        let set: Vec<i64> = (0..next(6)).map(|_| next(SHOTS as u64) as i64).collect();
        let (id_filter, id_ok): (Value, Box<dyn Fn(i64) -> bool>) = match next(5) {
            0 => (
                json!({"path": "id", "relation": "greater_than", "values": [a]}),
                Box::new(move |id| id > a),
            ),
            1 => (
                json!({"path": "id", "relation": "between", "values": [a.min(b), a.max(b)]}),
                Box::new(move |id| id >= a.min(b) && id <= a.max(b)),
            ),
            2 => {
                let s = set.clone();
                (
                    json!({"logical_operator": "or", "conditions": [
                        {"path": "id", "relation": "greater_than", "values": [a]},
                        {"path": "id", "relation": "in", "values": set}]}),
                    Box::new(move |id| id > a || s.contains(&id)),
                )
            }
            3 => (
                json!({"path": "id", "relation": "less_than", "values": [b]}),
                Box::new(move |id| id < b),
            ),
            _ => (
                json!({"path": "id", "relation": "is_not", "values": [a]}),
                Box::new(move |id| id != a),
            ),
        };
        let code = format!("s{}", next(7));
        let with_code = next(2) == 0;
        let mut conditions = vec![id_filter];
        if with_code {
            conditions.push(json!({"path": "code", "relation": "is", "values": [code]}));
        }
        let (sorts, mut expected): (Value, Vec<i64>) = {
            let mut ids: Vec<i64> = (1..=SHOTS)
                .filter(|id| id_ok(*id) && (!with_code || format!("s{}", id % 7) == code))
                .collect();
            match next(4) {
                0 => (json!([]), ids),
                1 => (json!([{"field_name": "id", "direction": "asc"}]), ids),
                2 => {
                    ids.reverse();
                    (json!([{"field_name": "id", "direction": "desc"}]), ids)
                }
                _ => {
                    ids.sort_by_key(|id| (std::cmp::Reverse(cut(*id)), *id));
                    (
                        json!([{"field_name": "sg_cut_in", "direction": "desc"}]),
                        ids,
                    )
                }
            }
        };
        let per_page = 1 + next(20) as usize;
        let page = 1 + next(4) as usize;
        let r = client
            .call(
                "read",
                Some(json!({
                    "type": "Shot", "return_fields": ["id"], "sorts": sorts,
                    "filters": {"logical_operator": "and", "conditions": conditions},
                    "paging": {"entities_per_page": per_page, "current_page": page},
                })),
            )
            .unwrap();
        let total = expected.len();
        expected = expected
            .into_iter()
            .skip((page - 1) * per_page)
            .take(per_page)
            .collect();
        let got: Vec<i64> = r["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(got, expected, "round {round}: {conditions:?} {sorts}");
        assert_eq!(r["paging_info"]["entity_count"], total, "round {round}");
    }

    // A create between two pages of one query: the next page sees it.
    let q = |page: u64| {
        json!({"type": "Shot", "return_fields": ["code"],
               "sorts": [{"field_name": "code", "direction": "asc"}],
               "filters": {"logical_operator": "and", "conditions": [
                   {"path": "code", "relation": "starts_with", "values": ["s1"]}]},
               "paging": {"entities_per_page": 2, "current_page": page}})
    };
    let page1 = client.call("read", Some(q(1))).unwrap();
    client
        .create("Shot", json!({"code": "s0"}).as_object().unwrap(), &[])
        .unwrap();
    client
        .create("Shot", json!({"code": "s1"}).as_object().unwrap(), &[])
        .unwrap();
    let page1_again = client.call("read", Some(q(1))).unwrap();
    assert_eq!(
        page1_again["paging_info"]["entity_count"],
        page1["paging_info"]["entity_count"].as_u64().unwrap() + 1
    );
}
