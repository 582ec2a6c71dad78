//! Paging: large results come back complete and in order, one page in memory at a time.

use serde_json::{json, Value};
use sg_localsite::Fault;
use sg_runtime::{Direction, Filter, Query};
use sg_tests::SiteClient;
use sg_tests::{demo_server, numbered_shots};

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

/// The page numbers of the `read` requests received, in the order received.
fn pages_asked(server: &sg_localsite::LocalSite) -> Vec<u64> {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "read")
        .filter_map(|r| r.params.as_ref()?.pointer("/paging/current_page")?.as_u64())
        .collect()
}

/// A client that sends one request at a time: page after page, as the official client reads.
fn sequential(server: &sg_localsite::LocalSite) -> sg_runtime::Client {
    server
        .client_builder()
        .max_concurrent_requests(1)
        .build()
        .unwrap()
}

#[test]
fn ten_thousand_records_lazily_complete_and_in_order() {
    let server = seeded();
    let q = Query::new("Shot")
        .filter(Filter::cond("code", "starts_with", ["bulk_"]))
        .fields(["code", "sg_cut_in"])
        .sort("sg_cut_in", Direction::Asc);

    // Page after page: page k is fetched only when record 500*(k-1)+1 is wanted.
    let client = sequential(&server);
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
        assert_eq!(reads(&server), seen.div_ceil(500), "at record {seen}");
        assert_eq!(it.pages_ahead(), 0);
    }
    assert_eq!(seen, N);
    assert!(max_buffered < 500, "one page at a time, got {max_buffered}");
    assert_eq!(
        pages_asked(&server),
        (1..=(N / 500) as u64).collect::<Vec<_>>()
    );

    // Reading ahead (the default): the same records in the same order; nothing fetched before
    // the first record is asked for; never more pages asked than the one handed over and the
    // client's limit ahead of it (memory: those pages at most); every page once, none past
    // the end.
    server.clear_requests();
    let client = server.client().unwrap();
    let window = client.max_concurrent_requests();
    assert!(window > 1, "the default reads ahead");
    let mut it = client.find(&q).unwrap();
    assert_eq!(reads(&server), 0);
    let (mut seen, mut max_buffered, mut max_ahead) = (0usize, 0, 0);
    while let Some(r) = it.next() {
        let r = r.unwrap();
        assert_eq!(r["sg_cut_in"], seen as i64, "in order, none missing");
        assert_eq!(r["code"], format!("bulk_{seen:05}"));
        seen += 1;
        max_buffered = max_buffered.max(it.buffered());
        max_ahead = max_ahead.max(it.pages_ahead());
        let handed = seen.div_ceil(500);
        assert!(
            reads(&server) <= handed + window,
            "at record {seen}: {} pages asked",
            reads(&server)
        );
    }
    assert_eq!(seen, N);
    assert!(max_buffered < 500, "one page handed over at a time");
    assert!(
        (1..=window).contains(&max_ahead),
        "{max_ahead} pages ahead, limit {window}"
    );
    let mut pages = pages_asked(&server);
    pages.sort_unstable();
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

    server.clear_requests();
    let small_pages = client.find_all(&q.clone().page_size(7).limit(20)).unwrap();
    assert_eq!(small_pages.len(), 20);
    let mut pagings: Vec<Value> = sg_tests::sent(&server, "read")
        .into_iter()
        .map(|p| p["paging"].clone())
        .collect();
    pagings.sort_by_key(|p| p["current_page"].as_u64());
    assert_eq!(
        pagings,
        (1..=3)
            .map(|n| json!({"entities_per_page": 7, "current_page": n}))
            .collect::<Vec<_>>(),
        "the three pages 20 records need, no more"
    );
}

