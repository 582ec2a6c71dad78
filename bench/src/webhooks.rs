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
