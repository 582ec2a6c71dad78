//! Which events are accepted, running and done: the one interface the HTTP side and the workers
//! record through ([`Ledger`]), and its embedded store, a journal file ([`FileLedger`]).
//!
//! An event goes through three states, each recorded before the next step:
//! - **accepted**: a delivery's events are written and synced before the site is answered 2xx,
//!   with the delivery itself, so that they are handled after a crash with or without a site
//!   to read the event log from;
//! - **claimed**: recorded and synced just before its handler runs;
//! - **done**: recorded and synced when its handler has returned.
//!
//! After a crash, an event claimed and not done is the only kind that can run again: its
//! handler was running (or had returned, and its done not yet synced). It is handed over
//! again flagged "may have run", and counted.
//!
//! Repeats (the site delivers at least once) are dropped by event id. With a back-fill, the
//! event stream's place says which ids are behind; without one, the ledger remembers the ids
//! of the last `repeat_window` events done (see [`FileLedger::open`]), as ranges, and takes
//! every id below them as done. Either way its size follows the work in flight and the gap
//! window, never history.

use serde_json::{json, Value};
use sg_runtime::events::IdRanges;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// Why the ledger could not record or read something.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Reading or writing the ledger's file failed.
    #[error("webhook ledger {}: {message}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The ledger's file is not a ledger (a line that does not read, not the last one).
    #[error("webhook ledger {}: line {line}: {problem}", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: String,
    },
    /// The database of a shared ledger refused or could not be reached.
    #[error("webhook ledger on {target}: {message}")]
    Database {
        /// The host and database (never the credentials).
        target: String,
        /// What failed.
        message: String,
    },
}

/// What the ledger knows of an event, for the back-fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventState {
    /// Done, or settled: the back-fill marks it handled in the place.
    Done,
    /// Accepted or claimed by a node at work: the back-fill leaves it.
    InFlight,
    /// Unknown, or left by a node that stopped: the back-fill hands it to a worker.
    Open,
}

/// Whether this node may back-fill now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lease {
    /// Always (a ledger of one node).
    Always,
    /// While it holds this term of a shared lease: a new term means another node held it
    /// between, and the place must be read again.
    Held(u64),
    /// Another node back-fills.
    NotHeld,
}

/// What a claim found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Claimed: run the handler.
    Run,
    /// Claimed before a crash and not done: its handler may have run. Run it again, and count it.
    MayHaveRun,
    /// Done, or being handled: do not run it.
    Taken,
}

/// An event accepted or claimed and not done, found when a ledger opens.
#[derive(Clone, Debug, PartialEq)]
pub struct Unfinished {
    /// The event's id.
    pub id: i64,
    /// The delivery as the site sent it (one delivery's `data`), for an event that came by
    /// webhook; `None` for one read from the event log (the back-fill reads it again).
    pub delivery: Option<Value>,
    /// Whether it was claimed (its handler may have run).
    pub may_have_run: bool,
}

/// Where the receiver records each event's state: accepted, claimed, done. The file ledger is
/// the default; another store (a database shared by several receivers) implements the same.
pub trait Ledger: Send + Sync {
    /// Records delivered events as accepted, durably (written and synced) before returning:
    /// `(event id, the delivery as the site sent it)`. Returns, for each, whether it is new:
    /// not accepted, claimed or done before (a repeat returns false and is not recorded).
    fn accept(&self, deliveries: &[(i64, Value)]) -> Result<Vec<bool>, LedgerError>;

    /// What the ledger knows of `id` (see [`EventState`]).
    fn state(&self, id: i64) -> EventState;

    /// Records that `id`'s handler is about to run, durably, unless it is done or being
    /// handled.
    fn claim(&self, id: i64) -> Result<Claim, LedgerError>;

    /// Records that `id`'s handler returned, durably.
    fn done(&self, id: i64) -> Result<(), LedgerError>;

    /// Every id up to `id` is handled, another event, or given up on (the event stream's
    /// place): the ledger may take them all as done and forget them.
    fn settled_through(&self, id: i64);