#[test]
fn an_error_mid_way_ends_the_iterator_and_names_its_page() {
    let server = seeded();
    let query = Query::new("Shot").page_size(100).sort("id", Direction::Asc);

    // Page after page: the next page is the one that fails.
    let client = sequential(&server);
    let mut it = client.find(&query).unwrap();
    for _ in 0..100 {
        it.next().unwrap().unwrap();
    }
    server.inject(Some("read"), Fault::Status(500), 1);
    let e = it.next().unwrap().unwrap_err();
    assert!(
        matches!(e, sg_runtime::Error::Page { page: 2, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("(page 2 of the read)"), "{e}");
    assert_eq!(e.error_code(), None);
    assert!(it.next().is_none());

    // Reading ahead: the first page asked after the fault fails; the records before it come
    // whole and in order, then its error, then nothing.
    let client = server.client().unwrap();
    let mut it = client.find(&query).unwrap();
    let mut ids: Vec<i64> = (0..100)
        .map(|_| it.next().unwrap().unwrap()["id"].as_i64().unwrap())
        .collect();
    server.inject(Some("read"), Fault::Status(500), 1);
    let e = loop {
        match it.next().expect("the fault ends the read before its end") {
            Ok(r) => ids.push(r["id"].as_i64().unwrap()),
            Err(e) => break e,
        }
    };
    let sg_runtime::Error::Page { page, .. } = e else {
        panic!("{e:?}")
    };
    assert!(page >= 2, "page {page}");
    assert_eq!(ids.len(), (page - 1) * 100, "the pages before page {page}");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order");
    assert!(it.next().is_none());
    assert_eq!(server.faults_pending(), 0);
}

#[test]
fn a_page_that_fails_is_tried_again_alone() {
    let server = seeded();
    let client = server.client().unwrap();
    let query = Query::new("Shot")
        .filter(Filter::cond("code", "starts_with", ["bulk_"]))
        .fields(["sg_cut_in"])
        .page_size(250)
        .sort("sg_cut_in", Direction::Asc);
    let mut it = client.find(&query).unwrap();
    let first = it.next().unwrap().unwrap();
    assert_eq!(first["sg_cut_in"], 0);
    // A gateway's 502 to one of the pages read ahead: a read is tried again.
    server.inject(Some("read"), Fault::Status(502), 1);
    let rest: Vec<i64> = it
        .map(|r| r.unwrap()["sg_cut_in"].as_i64().unwrap())
        .collect();
    assert_eq!(server.faults_pending(), 0, "the fault was played");
    assert_eq!(rest.len(), N - 1);
    assert!(
        rest.windows(2).all(|w| w[0] + 1 == w[1]),
        "whole and in order"
    );
    let mut pages = pages_asked(&server);
    pages.sort_unstable();
    let twice: Vec<u64> = pages
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert_eq!(twice.len(), 1, "one page asked again: {pages:?}");
    assert!(twice[0] >= 2, "a page read ahead");
    pages.dedup();
    assert_eq!(pages, (1..=(N / 250) as u64).collect::<Vec<_>>());
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
    // Page after page, so that the pages asked are exactly those needed to notice.
    let client = sequential(&server);
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

    // New records on every page and no count: the client's bound, reading ahead or not; ahead,
    // no page past the bound is asked for.
    for concurrent in [1, 8] {
        let bounded = server
            .client_builder()
            .max_pages(10)
            .max_concurrent_requests(concurrent)
            .build()
            .unwrap();
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
        assert_eq!(reads(&server), 10, "{concurrent} at once");
        server.clear_faults();
    }

    // Reading ahead, the same page again and again: the same error, a window of pages at most.
    server.clear_requests();
    server.inject(Some("read"), endless_page(&[1, 2], None), 50);
    let client = server.client().unwrap();
    let e = client.find_all(&query).unwrap_err();
    assert!(
        e.to_string()
            .contains("stopped paging at page 2: it repeats the previous page"),
        "{e}"
    );
    assert!(reads(&server) <= 1 + client.max_concurrent_requests());
}

/// Reading ahead gives exactly the records of a page-after-page read, in the same order, and
/// asks for the same pages (none past the end): seeded random queries over every combination
/// of limit and page the official client takes (none, 0, under, at and over a page), page
/// sizes, orders and filters, untyped and typed.
#[test]
fn reading_ahead_gives_what_reading_page_after_page_gives() {
    const SHOTS: i64 = 157;
    let shots: Vec<Value> = (1..=SHOTS)
        .map(
            |id| json!({"id": id, "code": format!("s{:03}", (id * 53) % 97), "sg_cut_in": id % 13}),
        )
        .collect();
    let server = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({ "Shot": shots }))
        .page_size(20)
        .start()
        .unwrap();
    let one = sequential(&server);
    let ahead = server
        .client_builder()
        .max_concurrent_requests(4)
        .build()
        .unwrap();
    let mut seed = 22u64;
    let mut next = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let pagings = |server: &sg_localsite::LocalSite| -> Vec<(u64, u64)> {
        let mut p: Vec<(u64, u64)> = sg_tests::sent(server, "read")
            .iter()
            .map(|r| {
                let p = &r["paging"];
                (
                    p["current_page"].as_u64().unwrap(),
                    p["entities_per_page"].as_u64().unwrap(),
                )
            })
            .collect();
        p.sort_unstable();
        p
    };
    let mut several_pages = 0;
    for round in 0..400 {
        let mut q = Query::new("Shot").fields(["code"]);
        let size = match next(3) {
            0 => None,
            _ => Some(1 + next(20) as usize),
        };
        if let Some(size) = size {
            q = q.page_size(size);
        }
        let per_page = size.unwrap_or(20) as u64;
        q = match next(4) {
            0 => q,
            1 => q.limit(per_page as usize),
            2 => q.limit(1 + next(per_page) as usize),
            _ => q.limit(1 + next(SHOTS as u64 + 40) as usize),
        };
        q = match next(4) {
            0 | 1 => q,
            2 => q.page(0),
            _ => q.page(1 + next(10) as usize),
        };
        q = match next(3) {
            0 => q,
            1 => q.sort("code", Direction::Desc).sort("id", Direction::Asc),
            _ => q.sort("sg_cut_in", Direction::Asc),
        };
        if next(3) == 0 {
            q = q.filter(Filter::cond("sg_cut_in", "less_than", [next(14) as i64]));
        }
        let label = format!("round {round}: {q:?}");

        server.clear_requests();
        let want = one.find_all(&q).unwrap();
        let want_pages = pagings(&server);
        server.clear_requests();
        let got = ahead.find_all(&q).unwrap();
        assert_eq!(got, want, "{label}");
        assert_eq!(pagings(&server), want_pages, "{label}");
        several_pages += usize::from(want_pages.len() > 2);

        if round % 4 == 0 {
            let typed = |client: &sg_runtime::Client| -> Vec<(i64, Option<String>)> {
                let mut find =
                    sg_tests::demo::Shot::find().fields([sg_tests::demo::ShotField::Code]);
                if let Some(size) = size {
                    find = find.page_size(size);
                }
                find.all(client)
                    .unwrap()
                    .iter()
                    .map(|s| (s.id().get(), s.get(&sg_tests::demo::Shot::F.code).unwrap()))
                    .collect()
            };
            assert_eq!(typed(&ahead), typed(&one), "typed, {label}");
        }
    }
    assert!(
        several_pages > 100,
        "{several_pages} reads of several pages"
    );
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

/// A table others write to while it is read.
struct Churn {
    writer: sg_runtime::Client,
    existing: std::collections::BTreeSet<i64>,
    seed: u64,
}

impl Churn {
    fn next(&mut self, n: usize) -> usize {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.seed >> 33) % n as u64) as usize
    }

    /// Reads `records`, and after every 100 records deletes 7 of those read and 3 not yet read,
    /// and creates 10. Returns the ids read and the records that existed throughout.
    fn read(
        &mut self,
        records: impl Iterator<Item = sg_runtime::Result<i64>>,
    ) -> (Vec<i64>, std::collections::BTreeSet<i64>) {
        let mut throughout = self.existing.clone();
        let mut got = Vec::new();
        for id in records {
            got.push(id.unwrap());
            if got.len() % 100 != 0 {
                continue;
            }
            let cursor = *got.last().unwrap();
            let before: Vec<i64> = self.existing.range(..=cursor).copied().collect();
            let after: Vec<i64> = self.existing.range(cursor + 1..).copied().collect();
            let mut doomed = Vec::new();
            for _ in 0..7 {
                doomed.push(before[self.next(before.len())]);
            }
            for _ in 0..3.min(after.len()) {
                doomed.push(after[self.next(after.len())]);
            }
            for id in doomed {
                if self.existing.remove(&id) {
                    assert!(self.writer.delete("Shot", id).unwrap());
                    throughout.remove(&id);
                }
            }
            for _ in 0..10 {
                let r = self
                    .writer
                    .create("Shot", json!({"code": "new"}).as_object().unwrap(), &[])
                    .unwrap();
                self.existing.insert(r["id"].as_i64().unwrap());
            }
        }
        (got, throughout)
    }
}

