//! Receivers on several machines, on one PostgreSQL database (`sg_webhook::postgres`), against a
//! real server the tests start themselves (`sg_tests::pg`; they say they skipped where PostgreSQL is
//! not installed):
//! - the tables are created once when many nodes start at once;
//! - an event delivered to every node is handled by one;
//! - a node that dies has what it accepted taken over, and what it was running reported "may
//!   have run";
//! - one node at a time holds the back-fill lease; a killed holder's lease is taken within
//!   seconds (the fail-over time printed, median of 10);
//! - the fault test: three receiver processes behind a round-robin proxy, the local site
//!   delivering 5,000 events, receivers killed with SIGKILL and restarted at seeded random
//!   times, the database restarted once: every event handled, none twice but those the database
//!   lists as "may have run", the lease held by one node at a time (from the database).
//!
//! The receiver processes are this test binary itself, run with `--ignored --exact pg_child`.

use serde_json::json;
use sg_localsite::webhooks::Webhook;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials};
use sg_tests::pg::Pg;
use sg_webhook::ledger::{Claim, Lease};
use sg_webhook::postgres::{PgLedger, PgOptions};
use sg_webhook::{Ledger, Receiver, Subscription};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "pg-s3cret";

fn options(node: &str) -> PgOptions {
    PgOptions::new(node).node_timeout(Duration::from_secs(1))
}

fn delivery(id: i64) -> serde_json::Value {
    json!({
        "id": format!("delivery-{id}"),
        "event_log_entry_id": id,
        "event_type": "Shotgun_Shot_Change",
        "operation": "update",
        "user": {"type": "HumanUser", "id": 1},
        "entity": {"type": "Shot", "id": id},
        "project": {"type": "Project", "id": 1},
        "meta": {"type": "attribute_change", "attribute_name": "code",
                 "entity_type": "Shot", "entity_id": id, "field_data_type": "text",
                 "old_value": "a", "new_value": "b"},
        "created_at": "2026-12-07 10:00:00.000000"
    })
}