    /// What was accepted or claimed and not done when the ledger opened, lowest id first.
    fn unfinished(&self) -> Vec<Unfinished>;

    /// Events other nodes left (they stopped with them accepted or claimed), or that waited
    /// too long in a node's queue, not offered before: for this node's workers. A ledger of one
    /// node has none.
    fn takeovers(&self) -> Vec<Unfinished> {
        Vec::new()
    }

    /// How often to ask for [`takeovers`](Ledger::takeovers); `None`: never.
    fn takeover_every(&self) -> Option<std::time::Duration> {
        None
    }

    /// Whether this node may read the event log now: one node at a time does, when the
    /// ledger is shared. Asking is bidding: a node that never asks never holds it.
    fn backfill_lease(&self) -> Lease {
        Lease::Always
    }

    /// Where the event stream's place is kept when the ledger is shared (the next holder of
    /// the lease reads it there); `None`: beside the checkpoint file.
    fn place_store(&self) -> Option<Box<dyn sg_runtime::events::PlaceStore>> {
        None
    }
}

/// The embedded ledger: a journal of JSON lines, one per state change, appended and synced,
/// and rewritten from what is live (in flight, the repeat window) when it grows past a few
/// times that. With no file, it keeps the same states in memory (nothing survives a restart).
///
/// Syncs are shared (group commit): a change is written under the ledger's lock and synced
/// outside it, and one sync makes durable every change written before it, so concurrent
/// deliveries and workers wait for one disk flush, not for each other's.
pub struct FileLedger {
    journal: Mutex<Journal>,
    /// The highest write number known to be on disk.
    durable: AtomicU64,
    /// Held by the one thread syncing at a time.
    syncing: Mutex<()>,
}

/// The ledger's states and its journal file.
struct Journal {
    path: Option<PathBuf>,
    file: Option<Arc<std::fs::File>>,
    /// Writes so far (each numbered: what a sync must cover).
    written: u64,
    /// The write number of the last rewrite (synced whole).
    rewritten: u64,
    /// Lines appended since the journal was last rewritten.
    appended: usize,
    window: u64,
    /// Ids at or below this one are done (older than the window).
    floor: i64,
    /// With a back-fill: the window may forget ids up to here, no further.
    settled: i64,
    done: IdRanges,
    accepted: BTreeMap<i64, Value>,
    /// Claimed and not done: with the delivery, when the event came by webhook.
    claimed: BTreeMap<i64, Option<Value>>,
    /// Claimed before the ledger opened and not done.
    recovered: BTreeMap<i64, Option<Value>>,
}

/// Lines appended past the live state before the journal is rewritten.
const REWRITE_AFTER: usize = 10_000;

impl FileLedger {
    /// The default number of done events whose ids are remembered to drop repeats.
    pub const DEFAULT_REPEAT_WINDOW: u64 = 10_000;

    /// A ledger in memory that remembers the last `repeat_window` done events' ids: nothing
    /// survives a restart.
    pub fn in_memory(repeat_window: u64) -> FileLedger {
        FileLedger::from(Journal::new(repeat_window))
    }