/// Reading while records are created and deleted: a read by id gives every record that exists
/// throughout exactly once, in id order, page after page or reading ahead, untyped or typed;
/// a read by page number skips records (those after a deleted one shift a page back).
#[test]
fn a_read_by_id_of_a_changing_table_skips_and_repeats_nothing() {
    use std::collections::BTreeSet;
    const SHOTS: i64 = 2000;
    let site = sg_localsite::LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({ "Shot": numbered_shots(SHOTS) }))
        .page_size(50)
        .start()
        .unwrap();
    let mut churn = Churn {
        writer: site.client().unwrap(),
        existing: (1..=SHOTS).collect(),
        seed: 2212,
    };
    let check = |label: &str, (got, throughout): (Vec<i64>, BTreeSet<i64>)| {
        assert!(
            got.windows(2).all(|w| w[0] < w[1]),
            "{label}: in id order, none twice"
        );
        let deleted = (1..=SHOTS).filter(|id| !throughout.contains(id)).count();
        assert!(
            deleted > 150,
            "{label}: {deleted} of the first {SHOTS} deleted so far"
        );
        let got: BTreeSet<i64> = got.into_iter().collect();
        let missed: Vec<&i64> = throughout.difference(&got).collect();
        assert!(
            missed.is_empty(),
            "{label}: {} missed: {missed:?}",
            missed.len()
        );
    };

    for concurrent in [1, 8] {
        let client = site
            .client_builder()
            .max_concurrent_requests(concurrent)
            .build()
            .unwrap();
        let ids = client
            .find_by_id(&Query::new("Shot").fields(["code"]))
            .unwrap()
            .map(|r| r.map(|r| r["id"].as_i64().unwrap()));
        check(&format!("by id, {concurrent} at once"), churn.read(ids));

        let ids = sg_tests::demo::Shot::find()
            .fields([sg_tests::demo::ShotField::Code])
            .by_id()
            .iter(&client)
            .unwrap()
            .map(|r| r.map(|s| s.id().get()));
        check(
            &format!("typed by id, {concurrent} at once"),
            churn.read(ids),
        );
    }

    // By page number, in id order, page after page: the same changes make it skip records.
    let client = sequential(&site);
    let ids = client
        .find(&Query::new("Shot").sort("id", Direction::Asc))
        .unwrap()
        .map(|r| r.map(|r| r["id"].as_i64().unwrap()));
    let (got, throughout) = churn.read(ids);
    let got: BTreeSet<i64> = got.into_iter().collect();
    let missed = throughout.difference(&got).count();
    assert!(missed > 50, "page numbers skipped {missed} records");
}