#[test]
fn the_tables_are_made_once_when_many_nodes_start_at_once() {
    let Some(pg) = Pg::start("the_tables_are_made_once") else {
        return;
    };
    let url = pg.url();
    let nodes: Vec<_> = (0..6)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || PgLedger::connect(&url, options(&format!("n{i}"))))
        })
        .collect();
    for n in nodes {
        n.join().unwrap().expect("every node starts");
    }
    let mut db = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let v: i32 = db
        .query_one("SELECT version FROM sg_webhook_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, sg_webhook::postgres::SCHEMA_VERSION);
    let rows: i64 = db
        .query_one("SELECT count(*) FROM sg_webhook_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

#[test]
fn an_event_delivered_to_every_node_is_handled_by_one() {
    let Some(pg) = Pg::start("an_event_delivered_to_every_node_is_handled_by_one") else {
        return;
    };
    let handled: Arc<Mutex<Vec<(usize, i64)>>> = Arc::default();
    let receivers: Vec<Receiver> = (0..3)
        .map(|n| {
            let handled = handled.clone();
            Receiver::builder("127.0.0.1:0")
                .secret(SECRET)
                .ledger(PgLedger::connect(&pg.url(), options(&format!("node{n}"))).unwrap())
                .start(move |e| {
                    std::thread::sleep(Duration::from_millis(2));
                    handled.lock().unwrap().push((n, e.id));
                    Ok(())
                })
                .unwrap()
        })
        .collect();
    let urls: Vec<String> = receivers.iter().map(Receiver::url).collect();
    // 300 events, each delivered to all three nodes at once (a balancer that retried), and a
    // third of them again later (the site repeating).
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    std::thread::scope(|s| {
        for url in &urls {
            let agent = agent.clone();
            s.spawn(move || {
                for id in 1..=300i64 {
                    let body = json!({"data": delivery(id), "timestamp": "now"}).to_string();
                    let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
                    let r = agent
                        .post(url)
                        .header("x-sg-signature", &sig)
                        .send(&body)
                        .unwrap();
                    assert_eq!(r.status(), 200);
                }
            });
        }
    });
    for id in (1..=300i64).step_by(3) {
        let body = json!({"data": delivery(id), "timestamp": "now"}).to_string();
        let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
        let r = agent
            .post(&urls[id as usize % 3])
            .header("x-sg-signature", &sig)
            .send(&body)
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while handled.lock().unwrap().len() < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for r in receivers {
        r.stop();
    }
    let handled = handled.lock().unwrap();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    let mut by_node = [0usize; 3];
    for (n, id) in handled.iter() {
        *counts.entry(*id).or_default() += 1;
        by_node[*n] += 1;
    }
    println!("300 events, each to 3 nodes: handled by node {by_node:?}");
    assert_eq!(counts.len(), 300, "every event handled");
    assert!(
        counts.values().all(|n| *n == 1),
        "none twice: {:?}",
        counts.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
}

#[test]
fn a_dead_nodes_events_are_taken_over_and_what_it_ran_is_reported() {
    let Some(pg) = Pg::start("a_dead_nodes_events_are_taken_over") else {
        return;
    };
    let a = PgLedger::connect(&pg.url(), options("a")).unwrap();
    let b = PgLedger::connect(&pg.url(), options("b")).unwrap();
    assert_eq!(
        a.accept(&[(1, delivery(1)), (2, delivery(2)), (3, delivery(3))])
            .unwrap(),
        [true, true, true]
    );
    assert_eq!(b.accept(&[(1, delivery(1))]).unwrap(), [false], "a repeat");
    assert_eq!(a.claim(1).unwrap(), Claim::Run);
    assert_eq!(b.claim(1).unwrap(), Claim::Taken, "claimed by a live node");
    a.claim(3).unwrap();
    a.done(3).unwrap();
    // Young and held by a live node: nothing to take over yet.
    assert!(b.takeovers().is_empty());
    drop(a); // Its beat stops: dead after the node timeout.
    std::thread::sleep(Duration::from_millis(1500));
    let taken = b.takeovers();
    let ids: Vec<(i64, bool)> = taken.iter().map(|u| (u.id, u.may_have_run)).collect();
    assert_eq!(
        ids,
        [(1, true), (2, false)],
        "claimed (may have run), accepted"
    );
    assert!(taken.iter().all(|u| u.delivery.is_some()));
    assert!(b.takeovers().is_empty(), "offered once");
    assert_eq!(b.claim(1).unwrap(), Claim::MayHaveRun);
    assert_eq!(b.claim(2).unwrap(), Claim::Run);
    assert_eq!(b.claim(3).unwrap(), Claim::Taken, "done");
    b.done(1).unwrap();
    b.done(2).unwrap();
    let status = b.status().unwrap();
    println!("{status}");
    assert_eq!(status.may_have_run, [1]);
    assert_eq!((status.accepted, status.claimed, status.done), (0, 0, 3));
}

#[test]
fn a_handlers_effects_commit_with_its_done_or_not_at_all() {
    let Some(pg) = Pg::start("a_handlers_effects_commit_with_its_done") else {
        return;
    };
    let mut db = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
    db.batch_execute("CREATE TABLE folders (event_id bigint, node text)")
        .unwrap();
    let a = PgLedger::connect(&pg.url(), options("a")).unwrap();
    let b = PgLedger::connect(&pg.url(), options("b")).unwrap();
    let effects = |node: &'static str| {
        move |e: &sg_runtime::events::Event, tx: &mut postgres::Transaction<'_>| {
            tx.execute(
                "INSERT INTO folders (event_id, node) VALUES ($1, $2)",
                &[&e.id, &node],
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        }
    };
    let (run_a, run_b) = (
        a.in_transaction(effects("a")),
        b.in_transaction(effects("b")),
    );
    let event = |id| {
        sg_runtime::webhook::decode_one(&delivery(id))
            .unwrap()
            .event
    };
    a.accept(&[(1, delivery(1)), (2, delivery(2)), (3, delivery(3))])
        .unwrap();

    // Done and effects together.
    assert_eq!(a.claim(1).unwrap(), Claim::Run);
    run_a(&event(1)).unwrap();
    let state: String = db
        .query_one(
            "SELECT state FROM sg_webhook_events WHERE event_id = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(state, "done");

    // A handler error: no effect.
    let failing = a.in_transaction(|e, tx| {
        tx.execute(
            "INSERT INTO folders (event_id, node) VALUES ($1, 'a')",
            &[&e.id],
        )
        .unwrap();
        Err("the farm said no".into())
    });
    a.claim(2).unwrap();
    assert!(failing(&event(2)).is_err());

    // Node a is taken for dead (its beat late) while it runs event 3; b takes it over and
    // commits; a's run then finds the claim gone and rolls its effects back.
    assert_eq!(a.claim(3).unwrap(), Claim::Run);
    // (Its beat may land between the two statements: then b finds it alive, and tries again.)
    let mut claim = Claim::Taken;
    for _ in 0..50 {
        db.execute(
            "UPDATE sg_webhook_nodes SET seen_at = now() - interval '1 hour' WHERE instance = $1",
            &[&a.instance()],
        )
        .unwrap();
        claim = b.claim(3).unwrap();
        if claim != Claim::Taken {
            break;
        }
    }
    assert_eq!(claim, Claim::MayHaveRun);
    run_b(&event(3)).unwrap();
    let late = run_a(&event(3)).unwrap_err();
    assert!(late.contains("rolled back"), "{late}");

    let rows: Vec<(i64, String)> = db
        .query("SELECT event_id, node FROM folders ORDER BY event_id", &[])
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(rows, [(1, "a".to_string()), (3, "b".to_string())]);
}

/// A node process for the lease test and the fault test: with `SG_PG_ADDR`, a receiver (its
/// handled ids appended to `SG_PG_DIR/handled`); without, a ledger that only bids for the lease.
#[test]
#[ignore = "a node process of the PostgreSQL tests, run by them"]
fn pg_child() {
    let var = |k: &str| std::env::var(k).ok();
    let (Some(url), Some(node)) = (var("SG_PG_URL"), var("SG_PG_NODE")) else {
        panic!("run by the PostgreSQL tests only");
    };
    let ledger = PgLedger::connect(&url, options(&node)).unwrap();
    if let Some(site) = var("SG_PG_DAEMON_SITE") {
        // An event-stream daemon with a standby: handles while it holds the lease.
        let dir = PathBuf::from(var("SG_PG_DIR").unwrap());
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("handled"))
            .unwrap();
        let client = Client::builder(site)
            .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
            .build()
            .unwrap();
        println!("ready");
        std::io::stdout().flush().unwrap();
        let me = ledger.instance().to_string();
        let handled = Mutex::new(());
        ledger.run_stream(
            || {
                sg_runtime::events::EventStream::builder(&client)
                    .event_types(["Shotgun_Shot_New", "Shotgun_Shot_Change"])
                    .poll_interval(Duration::from_millis(50))
            },
            |e| {
                let _one = handled.lock().unwrap();
                (&out)
                    .write_all(format!("{} {me}\n", e.id).as_bytes())
                    .unwrap();
                std::thread::sleep(Duration::from_millis(2));
                Ok(())
            },
            &AtomicBool::new(false),
        );
        drop(out.flush());
        return;
    }
    let Some(addr) = var("SG_PG_ADDR") else {
        while ledger.backfill_lease() == Lease::NotHeld {
            std::thread::sleep(Duration::from_millis(20));
        }
        println!("ready");
        std::io::stdout().flush().unwrap();
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    };
    let dir = PathBuf::from(var("SG_PG_DIR").unwrap());
    let me = ledger.instance().to_string();
    let handled = Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("handled"))
            .unwrap(),
    );
    let site = Client::builder(var("SG_PG_SITE").unwrap())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap();
    let receiver = Receiver::builder(addr)
        .secret(SECRET)
        .ledger(ledger)
        .workers(4)
        .backfill(&site, Subscription::new(["Shot"], Vec::<String>::new()))
        .backfill_every(Duration::from_millis(500))
        .start(move |e| {
            handled
                .lock()
                .unwrap()
                .write_all(format!("{} {me}\n", e.id).as_bytes())
                .unwrap();
            std::thread::sleep(Duration::from_millis(1));
            Ok(())
        })
        .unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    receiver.wait();
}

/// How a node process runs: bidding for the lease only, as a receiver, or as an event daemon.
enum Role<'a> {
    Bidder,
    Receiver {
        addr: &'a str,
        dir: &'a Path,
        site: &'a str,
    },
    Daemon {
        dir: &'a Path,
        site: &'a str,
    },
}