    fn from(journal: Journal) -> FileLedger {
        FileLedger {
            journal: Mutex::new(journal),
            durable: AtomicU64::new(0),
            syncing: Mutex::new(()),
        }
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Returns once write number `n` is on disk: the first thread to come syncs the file for
    /// every write made so far; those that waited behind it find their writes covered.
    fn sync(&self, n: u64) -> Result<(), LedgerError> {
        if self.durable.load(Ordering::SeqCst) >= n {
            return Ok(());
        }
        let _one = self.syncing.lock().unwrap_or_else(|p| p.into_inner());
        if self.durable.load(Ordering::SeqCst) >= n {
            return Ok(());
        }
        let (upto, file, path) = {
            let j = self.journal();
            if j.rewritten >= n {
                self.durable.fetch_max(j.rewritten, Ordering::SeqCst);
                return Ok(());
            }
            (j.written, j.file.clone(), j.path.clone())
        };
        if let Some(file) = file {
            file.sync_data().map_err(|e| LedgerError::Io {
                path: path.unwrap_or_default(),
                message: e.to_string(),
            })?;
        }
        self.durable.fetch_max(upto, Ordering::SeqCst);
        Ok(())
    }

    /// Opens (or creates) the journal at `path`, remembering the last `repeat_window` done
    /// events' ids to drop repeats (a delivery of an id below them is taken as a repeat;
    /// [`DEFAULT_REPEAT_WINDOW`](Self::DEFAULT_REPEAT_WINDOW) suits most). A last line cut by
    /// a crash is dropped; any other line that does not read is an error naming the file and
    /// the line.
    pub fn open(path: impl Into<PathBuf>, repeat_window: u64) -> Result<FileLedger, LedgerError> {
        Journal::open(path.into(), repeat_window).map(FileLedger::from)
    }

    /// The journal's path, if it has one.
    pub fn path(&self) -> Option<PathBuf> {
        self.journal().path.clone()
    }
}

impl Journal {
    fn new(repeat_window: u64) -> Journal {
        Journal {
            path: None,
            file: None,
            written: 0,
            rewritten: 0,
            appended: 0,
            window: repeat_window.max(1),
            floor: 0,
            settled: i64::MAX,
            done: IdRanges::new(),
            accepted: BTreeMap::new(),
            claimed: BTreeMap::new(),
            recovered: BTreeMap::new(),
        }
    }

