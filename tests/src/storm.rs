//! A fault storm: creates, updates, batches and finds through a client while the local server
//! faults a share of all requests at random (seeded), then counted on the server's side: how
//! many writes landed exactly once, twice, or not at all, and what the client said of each
//! (including answers that were someone else's: told wrong). Finds read pages ahead and keyed
//! batches go [`BATCHES_AT_ONCE`] at a time, so faults meet requests side by side on several
//! connections. The reliability test and `sg-bench storm` both run it.

use crate::SiteClient;
use serde_json::{json, Map, Value};
use sg_localsite::{Fault, LocalSite};
use sg_runtime::{BatchRequest, ChunkOutcome, FieldUpdate, Filter, Query};
use sg_runtime::{Error, RetryPolicy};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct StormPlan {
    /// The storm's seed.
    pub seed: u64,
    /// The share of requests faulted (0 to 1).
    pub rate: f64,
    /// The client's read timeout; the storm's delays are twice as long.
    pub timeout: Duration,
    /// Creates with an idempotency key.
    pub keyed_creates: usize,
    /// Creates without one.
    pub plain_creates: usize,
    /// Updates (of one field each).
    pub updates: usize,
    /// Batches of three keyed creates.
    pub batches: usize,
    /// Keyed creates sent as one bulk write, in chunks of ten, several chunks at once.
    pub bulk_creates: usize,
    /// Finds of a known set of records.
    pub finds: usize,
}

/// Keyed batches sent side by side.
pub const BATCHES_AT_ONCE: usize = 8;

/// The code of the record only a second answer holds: a request that reads it was told wrong.
const STALE: &str = "stale_answer";

impl StormPlan {
    /// The faults played: 503 before handling, 502/504 after handling (a gateway), connections
    /// dropped before and after handling, delays past the client's timeout, a throttle, an
    /// answer cut short, a garbled answer, and a whole answer with a second one behind it (a
    /// proxy that answers twice: the second names a record nobody made).
    pub fn faults(&self) -> Vec<Fault> {
        let stale = json!({"type": "Shot", "id": 999_999, "code": STALE});
        let second = json!({"results": {
            "entities": [stale],
            "paging_info": {"entity_count": 1, "has_next_page": false}
        }})
        .to_string();
        let second = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{second}",
            second.len()
        );
        vec![
            Fault::Status(503),
            Fault::StatusAfterHandling(502),
            Fault::StatusAfterHandling(504),
            Fault::DropBeforeHandling,
            Fault::DropAfterHandling,
            Fault::Delay(self.timeout * 2),
            Fault::Throttle(429, 0),
            Fault::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{\"results\": {\"ent"
                    .to_vec(),
            ),
            Fault::Body(200, "<html>garbled</html>".into()),
            Fault::AnswerThenMore(second.into_bytes()),
        ]
    }
}

/// The counts of one kind of write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Writes made.
    pub total: usize,
    /// Landed exactly once.
    pub exactly_once: usize,
    /// Landed more than once (or, for updates, sent more than once).
    pub duplicated: usize,
    /// Did not land.
    pub lost: usize,
    /// Of the lost, those the client answered `Ok`: lost silently.
    pub lost_silently: usize,
    /// Answered `Ok`.
    pub ok: usize,
    /// Of those answered `Ok`, answered with a record other than the one written: another
    /// request's answer, read as this one's.
    pub told_wrong: usize,
    /// Answered [`Error::MayHaveBeenApplied`].
    pub reported_ambiguous: usize,
    /// Answered any other error (each printed by [`StormReport::errors`]).
    pub other_errors: usize,
}