fn spawn_node(pg: &Pg, node: &str, role: Role) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--ignored",
        "--exact",
        "pg_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("SG_PG_URL", pg.url())
    .env("SG_PG_NODE", node)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    match role {
        Role::Bidder => {}
        Role::Receiver { addr, dir, site } => {
            c.env("SG_PG_ADDR", addr)
                .env("SG_PG_DIR", dir)
                .env("SG_PG_SITE", site);
        }
        Role::Daemon { dir, site } => {
            c.env("SG_PG_DIR", dir).env("SG_PG_DAEMON_SITE", site);
        }
    }
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match lines.next() {
            Some(Ok(l)) if l.trim_end().ends_with("ready") => break,
            Some(_) => {}
            None => panic!("node {node} ended before it was ready"),
        }
        assert!(Instant::now() < deadline, "node {node} never got ready");
    }
    std::thread::spawn(move || for _ in lines {});
    child
}

/// Checks from the database that the lease's terms never overlapped; returns how many.
fn one_holder_at_a_time(ledger: &PgLedger) -> usize {
    let terms = ledger.lease_terms().unwrap();
    for pair in terms.windows(2) {
        let ((t0, h0, _, until), (t1, h1, since, _)) = (&pair[0], &pair[1]);
        assert!(
            since >= until,
            "term {t1} ({h1}) began at {since} before term {t0} ({h0}) ended at {until}"
        );
    }
    terms.len()
}