    fn open(path: PathBuf, repeat_window: u64) -> Result<Journal, LedgerError> {
        let mut ledger = Journal::new(repeat_window);
        let io = |e: std::io::Error| LedgerError::Io {
            path: path.clone(),
            message: e.to_string(),
        };
        match std::fs::File::open(&path) {
            Ok(f) => {
                let mut lines = std::io::BufReader::new(f).split(b'\n').peekable();
                let mut n = 0;
                while let Some(line) = lines.next() {
                    n += 1;
                    let line = line.map_err(io)?;
                    let last = lines.peek().is_none();
                    if let Err(problem) = ledger.replay(&line) {
                        if last {
                            log::warn!(
                                "webhook ledger {}: the last line was cut ({problem}); dropped",
                                path.display()
                            );
                            break;
                        }
                        return Err(LedgerError::Corrupt {
                            path,
                            line: n,
                            problem,
                        });
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        // What was claimed and not done may have run.
        ledger.recovered = std::mem::take(&mut ledger.claimed);
        ledger.path = Some(path);
        // Rewritten at once: drops a cut last line, and starts the journal from what is live.
        ledger.rewrite()?;
        Ok(ledger)
    }

    /// Applies one journal line.
    fn replay(&mut self, line: &[u8]) -> Result<(), String> {
        let v: Value = serde_json::from_slice(line).map_err(|e| format!("not JSON: {e}"))?;
        let id = |k: &str| v.get(k).and_then(Value::as_i64);
        if let Some(id) = id("a") {
            let delivery = v.get("d").cloned().ok_or("an accepted event without `d`")?;
            match self.claimed.get_mut(&id) {
                // Claimed from the log before, and delivered since: kept with the claim.
                Some(slot) => *slot = Some(delivery),
                None => {
                    self.accepted.insert(id, delivery);
                }
            }
        } else if let Some(id) = id("c") {
            let delivery = self
                .accepted
                .remove(&id)
                .or_else(|| v.get("d").cloned().filter(|d| !d.is_null()));
            self.claimed.insert(id, delivery);
        } else if let Some(id) = id("f") {
            self.finish(id);
        } else if let Some(r) = v.get("fr").and_then(Value::as_array) {
            match (
                r.first().and_then(Value::as_i64),
                r.get(1).and_then(Value::as_i64),
            ) {
                (Some(a), Some(b)) if a <= b => self.done.insert_range(a, b),
                _ => return Err("`fr` is not a [first, last] range".into()),
            }
        } else if let Some(floor) = id("floor") {
            self.floor = self.floor.max(floor);
        } else if let Some(settled) = id("settled") {
            self.settled = settled;
        } else {
            return Err("not a ledger record".into());
        }
        Ok(())
    }

    fn finish(&mut self, id: i64) {
        self.accepted.remove(&id);
        self.claimed.remove(&id);
        self.recovered.remove(&id);
        if id > self.floor {
            self.done.insert(id);
        }
        self.prune();
    }

    /// Forgets the oldest done ids: with a back-fill, up to what the place has settled; without
    /// one, those past the window. Pending events are never taken as done by the floor (see
    /// `claim`), whatever it passes.
    fn prune(&mut self) {
        let cut = if self.settled != i64::MAX {
            self.settled
        } else {
            let excess = self.done.len().saturating_sub(self.window);
            if excess == 0 {
                return;
            }
            let mut left = excess;
            let mut cut = self.floor;
            for (a, b) in self.done.iter() {
                let n = b.abs_diff(a) + 1;
                if n < left {
                    left -= n;
                } else {
                    cut = a + left as i64 - 1;
                    break;
                }
            }
            cut
        };
        if cut > self.floor {
            self.done.remove_range(i64::MIN, cut);
            self.floor = cut;
        }
    }

    fn is_done(&self, id: i64) -> bool {
        id <= self.floor || self.done.contains(id)
    }

    /// Appends `lines` (not synced: see [`FileLedger::sync`]); rewrites the journal when it has
    /// grown. Returns the write's number.
    fn append(&mut self, lines: &[Value]) -> Result<u64, LedgerError> {
        let Some(file) = self.file.clone() else {
            return Ok(0);
        };
        let mut text = Vec::new();
        for l in lines {
            text.extend_from_slice(l.to_string().as_bytes());
            text.push(b'\n');
        }
        (&*file).write_all(&text).map_err(|e| LedgerError::Io {
            path: self.path.clone().unwrap_or_default(),
            message: e.to_string(),
        })?;
        self.written += 1;
        self.appended += lines.len();
        let live = self.accepted.len() + self.claimed.len() + self.recovered.len();
        if self.appended > REWRITE_AFTER + 4 * live {
            self.rewrite()?;
        }
        Ok(self.written)
    }

    /// Writes what is live to a new journal, synced, and renames it over the old one.
    fn rewrite(&mut self) -> Result<(), LedgerError> {
        let Some(path) = self.path.clone() else {
            return Ok(());
        };
        let io = |e: std::io::Error| LedgerError::Io {
            path: path.clone(),
            message: e.to_string(),
        };
        let mut lines = vec![json!({"floor": self.floor})];
        if self.settled != i64::MAX {
            lines.push(json!({"settled": self.settled}));
        }
        lines.extend(self.done.iter().map(|(a, b)| json!({"fr": [a, b]})));
        for (id, d) in self.recovered.iter().chain(&self.claimed) {
            lines.push(json!({"c": id, "d": d}));
        }
        for (id, d) in &self.accepted {
            lines.push(json!({"a": id, "d": d}));
        }
        let mut text = Vec::new();
        for l in &lines {
            text.extend_from_slice(l.to_string().as_bytes());
            text.push(b'\n');
        }
        let tmp = path.with_extension("rewrite");
        std::fs::write(&tmp, &text).map_err(io)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // The rename itself is durable once the folder is synced.
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(io)?;
        }
        self.file = Some(Arc::new(
            std::fs::OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(io)?,
        ));
        self.appended = 0;
        // Everything written so far is in the rewritten file, synced: a later sync of this
        // number or below has nothing to do.
        self.written += 1;
        self.rewritten = self.written;
        Ok(())
    }
}

impl Journal {
    /// Returns which are new, and the write number that makes them durable (covering every
    /// write before it too, so that a repeat is answered only once its first is on disk).
    fn accept(&mut self, deliveries: &[(i64, Value)]) -> Result<(Vec<bool>, u64), LedgerError> {
        let mut new = Vec::with_capacity(deliveries.len());
        let mut lines = Vec::new();
        let mut taken = Vec::new();
        for (id, delivery) in deliveries {
            let fresh = !self.knows(*id) && !taken.contains(id);
            if fresh {
                lines.push(json!({"a": id, "d": delivery}));
                taken.push(*id);
            }
            new.push(fresh);
        }
        if !lines.is_empty() {
            self.append(&lines)?;
        }
        for (id, delivery) in deliveries {
            if taken.contains(id) {
                // A delivery of an event claimed before a crash and read from the log: its
                // delivery is kept with the claim, not accepted anew.
                match self.recovered.get_mut(id) {
                    Some(slot) => *slot = Some(delivery.clone()),
                    None => {
                        self.accepted.insert(*id, delivery.clone());
                    }
                }
            }
        }
        Ok((new, self.written))
    }

    fn knows(&self, id: i64) -> bool {
        self.is_done(id)
            || self.accepted.contains_key(&id)
            || self.claimed.contains_key(&id)
            || self.recovered.get(&id).is_some_and(Option::is_some)
    }

    fn claim(&mut self, id: i64) -> Result<(Claim, u64), LedgerError> {
        // What is pending comes first: an event accepted or claimed and not done runs whatever
        // the floor says (it may have passed it: a window, or a place moved over a gap).
        let (delivery, claim) = if self.claimed.contains_key(&id) {
            return Ok((Claim::Taken, 0));
        } else if let Some(d) = self.recovered.remove(&id) {
            (d, Claim::MayHaveRun)
        } else if let Some(d) = self.accepted.remove(&id) {
            (Some(d), Claim::Run)
        } else if self.is_done(id) {
            return Ok((Claim::Taken, 0));
        } else {
            (None, Claim::Run)
        };
        // The delivery goes with the claim only where the journal does not hold it already
        // (an event read from the log has none).
        let n = self.append(&[json!({"c": id})])?;
        self.claimed.insert(id, delivery);
        Ok((claim, n))
    }

    fn done(&mut self, id: i64) -> Result<u64, LedgerError> {
        let n = self.append(&[json!({"f": id})])?;
        self.finish(id);
        Ok(n)
    }

    fn settled_through(&mut self, id: i64) {
        self.settled = if self.settled == i64::MAX {
            id
        } else {
            self.settled.max(id)
        };
        self.prune();
    }

    fn unfinished(&self) -> Vec<Unfinished> {
        let mut out: Vec<Unfinished> = self
            .recovered
            .iter()
            .map(|(id, d)| Unfinished {
                id: *id,
                delivery: d.clone(),
                may_have_run: true,
            })
            .chain(self.accepted.iter().map(|(id, d)| Unfinished {
                id: *id,
                delivery: Some(d.clone()),
                may_have_run: false,
            }))
            .collect();
        out.sort_by_key(|u| u.id);
        out
    }
}

impl Ledger for FileLedger {
    fn accept(&self, deliveries: &[(i64, Value)]) -> Result<Vec<bool>, LedgerError> {
        let (new, n) = self.journal().accept(deliveries)?;
        self.sync(n)?;
        Ok(new)
    }

    fn state(&self, id: i64) -> EventState {
        let j = self.journal();
        if j.is_done(id) {
            EventState::Done
        } else if j.knows(id) {
            EventState::InFlight
        } else {
            EventState::Open
        }
    }

    fn claim(&self, id: i64) -> Result<Claim, LedgerError> {
        let (claim, n) = self.journal().claim(id)?;
        self.sync(n)?;
        Ok(claim)
    }

    fn done(&self, id: i64) -> Result<(), LedgerError> {
        let n = self.journal().done(id)?;
        self.sync(n)
    }

    fn settled_through(&self, id: i64) {
        self.journal().settled_through(id);
    }

    fn unfinished(&self) -> Vec<Unfinished> {
        self.journal().unfinished()
    }
}

#[cfg(test)]
mod tests {
    use super::{Claim, EventState, FileLedger, Ledger};
    use serde_json::json;

    fn d(id: i64) -> (i64, serde_json::Value) {
        (
            id,
            json!({"id": format!("{id}.1.0"), "event_log_entry_id": id}),
        )
    }

    #[test]
    fn states_survive_a_reopen_and_a_claim_not_done_may_have_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        {
            let l = FileLedger::open(&path, 10_000).unwrap();
            assert_eq!(
                l.accept(&[d(1), d(2), d(3), d(2)]).unwrap(),
                [true, true, true, false]
            );
            assert_eq!(l.accept(&[d(1)]).unwrap(), [false], "a repeat");
            assert_eq!(l.claim(1).unwrap(), Claim::Run);
            l.done(1).unwrap();
            assert_eq!(l.claim(2).unwrap(), Claim::Run);
            assert_eq!(l.claim(2).unwrap(), Claim::Taken);
            // Crash: 2 claimed (running), 3 accepted.
        }
        // A cut last line is dropped.
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(b"{\"f\": 3");
        std::fs::write(&path, text).unwrap();
        let l = FileLedger::open(&path, 10_000).unwrap();
        let u = l.unfinished();
        assert_eq!(
            u.iter().map(|u| (u.id, u.may_have_run)).collect::<Vec<_>>(),
            [(2, true), (3, false)]
        );
        assert!(u.iter().all(|u| u.delivery.is_some()));
        let known = |id| l.state(id) != EventState::Open;
        assert!(known(1) && known(2) && known(3) && !known(4));
        assert_eq!(l.claim(1).unwrap(), Claim::Taken, "done before the crash");
        assert_eq!(l.claim(2).unwrap(), Claim::MayHaveRun);
        assert_eq!(l.claim(3).unwrap(), Claim::Run);
        l.done(2).unwrap();
        l.done(3).unwrap();
        assert!(FileLedger::open(&path, 10_000)
            .unwrap()
            .unfinished()
            .is_empty());
    }

    #[test]
    fn an_event_accepted_below_the_lowest_done_id_still_runs() {
        let l = FileLedger::in_memory(10_000);
        assert_eq!(l.accept(&[d(5), d(9)]).unwrap(), [true, true]);
        // 9 is handled first (workers run side by side): 5 is still pending.
        assert_eq!(l.claim(9).unwrap(), Claim::Run);
        l.done(9).unwrap();
        assert_ne!(l.state(5), EventState::Open);
        assert_eq!(
            l.claim(5).unwrap(),
            Claim::Run,
            "accepted, not done: it runs"
        );
        l.done(5).unwrap();
        assert_eq!(l.claim(5).unwrap(), Claim::Taken);
        // With a back-fill's place past it, a pending event runs all the same.
        let l = FileLedger::in_memory(10_000);
        l.accept(&[d(3)]).unwrap();
        l.settled_through(100);
        assert_eq!(l.claim(3).unwrap(), Claim::Run);
        assert_eq!(
            l.claim(50).unwrap(),
            Claim::Taken,
            "settled, never pending: done"
        );
    }

    #[test]
    fn a_corrupt_line_is_named_and_the_journal_stays_small_whatever_was_handled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger");
        std::fs::write(&path, "{\"floor\": 0}\n{\"contiguous\": 5}\n{\"f\": 1}\n").unwrap();
        let e = FileLedger::open(&path, 10_000).err().unwrap().to_string();
        assert!(
            e.contains("line 2") && e.contains(&path.display().to_string()),
            "{e}"
        );
        std::fs::remove_file(&path).unwrap();
        let l = FileLedger::open(&path, 100).unwrap();
        // Sparse ids (every third), so the window is many ranges.
        for i in 1..=3_000 {
            let id = i * 3;
            assert_eq!(l.accept(&[d(id)]).unwrap(), [true]);
            assert_eq!(l.claim(id).unwrap(), Claim::Run);
            l.done(id).unwrap();
        }
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size < 500_000, "the journal is {size} bytes");
        let l = FileLedger::open(&path, 100).unwrap();
        let known = |id| l.state(id) != EventState::Open;
        assert!(known(9_000) && known(3) && !known(9_003));
        assert!(
            std::fs::metadata(&path).unwrap().len() < 4_000,
            "rewritten on open"
        );
    }
}
