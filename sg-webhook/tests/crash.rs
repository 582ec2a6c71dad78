//! Nothing answered 200 is lost, and once means once, under `kill -9`: the local site delivers
//! 5,000 events (batched and not, some repeated, two webhooks) to a receiver process killed with
//! SIGKILL and restarted at seeded random times, once without a site to back-fill from and once
//! with one. Every event answered 2xx is handled; none twice except those the receiver reported
//! "may have run" (claimed, their handler running, at a kill). The counts are printed.
//!
//! The receiver process is this test binary itself, run with `--ignored --exact crash_child`.

use serde_json::json;
use sg_localsite::webhooks::Webhook;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{Client, Credentials};
use sg_webhook::{FileLedger, Ledger, Receiver, Subscription};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "crash-s3cret";

fn client(url: &str) -> Client {
    Client::builder(url)
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .unwrap()
}

/// The receiver process: appends each event it handles to `handled`, and before it starts,
/// the events its ledger says may have run to `may_have_run`.
#[test]
#[ignore = "the receiver process of the crash test, run by it"]
fn crash_child() {
    let var = |k: &str| std::env::var(k).ok();
    let (Some(addr), Some(dir)) = (var("SG_CRASH_ADDR"), var("SG_CRASH_DIR")) else {
        panic!("run by the crash test only");
    };
    let dir = PathBuf::from(dir);
    let ledger_path = dir.join("ledger");
    let may: Vec<i64> = FileLedger::open(&ledger_path, FileLedger::DEFAULT_REPEAT_WINDOW)
        .unwrap()
        .unfinished()
        .into_iter()
        .filter(|u| u.may_have_run)
        .map(|u| u.id)
        .collect();
    append(&dir.join("may_have_run"), &may);
    let handled = std::sync::Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("handled"))
            .unwrap(),
    );
    let mut b = Receiver::builder(addr)
        .secret(SECRET)
        .checkpoint(&ledger_path)
        .workers(4);
    let site = var("SG_CRASH_SITE").map(|u| client(&u));
    if let Some(c) = &site {
        b = b
            .backfill(c, Subscription::new(["Shot"], Vec::<String>::new()))
            .backfill_every(Duration::from_millis(500));
    }
    let receiver = b
        .start(move |e| {
            // Written by the handler itself, one `write` a line (a kill between two writes
            // would leave an id without its newline, merged with the next one).
            handled
                .lock()
                .unwrap()
                .write_all(format!("{}\n", e.id).as_bytes())
                .unwrap();
            std::thread::sleep(Duration::from_millis(1));
            Ok(())
        })
        .unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    receiver.wait();
}

fn append(path: &Path, ids: &[i64]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    f.write_all(text.as_bytes()).unwrap();
}

fn read_ids(path: &Path) -> Vec<i64> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

fn spawn_child(addr: &str, dir: &Path, site: Option<&str>) -> Child {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "--ignored",
        "--exact",
        "crash_child",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("SG_CRASH_ADDR", addr)
    .env("SG_CRASH_DIR", dir)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if let Some(s) = site {
        c.env("SG_CRASH_SITE", s);
    }
    let mut child = c.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match lines.next() {
            Some(Ok(l)) if l.trim_end().ends_with("ready") => break,
            Some(_) => {}
            None => panic!("the receiver process ended before it was ready"),
        }
        assert!(
            Instant::now() < deadline,
            "the receiver process never got ready"
        );
    }
    // Its output is drained, so that it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    child
}

/// A small fixed-seed generator (the kill times).
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

fn run(with_site: bool, seed: u64) {
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Project": [{"id": 1, "name": "Big Buck"}]}))
        .start()
        .unwrap();
    let writer = client(&site.url());
    let tmp = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let site_url = with_site.then(|| site.url());
    let mut child = spawn_child(&addr, tmp.path(), site_url.as_deref());
    let hooks: Vec<usize> = [true, false]
        .into_iter()
        .map(|batched| {
            site.add_webhook(Webhook {
                url: format!("http://{addr}/"),
                entity_types: vec!["Shot".into()],
                secret: Some(SECRET.into()),
                batched,
                repeat_every: batched.then_some(3),
                ..Webhook::default()
            })
        })
        .collect();
    // 2,500 creates and 2,500 updates, in batches of 50, while the receiver is killed.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
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
            eprintln!("crash test: creates {chunk}");
            for r in writer.batch(&creates).unwrap() {
                ids.push(r["id"].as_i64().unwrap());
            }
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
        d.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let started = Instant::now();
    let mut rng = Rng(seed);
    let mut kills = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(150 + rng.below(450)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        kills += 1;
        eprintln!("crash test: kill {kills}");
        // Down a little while: deliveries meanwhile fail, and only the log has them.
        std::thread::sleep(Duration::from_millis(rng.below(100)));
        child = spawn_child(&addr, tmp.path(), site_url.as_deref());
    }
    write.join().unwrap();
    eprintln!(
        "crash test: {kills} kills; the writes done at {:?}, waiting for the deliveries",
        started.elapsed()
    );
    assert!(site.wait_for_webhooks(Duration::from_secs(120)));
    eprintln!("crash test: deliveries done at {:?}", started.elapsed());
    // What must be handled: every event answered 2xx; with a site, every event the webhook
    // delivers (the back-fill reads those it missed).
    let mut answered: BTreeSet<i64> = BTreeSet::new();
    let mut deliveries = 0;
    let mut failed = 0;
    for h in &hooks {
        for d in site.webhook_deliveries(*h) {
            deliveries += 1;
            match d.status {
                Some(s) if (200..300).contains(&s) => answered.extend(&d.event_ids),
                _ => failed += 1,
            }
        }
    }
    let mut want = answered.clone();
    if with_site {
        for e in site.records("EventLogEntry") {
            let shot = e["event_type"]
                .as_str()
                .is_some_and(|t| t.starts_with("Shotgun_Shot_"));
            if shot && e["meta"]["in_create"] != true {
                want.insert(e["id"].as_i64().unwrap());
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let handled: BTreeSet<i64> = read_ids(&tmp.path().join("handled")).into_iter().collect();
        if want.is_subset(&handled) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    eprintln!("crash test: handled at {:?}", started.elapsed());
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for id in read_ids(&tmp.path().join("handled")) {
        *counts.entry(id).or_default() += 1;
    }
    let may: BTreeSet<i64> = read_ids(&tmp.path().join("may_have_run"))
        .into_iter()
        .collect();
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
    let twice_unreported: Vec<i64> = twice.iter().filter(|i| !may.contains(i)).copied().collect();
    let once = counts.values().filter(|n| **n == 1).count();
    println!(
        "kill -9 {}: {kills} kills, {deliveries} deliveries ({failed} failed while down), {} events answered 2xx, {} to handle; handled once {once}, twice {} (all reported may-have-run: {}), may-have-run reported {}, lost {}",
        if with_site { "with a site to back-fill from" } else { "without a site" },
        answered.len(),
        want.len(),
        twice.len(),
        twice_unreported.is_empty(),
        may.len(),
        lost.len(),
    );
    assert!(kills >= 3, "the receiver was killed {kills} times");
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert!(
        twice_unreported.is_empty(),
        "handled twice without being reported: {twice_unreported:?}"
    );
}

#[test]
fn killed_at_random_without_a_site_every_event_answered_200_is_handled_and_none_twice_unreported() {
    run(false, 0x6b11_0001);
}

#[test]
fn killed_at_random_with_a_site_every_event_is_handled_and_none_twice_unreported() {
    run(true, 0x6b11_0002);
}