/// What a storm did.
#[derive(Clone, Debug, Default)]
pub struct StormReport {
    /// Creates with a key.
    pub keyed_creates: WriteCounts,
    /// Creates without a key.
    pub plain_creates: WriteCounts,
    /// Updates, each of its own record: "duplicated" counts updates applied and sent more than once.
    pub updates: WriteCounts,
    /// Batches (counted per batch: exactly once when all three creates landed once).
    pub batches: WriteCounts,
    /// Keyed creates of a bulk write (counted per create; `ok` when its chunk landed).
    pub bulk_creates: WriteCounts,
    /// Finds made.
    pub finds: usize,
    /// Finds that answered a wrong set of records.
    pub wrong_finds: usize,
    /// Finds that failed.
    pub failed_finds: usize,
    /// Faults the server played.
    pub faults_played: u64,
    /// Requests the server received.
    pub requests: usize,
    /// How long it took.
    pub elapsed: Duration,
    /// The errors other than "may have been applied", one line each.
    pub errors: Vec<String>,
}

impl std::fmt::Display for StormReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<14} {:>6} {:>12} {:>10} {:>6} {:>14} {:>6} {:>10} {:>7} {:>10}",
            "write",
            "total",
            "exactly once",
            "duplicated",
            "lost",
            "lost silently",
            "ok",
            "ambiguous",
            "errors",
            "told wrong"
        )?;
        for (name, c) in [
            ("create, key", &self.keyed_creates),
            ("create", &self.plain_creates),
            ("update", &self.updates),
            ("batch, keys", &self.batches),
            ("bulk, keys", &self.bulk_creates),
        ] {
            writeln!(
                f,
                "{name:<14} {:>6} {:>12} {:>10} {:>6} {:>14} {:>6} {:>10} {:>7} {:>10}",
                c.total,
                c.exactly_once,
                c.duplicated,
                c.lost,
                c.lost_silently,
                c.ok,
                c.reported_ambiguous,
                c.other_errors,
                c.told_wrong
            )?;
        }
        write!(
            f,
            "finds: {} ({} wrong, {} failed); {} faults played on {} requests in {:.1} s",
            self.finds,
            self.wrong_finds,
            self.failed_finds,
            self.faults_played,
            self.requests,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Runs `plan` against a fresh local server for the demo schema.
pub fn run(plan: &StormPlan) -> StormReport {
    let started = Instant::now();
    // Seven shots the finds must always see, and one shot per update to change.
    let known = (0..7).map(|i| json!({"code": format!("known_{i}")}));
    let targets =
        (0..plan.updates).map(|i| json!({"id": 1000 + i, "code": format!("target_{i:05}")}));
    let server = LocalSite::builder(sg_runtime::schema::Schema::demo())
        .seed(json!({"Shot": known.chain(targets).collect::<Vec<_>>()}))
        .start()
        .expect("the local server starts");
    let client = server
        .client_builder()
        .read_timeout(plan.timeout)
        // The lookups must outlast a delayed request: it lands after twice the timeout.
        .reconcile_window(plan.timeout * 3)
        .retry_policy(RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            jitter: false,
            max_pause: std::time::Duration::from_secs(600),
        })
        .max_concurrent_requests(8)
        .build()
        .expect("the client builds");
    // The page size is asked once, before the storm: it is not what is measured.
    let _ = client.page_size();
    server.storm(plan.seed, plan.rate, plan.faults());
    let mut report = StormReport::default();
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();

    for i in 0..plan.keyed_creates {
        let code = format!("keyed_{i:05}");
        let mut fields = shot(&code);
        fields.insert("sg_uuid".into(), format!("uuid-{code}").into());
        let r = client.create_once("Shot", &fields, &["code"], "sg_uuid");
        let outcome = Outcome::of(&r, &mut report.errors, |v| v["code"] == json!(code));
        outcomes.insert(code, outcome);
    }
    for i in 0..plan.plain_creates {
        let code = format!("plain_{i:05}");
        let r = client.create("Shot", &shot(&code), &["code"]);
        let outcome = Outcome::of(&r, &mut report.errors, |v| v["code"] == json!(code));
        outcomes.insert(code, outcome);
    }
    let mut update_outcomes = Vec::new();
    for i in 0..plan.updates {
        let text = format!("update_{i:05}");
        let r = client.update(
            "Shot",
            1000 + i as i64,
            &[FieldUpdate::set("description", text.clone())],
        );
        let outcome = Outcome::of(&r, &mut report.errors, |v| {
            v["id"] == json!(1000 + i) && v["description"] == json!(text)
        });
        update_outcomes.push((text, outcome));
    }
    // Keyed batches, several at once: batch b goes on thread b % BATCHES_AT_ONCE.
    let batch_outcomes: Vec<(Vec<String>, Outcome, Vec<String>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..BATCHES_AT_ONCE)
            .map(|t| {
                let client = client.clone();
                scope.spawn(move || {
                    let mut done = Vec::new();
                    for b in (t..plan.batches).step_by(BATCHES_AT_ONCE) {
                        let codes: Vec<String> =
                            (0..3).map(|i| format!("batch_{b:05}_{i}")).collect();
                        let requests: Vec<BatchRequest> = codes
                            .iter()
                            .map(|code| {
                                let mut fields = shot(code);
                                fields.insert("sg_uuid".into(), format!("uuid-{code}").into());
                                BatchRequest::Create {
                                    entity_type: "Shot".into(),
                                    fields,
                                    return_fields: vec!["code".into()],
                                    idempotency_key: Some("sg_uuid".into()),
                                }
                            })
                            .collect();
                        let r = client.batch(&requests);
                        let mut errors = Vec::new();
                        let outcome = Outcome::of(&r, &mut errors, |results: &Vec<Value>| {
                            results.len() == codes.len()
                                && results
                                    .iter()
                                    .zip(&codes)
                                    .all(|(v, c)| v["code"] == json!(c))
                        });
                        done.push((codes, outcome, errors));
                    }
                    done
                })
            })
            .collect();
        threads
            .into_iter()
            .flat_map(|t| t.join().expect("a batch thread"))
            .collect()
    });
    let bulk_codes: Vec<String> = (0..plan.bulk_creates)
        .map(|i| format!("bulk_{i:05}"))
        .collect();
    let bulk_requests: Vec<BatchRequest> = bulk_codes
        .iter()
        .map(|code| {
            let mut fields = shot(code);
            fields.insert("sg_uuid".into(), format!("uuid-{code}").into());
            BatchRequest::Create {
                entity_type: "Shot".into(),
                fields,
                return_fields: vec![],
                idempotency_key: Some("sg_uuid".into()),
            }
        })
        .collect();
    let bulk = client.bulk(&bulk_requests).chunk_size(10).send();
    let mut bulk_outcomes = Vec::new();
    for chunk in bulk.chunks() {
        let outcome = match &chunk.outcome {
            ChunkOutcome::Landed(results) => {
                // A landed chunk's results are the records it made (keys, no return fields).
                if results.iter().any(|v| v["code"] == json!(STALE)) {
                    Outcome::Wrong
                } else {
                    Outcome::Ok
                }
            }
            ChunkOutcome::Unknown(_) => Outcome::Ambiguous,
            ChunkOutcome::NotApplied(e) => {
                report.errors.push(format!("bulk: {e}"));
                Outcome::Error
            }
        };
        for code in &bulk_codes[chunk.requests.clone()] {
            bulk_outcomes.push((code.clone(), outcome));
        }
    }
    let known = Query::new("Shot")
        .filter(Filter::cond("code", "starts_with", ["known_"]))
        .fields(["code"])
        .page_size(3);
    for _ in 0..plan.finds {
        report.finds += 1;
        match client.find_all(&known) {
            Ok(records) => {
                let mut codes: Vec<&str> = records
                    .iter()
                    .filter_map(|r| r.get("code").and_then(Value::as_str))
                    .collect();
                codes.sort_unstable();
                let expected: Vec<String> = (0..7).map(|i| format!("known_{i}")).collect();
                if codes != expected.iter().map(String::as_str).collect::<Vec<_>>() {
                    report.wrong_finds += 1;
                }
            }
            Err(e) => {
                report.failed_finds += 1;
                report.errors.push(format!("find: {e}"));
            }
        }
    }

    // Let delayed requests land, stop the storm, then count on the server's side.
    std::thread::sleep(plan.timeout * 3);
    report.faults_played = server.storm_faults();
    server.clear_faults();
    let requests = server.requests();
    report.requests = requests.len();
    let mut landed: BTreeMap<String, usize> = BTreeMap::new();
    for r in server.records("Shot") {
        if let Some(code) = r.get("code").and_then(Value::as_str) {
            *landed.entry(code.to_string()).or_default() += 1;
        }
    }
    for (code, outcome) in &outcomes {
        let counts = if code.starts_with("keyed_") {
            &mut report.keyed_creates
        } else {
            &mut report.plain_creates
        };
        counts.add(landed.get(code).copied().unwrap_or(0), *outcome);
    }
    let descriptions: BTreeSet<String> = server
        .records("Shot")
        .iter()
        .filter_map(|r| Some(r.get("description")?.as_str()?.to_string()))
        .collect();
    for (text, outcome) in &update_outcomes {
        // An update sets a value, so applying it twice shows only as a second send the site
        // handled (a send answered 429 or 503 before handling changed nothing).
        let sent = requests
            .iter()
            .filter(|r| {
                r.method == "update"
                    && r.handled()
                    && r.params.as_ref().is_some_and(|p| mentions(p, text))
            })
            .count();
        let applied = match (descriptions.contains(text), sent) {
            (false, _) => 0,
            (true, 1) => 1,
            (true, _) => 2,
        };
        report.updates.add(applied, *outcome);
    }
    for (codes, outcome, errors) in &batch_outcomes {
        report.errors.extend(errors.iter().cloned());
        let counts: Vec<usize> = codes
            .iter()
            .map(|c| landed.get(c).copied().unwrap_or(0))
            .collect();
        let as_one = if counts.iter().all(|n| *n == 1) {
            1
        } else if counts.iter().all(|n| *n == 0) {
            0
        } else {
            2
        };
        report.batches.add(as_one, *outcome);
    }
    for (code, outcome) in &bulk_outcomes {
        report
            .bulk_creates
            .add(landed.get(code).copied().unwrap_or(0), *outcome);
    }
    report.elapsed = started.elapsed();
    report
}

