//! Benchmark 9, `webhooks`: the receiver (`sg-webhook`) taking a site's batched deliveries (up
//! to 50 events a request) with a handler that takes 100 ms: how long the site waits for each
//! answer (p50, p99, max: the budget is 6 s, or 1 s per event of a batch), and events handled
//! per second, by number of workers. The local site delivers from its event log as a site does;
//! the changes are status updates sent in batches of 50.

use crate::Settings;
use serde_json::json;
use sg_localsite::webhooks::Webhook;
use sg_localsite::{LocalSite, SCRIPT_KEY, SCRIPT_NAME};
use sg_runtime::schema::Schema;
use sg_runtime::{BatchRequest, Client, Credentials};
use sg_webhook::{Receiver, Subscription};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const HANDLER: Duration = Duration::from_millis(100);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// One run: `changes` status updates delivered to a receiver with `workers` threads.
fn one(changes: usize, workers: usize) -> (Vec<Duration>, f64, usize) {
    let site = LocalSite::builder(Schema::demo())
        .seed(json!({"Shot": (1..=50).map(|i| json!({"id": i, "code": format!("sh{i:03}")})).collect::<Vec<_>>()}))
        .start()
        .expect("a local site");
    let client = Client::builder(site.url())
        .credentials(Credentials::script(SCRIPT_NAME, SCRIPT_KEY))
        .build()
        .expect("a client");
    let handled = Arc::new(AtomicUsize::new(0));
    let h = handled.clone();
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret("bench-secret")
        .workers(workers)
        .backfill(&client, Subscription::new(["Shot"], ["update"]))
        .start(move |_| {
            std::thread::sleep(HANDLER);
            h.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .expect("a receiver");
    receiver.backfill_now().expect("caught up");
    site.add_webhook(Webhook {
        url: receiver.url(),
        entity_types: vec!["Shot".into()],
        operations: vec!["update".into()],
        fields: vec!["sg_status_list".into()],
        secret: Some("bench-secret".into()),
        batched: true,
        ..Webhook::default()
    });
    let statuses = ["wtg", "rdy", "ip", "rev", "fin"];
    let started = Instant::now();
    for chunk in 0..changes.div_ceil(50) {
        let batch: Vec<BatchRequest> = (0..50.min(changes - chunk * 50))
            .map(|i| BatchRequest::Update {
                entity_type: "Shot".into(),
                id: i as i64 + 1,
                fields: vec![sg_runtime::FieldUpdate::set(
                    "sg_status_list",
                    statuses[(chunk + 1) % 5],
                )],
            })
            .collect();
        client.batch(&batch).expect("a batch of updates");
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    while handled.load(Ordering::SeqCst) < changes && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let elapsed = started.elapsed().as_secs_f64();
    site.wait_for_webhooks(Duration::from_secs(30));
    let mut latencies: Vec<Duration> = site
        .webhook_deliveries(1)
        .iter()
        .map(|d| d.elapsed)
        .collect();
    latencies.sort();
    let requests = latencies.len();
    receiver.stop();
    (
        latencies,
        handled.load(Ordering::SeqCst) as f64 / elapsed,
        requests,
    )
}

/// Prints the table.
pub fn run(s: &Settings) {
    let changes = if s.quick { 100 } else { 1000 };
    println!("\n## 9. webhooks: {changes} status changes, batched deliveries, a 100 ms handler\n");
    println!("| workers | requests | answer p50 | answer p99 | answer max | events handled / s |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for workers in [4, 16] {
        // The median run by throughput, of `runs`.
        let mut results: Vec<(Vec<Duration>, f64, usize)> =
            (0..s.runs).map(|_| one(changes, workers)).collect();
        results.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (latencies, per_second, requests) = &results[results.len() / 2];
        println!(
            "| {workers} | {requests} | {} | {} | {} | {per_second:.1} |",
            ms(percentile(latencies, 0.5)),
            ms(percentile(latencies, 0.99)),
            ms(latencies.last().copied().unwrap_or_default()),
        );
    }
}

/// A signed delivery of event `id`, as a site sends one alone.
fn delivery(id: i64) -> String {
    json!({"data": {"id": format!("1.{id}.0"), "event_log_entry_id": id, "event_type": "Shotgun_Shot_Change",
        "operation": "update", "entity": {"type": "Shot", "id": 1}, "meta": {"type": "attribute_change",
        "entity_type": "Shot", "entity_id": 1, "attribute_name": "sg_status_list", "old_value": "ip", "new_value": "fin"}},
        "timestamp": "2026-12-07T10:00:00Z"})
    .to_string()
}

/// `senders` signed senders posting `each` deliveries one after another on kept connections,
/// with the hostile clients attached meanwhile when `hostile`: one trickling a request head a
/// byte every 100 ms, one that announces a body and stalls after 100 bytes (each reconnects
/// when cut). Returns the senders' answer times.
fn under_attack(senders: usize, each: usize, hostile: bool) -> Vec<Duration> {
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let receiver = Receiver::builder("127.0.0.1:0")
        .secret("bench-secret")
        .checkpoint(tmp.path().join("ledger"))
        .start(|_| Ok(()))
        .expect("a receiver");
    let addr = receiver.addr().expect("listening");
    let url = receiver.url();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut attackers = Vec::new();
    if hostile {
        for stalled in [false, true] {
            let stop = stop.clone();
            attackers.push(std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
                        continue;
                    };
                    if stalled {
                        let _ = s.write_all(
                            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n",
                        );
                        let _ = s.write_all(&[b' '; 100]);
                    }
                    for b in b"POST / HTTP/1.1\r\nHost: x\r\nX-Slow: ".iter().cycle() {
                        if stop.load(Ordering::SeqCst) || (!stalled && s.write_all(&[*b]).is_err())
                        {
                            break;
                        }
                        if stalled && s.peer_addr().is_err() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    let next = Arc::new(std::sync::atomic::AtomicI64::new(1));
    let threads: Vec<_> = (0..senders)
        .map(|_| {
            let (url, next) = (url.clone(), next.clone());
            std::thread::spawn(move || {
                let agent = ureq::Agent::new_with_defaults();
                let mut times = Vec::with_capacity(each);
                for _ in 0..each {
                    let body = delivery(next.fetch_add(1, Ordering::SeqCst));
                    let sig = sg_runtime::webhook::sign(b"bench-secret", body.as_bytes());
                    let t = Instant::now();
                    let r = agent.post(&url).header("x-sg-signature", &sig).send(&body);
                    assert!(r.is_ok(), "a steady delivery failed: {:?}", r.err());
                    times.push(t.elapsed());
                }
                times
            })
        })
        .collect();
    let mut times: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a sender"))
        .collect();
    stop.store(true, Ordering::SeqCst);
    for a in attackers {
        let _ = a.join();
    }
    receiver.stop();
    times.sort();
    times
}

/// The file ledger's cost per event (accept, claim, done: three synced records) after a
/// history of `handled` events: a journal of that many events' records is laid down first, as
/// the ledger itself appends them, and opened (the ledger rewrites it from what is live).
fn ledger_cost(handled: i64, events: i64) -> (f64, u64) {
    use sg_webhook::{FileLedger, Ledger};
    use std::io::Write;
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let path = tmp.path().join("ledger");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("a journal"));
        for id in 1..=handled {
            writeln!(f, "{}", json!({"a": id, "d": {"event_log_entry_id": id}})).expect("written");
            writeln!(f, "{{\"c\":{id}}}\n{{\"f\":{id}}}").expect("written");
        }
    }
    let ledger = FileLedger::open(&path, FileLedger::DEFAULT_REPEAT_WINDOW).expect("opened");
    let t = Instant::now();
    for id in handled + 1..=handled + events {
        let raw = json!({"id": format!("1.{id}.0"), "event_log_entry_id": id});
        ledger.accept(&[(id, raw)]).expect("accepted");
        ledger.claim(id).expect("claimed");
        ledger.done(id).expect("done");
    }
    let per_event = t.elapsed().as_secs_f64() * 1e6 / events as f64;
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    (per_event, size)
}

/// Prints the two tables of the receiver's edges: answers beside hostile clients, and the file
/// ledger's cost by history.
pub fn run_edges(s: &Settings) {
    let (senders, each) = if s.quick { (10, 20) } else { (50, 100) };
    println!(
        "\n### webhooks beside hostile clients: {senders} signed senders x {each} deliveries, kept connections\n"
    );
    println!("| attached | answers | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    for hostile in [false, true] {
        let mut runs: Vec<Vec<Duration>> = (0..s.runs)
            .map(|_| under_attack(senders, each, hostile))
            .collect();
        runs.sort_by_key(|t| percentile(t, 0.99));
        let t = &runs[runs.len() / 2];
        println!(
            "| {} | {} | {} | {} | {} |",
            if hostile {
                "a slowloris head and a stalled body"
            } else {
                "nothing"
            },
            t.len(),
            ms(percentile(t, 0.5)),
            ms(percentile(t, 0.99)),
            ms(t.last().copied().unwrap_or_default()),
        );
    }
    let histories: &[i64] = if s.quick {
        &[0, 10_000]
    } else {
        &[0, 100_000, 1_000_000]
    };
    let events = if s.quick { 200 } else { 2_000 };
    println!("\n### the file ledger by history: {events} events, each accepted, claimed and done (synced)\n");
    println!("| events handled before | per event | journal after |");
    println!("|---:|---:|---:|");
    for &handled in histories {
        let mut runs: Vec<(f64, u64)> = (0..s.runs).map(|_| ledger_cost(handled, events)).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (per_event, size) = runs[runs.len() / 2];
        println!("| {handled} | {per_event:.0} µs | {} KB |", size / 1000);
    }
}
