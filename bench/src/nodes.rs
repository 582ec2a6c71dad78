//! Section 11: receivers on several machines, sharing one PostgreSQL ledger (issue 33).
//!
//! - Events per second with a 100 ms handler on 1, 2 and 3 receiver processes (4 workers each)
//!   sharing one database; the bench sends signed batched deliveries (50 events each) to the
//!   nodes in turn, as a round-robin balancer would, and times the first send to the last event
//!   handled.
//! - The ledger's cost per event (accept, claim, done) on PostgreSQL against the file ledger.
//!
//! PostgreSQL comes from the system (a server of the bench's own, `sg_tests::pg`); without it the
//! section says it skipped. The fail-over time of the lease is measured by
//! `sg-webhook/tests/postgres.rs` (median of 10, printed there).

use crate::Settings;
use serde_json::json;
use sg_webhook::postgres::{PgLedger, PgOptions};
use sg_webhook::{Ledger, Receiver};
use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "bench-nodes";
/// The handler's time per event.
const HANDLER: Duration = Duration::from_millis(100);

/// `node-worker URL ADDR FILE`: a receiver on the shared ledger whose handler sleeps 100 ms and
/// appends the event's id to FILE.
pub fn worker(args: &[String]) {
    let [url, addr, file] = args else {
        crate::die("node-worker URL ADDR FILE");
    };
    let node = format!("bench-{}", std::process::id());
    let ledger = PgLedger::connect(url, PgOptions::new(node)).expect("the ledger");
    let out = std::sync::Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(file)
            .expect("the handled file"),
    );
    let receiver = Receiver::builder(addr.as_str())
        .secret(SECRET)
        .ledger(ledger)
        .workers(4)
        .start(move |e| {
            std::thread::sleep(HANDLER);
            out.lock()
                .expect("the file")
                .write_all(format!("{}\n", e.id).as_bytes())
                .map_err(|e| e.to_string())
        })
        .expect("the receiver");
    println!("ready");
    std::io::stdout().flush().expect("stdout");
    receiver.wait();
}

fn spawn(url: &str, addr: &str, file: &std::path::Path) -> Child {
    let mut child = Command::new(std::env::current_exe().expect("the bench"))
        .args(["node-worker", url, addr])
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("a node");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("its output")).lines();
    while let Some(Ok(l)) = lines.next() {
        if l.trim() == "ready" {
            break;
        }
    }
    child
}

fn free_addr() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    format!("127.0.0.1:{port}")
}

/// Events per second on `nodes` receivers for `events` events.
fn throughput(pg: &sg_tests::pg::Pg, run: usize, nodes: usize, events: i64) -> f64 {
    let url = pg.database(&format!("nodes_{nodes}_{run}"));
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("handled");
    let addrs: Vec<String> = (0..nodes).map(|_| free_addr()).collect();
    let mut children: Vec<Child> = addrs.iter().map(|a| spawn(&url, a, &file)).collect();
    let agent = ureq::Agent::new_with_defaults();
    let started = Instant::now();
    for (i, first) in (1..=events).step_by(50).enumerate() {
        let batch: Vec<serde_json::Value> = (first..(first + 50).min(events + 1))
            .map(|id| {
                json!({
                    "id": format!("d-{id}"), "event_log_entry_id": id,
                    "event_type": "Shotgun_Shot_Change", "operation": "update",
                    "entity": {"type": "Shot", "id": id}, "project": {"type": "Project", "id": 1},
                    "meta": {"type": "attribute_change", "attribute_name": "code",
                             "entity_type": "Shot", "entity_id": id, "field_data_type": "text",
                             "old_value": "a", "new_value": "b"},
                    "created_at": "2026-12-08 10:00:00.000000"
                })
            })
            .collect();
        let body = json!({"data": {"deliveries": batch}, "timestamp": "now"}).to_string();
        let sig = sg_runtime::webhook::sign(SECRET.as_bytes(), body.as_bytes());
        agent
            .post(format!("http://{}/", addrs[i % nodes]))
            .header("x-sg-signature", &sig)
            .send(&body)
            .expect("a delivery taken");
    }
    let deadline = Instant::now() + Duration::from_secs(600);
    let took = loop {
        let done = std::fs::read_to_string(&file)
            .map(|t| t.lines().count() as i64)
            .unwrap_or(0);
        if done >= events || Instant::now() > deadline {
            break started.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
    events as f64 / took.as_secs_f64()
}

/// Microseconds per event for accept, claim and done, one event at a time.
fn ledger_cost(ledger: &dyn Ledger, events: i64) -> f64 {
    let t = Instant::now();
    for id in 1..=events {
        let raw = json!({"id": format!("1.{id}.0"), "event_log_entry_id": id});
        ledger.accept(&[(id, raw)]).expect("accepted");
        ledger.claim(id).expect("claimed");
        ledger.done(id).expect("done");
    }
    t.elapsed().as_secs_f64() * 1e6 / events as f64
}

/// Prints section 11.
pub fn run(s: &Settings) {
    println!("\n## 11. receivers on several machines: one PostgreSQL ledger\n");
    let Some(pg) = sg_tests::pg::Pg::start("sg-bench nodes") else {
        return;
    };
    let events: i64 = if s.quick { 200 } else { 1_200 };
    println!(
        "{events} events in batched deliveries of 50, sent to the nodes in turn; a 100 ms handler, 4 workers a node; events/s from the first send to the last handled (median of {}):\n",
        s.runs
    );
    println!("| receivers (processes) | events/s | vs 1 |\n|---:|---:|---:|");
    let mut one = 0.0;
    for nodes in 1..=3 {
        let mut rates: Vec<f64> = (0..s.runs)
            .map(|run| throughput(&pg, run, nodes, events))
            .collect();
        rates.sort_by(f64::total_cmp);
        let rate = rates[rates.len() / 2];
        if nodes == 1 {
            one = rate;
        }
        println!("| {nodes} | {rate:.1} | {:.2}x |", rate / one);
    }
    let n: i64 = if s.quick { 200 } else { 2_000 };
    let mut pg_costs = Vec::new();
    let mut file_costs = Vec::new();
    for run in 0..s.runs {
        let url = pg.database(&format!("cost_{run}"));
        let ledger = PgLedger::connect(&url, PgOptions::new("bench")).expect("the ledger");
        pg_costs.push(ledger_cost(&ledger, n));
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let file = sg_webhook::FileLedger::open(
            tmp.path().join("ledger"),
            sg_webhook::FileLedger::DEFAULT_REPEAT_WINDOW,
        )
        .expect("the file ledger");
        file_costs.push(ledger_cost(&file, n));
    }
    pg_costs.sort_by(f64::total_cmp);
    file_costs.sort_by(f64::total_cmp);
    let (p, f) = (
        pg_costs[pg_costs.len() / 2],
        file_costs[file_costs.len() / 2],
    );
    println!(
        "\nledger cost per event (accept, claim, done; {n} events one at a time, median of {}): PostgreSQL {p:.0} us, file {f:.0} us ({:.2}x)",
        s.runs,
        p / f
    );
}