fn shot(code: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("code".into(), code.into());
    m
}

fn mentions(params: &Value, text: &str) -> bool {
    params.to_string().contains(&format!("\"{text}\""))
}

/// What the client answered.
#[derive(Clone, Copy, Debug)]
enum Outcome {
    Ok,
    /// `Ok`, with an answer that is not what was written.
    Wrong,
    Ambiguous,
    Error,
}

impl Outcome {
    /// What `r` says, with `right` telling whether an `Ok` answer is the write's own.
    fn of<T>(
        r: &Result<T, Error>,
        errors: &mut Vec<String>,
        right: impl FnOnce(&T) -> bool,
    ) -> Outcome {
        match r {
            Ok(v) if right(v) => Outcome::Ok,
            Ok(_) => Outcome::Wrong,
            Err(e) if e.may_have_been_applied() => Outcome::Ambiguous,
            Err(e) => {
                errors.push(e.to_string());
                Outcome::Error
            }
        }
    }
}

impl WriteCounts {
    fn add(&mut self, landed: usize, outcome: Outcome) {
        self.total += 1;
        match landed {
            0 => {
                self.lost += 1;
                if matches!(outcome, Outcome::Ok) {
                    self.lost_silently += 1;
                }
            }
            1 => self.exactly_once += 1,
            _ => self.duplicated += 1,
        }
        match outcome {
            Outcome::Ok => self.ok += 1,
            Outcome::Wrong => {
                self.ok += 1;
                self.told_wrong += 1;
            }
            Outcome::Ambiguous => self.reported_ambiguous += 1,
            Outcome::Error => self.other_errors += 1,
        }
    }
}
