//! `sg-webhook-status`: what the receivers sharing a PostgreSQL ledger are doing: each node, its
//! claims, the back-fill lease's holder, the place in the event log, and the events that may
//! have run.
//!
//! ```sh
//! SG_WEBHOOK_DATABASE_URL=postgres://sg@db.studio/webhooks PGPASSWORD=... sg-webhook-status
//! ```
//!
//! The database is named by the environment only: a URL on the command line would show its
//! credentials to anyone who lists processes.

use sg_webhook::postgres::{PgLedger, PgOptions};

fn main() {
    if std::env::args().len() > 1 {
        eprintln!(
            "usage: SG_WEBHOOK_DATABASE_URL=postgres://user@host/db [PGPASSWORD=...] sg-webhook-status\n\
             (no arguments: the database is named by the environment, never the command line)"
        );
        std::process::exit(2);
    }
    let Ok(url) = std::env::var("SG_WEBHOOK_DATABASE_URL") else {
        eprintln!("sg-webhook-status: set SG_WEBHOOK_DATABASE_URL to the ledger's database");
        std::process::exit(2);
    };
    // A node of its own name that never claims, bids or beats for long: it only reads.
    let ledger = match PgLedger::connect(&url, PgOptions::new("sg-webhook-status")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("sg-webhook-status: {e}");
            std::process::exit(1);
        }
    };
    match ledger.status() {
        Ok(status) => println!("{status}"),
        Err(e) => {
            eprintln!("sg-webhook-status: {e}");
            std::process::exit(1);
        }
    }
}