#[test]
fn a_killed_lease_holder_is_replaced_within_seconds() {
    let Some(pg) = Pg::start("a_killed_lease_holder_is_replaced_within_seconds") else {
        return;
    };
    let standby = PgLedger::connect(&pg.url(), options("standby")).unwrap();
    let mut failovers = Vec::new();
    for round in 0..10 {
        let mut holder = spawn_node(&pg, &format!("holder{round}"), Role::Bidder);
        // The child holds it: the standby does not, however often it asks.
        for _ in 0..10 {
            assert_eq!(standby.backfill_lease(), Lease::NotHeld, "round {round}");
            std::thread::sleep(Duration::from_millis(30));
        }
        holder.kill().unwrap(); // SIGKILL: no release, the lease runs out
        let killed = Instant::now();
        holder.wait().unwrap();
        while !matches!(standby.backfill_lease(), Lease::Held(_)) {
            assert!(
                killed.elapsed() < Duration::from_secs(10),
                "never taken over"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        failovers.push(killed.elapsed());
        standby.release();
    }
    failovers.sort();
    let terms = one_holder_at_a_time(&standby);
    println!(
        "lease fail-over after SIGKILL (node timeout 1 s): median {:?}, min {:?}, max {:?}; {terms} terms, none overlapping",
        failovers[5], failovers[0], failovers[9]
    );
    assert!(terms >= 20);
}

/// A round-robin TCP proxy to `backends`, skipping those that refuse: a load balancer.
fn proxy(backends: Vec<String>, stop: Arc<AtomicBool>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    listener.set_nonblocking(true).unwrap();
    let next = AtomicUsize::new(0);
    std::thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let (client, _) = match listener.accept() {
                Ok(c) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
            };
            client.set_nonblocking(false).unwrap();
            let start = next.fetch_add(1, Ordering::SeqCst);
            let upstream = (0..backends.len())
                .find_map(|i| TcpStream::connect(&backends[(start + i) % backends.len()]).ok());
            let Some(upstream) = upstream else {
                continue; // every node down: the connection closes, the site counts a failure
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    loop {
                        match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if to.write_all(&buf[..n]).is_err() {
                                    break;
                                }
                            }
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                })
            };
            pipe(client.try_clone().unwrap(), upstream.try_clone().unwrap());
            pipe(upstream, client);
        }
    });
    addr
}