#[test]
fn a_read_by_id_refuses_sorts_and_page_numbers_and_takes_a_limit() {
    let server = seeded();
    let client = server.client().unwrap();
    let e = client
        .find_by_id(&Query::new("Shot").sort("code", Direction::Asc))
        .unwrap_err();
    assert!(
        e.to_string().contains("read by id of Shot") && e.to_string().contains("sorts (code)"),
        "{e}"
    );
    let e = client.find_by_id(&Query::new("Shot").page(2)).unwrap_err();
    assert!(e.to_string().contains("page number (2)"), "{e}");

    let bulk = Query::new("Shot").filter(Filter::cond("code", "starts_with", ["bulk_"]));
    let all: Vec<i64> = client
        .find_all(&bulk.clone().sort("id", Direction::Asc))
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    for (limit, size) in [
        (1, 500),
        (499, 500),
        (500, 500),
        (1234, 500),
        (1234, 7),
        (N, 100),
    ] {
        for concurrent in [1, 3, 8] {
            let client = server
                .client_builder()
                .max_concurrent_requests(concurrent)
                .build()
                .unwrap();
            let got: Vec<i64> = client
                .find_by_id(&bulk.clone().limit(limit).page_size(size))
                .unwrap()
                .map(|r| r.unwrap()["id"].as_i64().unwrap())
                .collect();
            assert_eq!(
                got,
                all[..limit],
                "limit {limit}, pages of {size}, {concurrent} at once"
            );
        }
    }
    let every: Vec<i64> = client
        .find_by_id(&bulk)
        .unwrap()
        .map(|r| r.unwrap()["id"].as_i64().unwrap())
        .collect();
    assert_eq!(every, all);
}
