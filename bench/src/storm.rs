//! Writes under a fault storm, counted: the local server faults a share of all requests
//! (seeded: 503 before handling, 502/504 after handling, connections dropped before and after
//! handling, delays past the client's timeout) while the client creates (with and without an
//! idempotency key), updates, batches, a bulk write and finds. Printed as counts: exactly once, duplicated,
//! lost, and what the client answered. See RELIABILITY.md.

use crate::Settings;
use sg_tests::storm::{run as run_storm, StormPlan};
use std::time::Duration;

pub fn run(s: &Settings) {
    println!("\n== storm: writes under faults (counts; fixed seeds) ==");
    let scale = if s.quick { 1 } else { 10 };
    let rates: &[f64] = if s.quick { &[0.35] } else { &[0.05, 0.35] };
    for &rate in rates {
        let plan = StormPlan {
            seed: 2026,
            rate,
            timeout: Duration::from_millis(100),
            keyed_creates: 100 * scale,
            plain_creates: 100 * scale,
            updates: 20 * scale,
            batches: 10 * scale,
            bulk_creates: 100 * scale,
            finds: 100 * scale,
        };
        println!(
            "\n{:.0} % of requests faulted (seed {}, client timeout {} ms, delays {} ms):",
            rate * 100.0,
            plan.seed,
            plan.timeout.as_millis(),
            (plan.timeout * 2).as_millis()
        );
        let report = run_storm(&plan);
        println!("{report}");
        for e in report.errors.iter().take(5) {
            println!("  error: {e}");
        }
    }
}