/// The ids in `path`'s lines (`id node`).
fn read_ids(path: &Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split(' ').next()?.trim().parse().ok())
        .collect()
}

/// A small fixed-seed generator (which node, when).
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

#[test]
fn three_receivers_killed_at_random_and_a_database_restart_lose_nothing() {
    let Some(pg) = Pg::start("three_receivers_killed_at_random") else {
        return;
    };
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [{"id": 1, "name": "Big Buck"}]}))
        .start()
        .unwrap();
    let writer = Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let addrs: Vec<String> = (0..3)
        .map(|_| {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            format!("127.0.0.1:{port}")
        })
        .collect();
    let site_url = site.url();
    let start = |n: usize| {
        spawn_node(
            &pg,
            &format!("node{n}"),
            Role::Receiver {
                addr: &addrs[n],
                dir: tmp.path(),
                site: &site_url,
            },
        )
    };
    let mut nodes: Vec<Child> = (0..3).map(start).collect();
    let stop_proxy = Arc::new(AtomicBool::new(false));
    let front = proxy(addrs.clone(), stop_proxy.clone());
    let hooks: Vec<usize> = [true, false]
        .into_iter()
        .map(|batched| {
            site.add_webhook(Webhook {
                url: format!("http://{front}/"),
                entity_types: vec!["Shot".into()],
                secret: Some(SECRET.into()),
                batched,
                repeat_every: batched.then_some(3),
                ..Webhook::default()
            })
        })
        .collect();
    // 2,500 creates and 2,500 updates, in batches of 50.
    let done = Arc::new(AtomicBool::new(false));
    let d = done.clone();
    let write = std::thread::spawn(move || {
        let mut ids = Vec::new();
        for chunk in 0..50 {
            let creates: Vec<sg_runtime::BatchRequest> = (0..50)
                .map(|i| sg_runtime::BatchRequest::Create {
                    entity_type: "Shot".into(),
                    fields: json!({"code": format!("c{chunk:02}{i:02}"), "project": {"type": "Project", "id": 1}})
                        .as_object()
                        .unwrap()
                        .clone(),
                    return_fields: vec![],
                    idempotency_key: None,
                })
                .collect();
            for r in writer.batch(&creates).unwrap() {
                ids.push(r["id"].as_i64().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for (chunk, ids) in ids.chunks(50).enumerate() {
            let updates: Vec<sg_runtime::BatchRequest> = ids
                .iter()
                .map(|id| sg_runtime::BatchRequest::Update {
                    entity_type: "Shot".into(),
                    id: *id,
                    fields: vec![sg_runtime::FieldUpdate::set(
                        "description",
                        format!("take {chunk}"),
                    )],
                })
                .collect();
            writer.batch(&updates).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        d.store(true, Ordering::SeqCst);
    });
    let started = Instant::now();
    let mut rng = Rng(33);
    let (mut kills, mut db_restarted) = (0, false);
    while !done.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(300 + rng.below(600)));
        if !db_restarted && started.elapsed() > Duration::from_secs(3) {
            eprintln!("pg fault test: the database restarts");
            pg.restart();
            db_restarted = true;
            continue;
        }
        let n = rng.below(3) as usize;
        nodes[n].kill().unwrap(); // SIGKILL
        nodes[n].wait().unwrap();
        kills += 1;
        std::thread::sleep(Duration::from_millis(rng.below(200)));
        nodes[n] = start(n);
    }
    write.join().unwrap();
    eprintln!(
        "pg fault test: {kills} kills; writes done at {:?}",
        started.elapsed()
    );
    // The local site sends the unbatched webhook's 5,000 deliveries one after another (about
    // 12 ms each, more on a loaded machine).
    assert!(site.wait_for_webhooks(Duration::from_secs(400)));
    eprintln!("pg fault test: deliveries done at {:?}", started.elapsed());
    // Every event the webhook delivers must be handled (the back-fill reads those it missed).
    let mut want: BTreeSet<i64> = BTreeSet::new();
    for e in site.records("EventLogEntry") {
        let shot = e["event_type"]
            .as_str()
            .is_some_and(|t| t.starts_with("Shotgun_Shot_"));
        if shot && e["meta"]["in_create"] != true {
            want.insert(e["id"].as_i64().unwrap());
        }
    }
    let (mut deliveries, mut failed) = (0, 0);
    for h in &hooks {
        for d in site.webhook_deliveries(*h) {
            deliveries += 1;
            if !d.status.is_some_and(|s| (200..300).contains(&s)) {
                failed += 1;
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let handled: BTreeSet<i64> = read_ids(&tmp.path().join("handled")).into_iter().collect();
        if want.is_subset(&handled) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("pg fault test: handled at {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(500));
    for n in &mut nodes {
        n.kill().unwrap();
        n.wait().unwrap();
    }
    stop_proxy.store(true, Ordering::SeqCst);
    let ledger = PgLedger::connect(&pg.url(), options("checker")).unwrap();
    let status = ledger.status().unwrap();
    let may: BTreeSet<i64> = status.may_have_run.iter().copied().collect();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for id in read_ids(&tmp.path().join("handled")) {
        *counts.entry(id).or_default() += 1;
    }
    let lost: Vec<i64> = want
        .iter()
        .filter(|i| !counts.contains_key(i))
        .copied()
        .collect();
    let twice: Vec<i64> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(i, _)| *i)
        .collect();
    let unreported: Vec<i64> = twice.iter().filter(|i| !may.contains(i)).copied().collect();
    let terms = one_holder_at_a_time(&ledger);
    println!(
        "3 receivers on PostgreSQL: {kills} SIGKILLs, 1 database restart, {deliveries} deliveries ({failed} failed), {} events to handle; handled once {}, twice {} (all listed may-have-run: {}), may-have-run listed {}, lost {}; {terms} lease terms, none overlapping",
        want.len(),
        counts.values().filter(|n| **n == 1).count(),
        twice.len(),
        unreported.is_empty(),
        may.len(),
        lost.len()
    );
    assert!(kills >= 3, "killed {kills} times");
    assert!(lost.is_empty(), "lost: {lost:?}");
    if !unreported.is_empty() {
        let text = std::fs::read_to_string(tmp.path().join("handled")).unwrap();
        let mut db = postgres::Client::connect(&pg.url(), postgres::NoTls).unwrap();
        for id in &unreported {
            let by: Vec<&str> = text
                .lines()
                .filter(|l| l.split(' ').next() == Some(&id.to_string()))
                .collect();
            let row = db
                .query_opt(
                    "SELECT state, node, claims, accepted_by FROM sg_webhook_events WHERE event_id = $1",
                    &[id],
                )
                .unwrap()
                .map(|r| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        r.get::<_, String>(0),
                        r.get::<_, Option<String>>(1),
                        r.get::<_, i32>(2),
                        r.get::<_, Option<String>>(3)
                    )
                });
            eprintln!("event #{id}: handled by {by:?}; row {row:?}");
        }
        eprintln!("{status}");
    }
    assert!(unreported.is_empty(), "twice, not listed: {unreported:?}");
}

#[test]
fn a_standby_event_daemon_takes_over_from_a_killed_one() {
    let Some(pg) = Pg::start("a_standby_event_daemon_takes_over") else {
        return;
    };
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [{"id": 1, "name": "Big Buck"}]}))
        .start()
        .unwrap();
    let writer = Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let site_url = site.url();
    let start = |n: usize| {
        spawn_node(
            &pg,
            &format!("daemon{n}"),
            Role::Daemon {
                dir: tmp.path(),
                site: &site_url,
            },
        )
    };
    let mut daemons: Vec<Child> = (0..2).map(start).collect();
    let checker = PgLedger::connect(&pg.url(), options("checker")).unwrap();
    // Wait for a holder (it saves the place it starts from: only what comes after counts).
    let deadline = Instant::now() + Duration::from_secs(20);
    while checker.status().unwrap().place.is_none() {
        assert!(Instant::now() < deadline, "no daemon took the lease");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut kills = 0;
    for round in 0..40 {
        let creates: Vec<sg_runtime::BatchRequest> = (0..25)
            .map(|i| sg_runtime::BatchRequest::Create {
                entity_type: "Shot".into(),
                fields: json!({"code": format!("d{round:02}{i:02}"), "project": {"type": "Project", "id": 1}})
                    .as_object()
                    .unwrap()
                    .clone(),
                return_fields: vec![],
                idempotency_key: None,
            })
            .collect();
        writer.batch(&creates).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        if round % 8 == 7 {
            // Kill the holder, whichever it is, and start it again as the standby.
            let holder = checker.status().unwrap().lease.map(|l| l.holder);
            if let Some(n) =
                holder.and_then(|h| (0..2).find(|n| h.starts_with(&format!("daemon{n}-"))))
            {
                daemons[n].kill().unwrap();
                daemons[n].wait().unwrap();
                kills += 1;
                daemons[n] = start(n);
            }
        }
    }
    let want: BTreeSet<i64> = site
        .records("EventLogEntry")
        .iter()
        .filter(|e| {
            matches!(
                e["event_type"].as_str(),
                Some("Shotgun_Shot_New" | "Shotgun_Shot_Change")
            )
        })
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let handled: BTreeSet<i64> = read_ids(&tmp.path().join("handled")).into_iter().collect();
        if want.is_subset(&handled) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    for d in &mut daemons {
        d.kill().unwrap();
        d.wait().unwrap();
    }
    let may: BTreeSet<i64> = checker.status().unwrap().may_have_run.into_iter().collect();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for id in read_ids(&tmp.path().join("handled")) {
        *counts.entry(id).or_default() += 1;
    }
    let lost: Vec<i64> = want
        .iter()
        .filter(|i| !counts.contains_key(i))
        .copied()
        .collect();
    let twice: Vec<i64> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(i, _)| *i)
        .collect();
    let unreported: Vec<i64> = twice.iter().filter(|i| !may.contains(i)).copied().collect();
    let terms = one_holder_at_a_time(&checker);
    println!(
        "event daemon with a standby: {kills} holders killed, {} events; handled twice {} (all listed may-have-run: {}), lost {}; {terms} lease terms, none overlapping",
        want.len(),
        twice.len(),
        unreported.is_empty(),
        lost.len()
    );
    assert!(kills >= 3, "killed {kills}");
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(unreported.is_empty(), "twice, not listed: {unreported:?}");
}
