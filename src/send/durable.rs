//! Durable runs: [`Run::save`] a run, [`Run::restore`] it in another process.
//!
//! Why a journal and not a dump of the tables: the run is a pure function of its plan and of
//! the host's calls (it reads no clock and no RNG). So the state is the plan's fingerprint
//! plus those calls, in order: each `next` time that changed something, each answer (status,
//! headers, body as handed in), each lost request, each reconnect. Restoring re-plans from the
//! same work and replays them, which rebuilds every table (documents, contacts, jobs, keys,
//! the log) exactly as it stood, through the same code that built it the first time: there is
//! no second serialised form of the tables that could drift from the code. The journal only
//! grows, so a host can append [`Run::changes`] after every call instead of rewriting it.
//!
//! Requests in flight when the state was saved never got their answer into it: on restore
//! they are treated as lost (writes are looked up, never resent blindly; reads are resent).
//!
//! Every state carries a check (a hash chained over the entries). Replaying must reproduce it
//! exactly, so a corrupt entry, a state of other work, or work planned differently (another
//! snapshot that changes what is sent) is refused before anything is sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{Error, ErrorCode};
use crate::exporter::Exporter;
use crate::input::work::Work;
use crate::send::plan::PlanOptions;
use crate::xero::responses::HttpResponse;
use crate::xero::wire::WireDocument;

use super::tables::JobState;
use super::Run;

/// The `format` of a saved state.
pub const STATE_FORMAT: &str = "xero-export/run-state";
/// The newest state version this library reads (and the one it writes).
pub const STATE_VERSION: u32 = 1;

/// One host call that changed the run.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) enum Entry {
    /// `next(now)`.
    Next(i64),
    /// `handle(id, response, now)`.
    Handle(Answered),
    /// `lost(id, now)`.
    Lost { id: String, at: i64 },
    /// `resume()` after reconnecting.
    Reconnect,
}

/// An answer as the host handed it in.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Answered {
    id: String,
    at: i64,
    status: u16,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<Value>,
}

/// The journal a run keeps of itself: what [`Run::save`] writes.
#[derive(Default)]
pub(super) struct Journal {
    options: Option<PlanOptions>,
    plan: u64,
    entries: Vec<Entry>,
    /// The chained check after each entry.
    checks: Vec<u64>,
    /// The latest host time seen (the time a restore declares in-flight requests lost).
    last_at: i64,
}

impl Journal {
    /// The journal of a run just planned with `options`, whose plan hashes to `plan`.
    pub(super) fn new(options: PlanOptions, plan: u64) -> Journal {
        Journal {
            options: Some(options),
            plan,
            ..Journal::default()
        }
    }

    fn record(&mut self, e: Entry) {
        let at = match &e {
            Entry::Next(at) | Entry::Lost { at, .. } => Some(*at),
            Entry::Handle(a) => Some(a.at),
            Entry::Reconnect => None,
        };
        if let Some(at) = at {
            self.last_at = self.last_at.max(at);
        }
        let mut h = Fnv(self.check());
        // Serialising our own types cannot fail; an empty text still chains.
        h.text(&serde_json::to_string(&e).unwrap_or_default());
        self.checks.push(h.0);
        self.entries.push(e);
    }

    fn check(&self) -> u64 {
        self.checks.last().copied().unwrap_or(self.plan)
    }

    fn check_at(&self, seq: usize) -> u64 {
        match seq.checked_sub(1) {
            None => self.plan,
            Some(i) => self.checks.get(i).copied().unwrap_or(self.plan),
        }
    }
}

impl Run {
    /// Records `next(now)` if it changed the run (`before` = [`Run::fingerprint`] before it):
    /// a `next` that changed nothing replays as nothing, so a polling host does not grow the
    /// state.
    pub(super) fn journal_next(&mut self, now: i64, before: u64, handed_out: bool) {
        if handed_out || self.fingerprint() != before {
            self.journal.record(Entry::Next(now));
        }
    }

    pub(super) fn journal_handle(&mut self, id: &str, response: &HttpResponse, now: i64) {
        self.journal.record(Entry::Handle(Answered {
            id: id.to_owned(),
            at: now,
            status: response.status,
            headers: response.headers.clone(),
            body: response.body.clone(),
        }));
    }

    pub(super) fn journal_lost(&mut self, id: &str, now: i64) {
        self.journal.record(Entry::Lost {
            id: id.to_owned(),
            at: now,
        });
    }

    pub(super) fn journal_reconnect(&mut self) {
        self.journal.record(Entry::Reconnect);
    }

    /// What a `next` that hands nothing out can change: which tables' rows moved, and the
    /// pause. Equal before and after means the call changed nothing worth replaying.
    pub(super) fn fingerprint(&self) -> u64 {
        let mut h = Fnv::default();
        let _ = write!(h, "{}/{}", self.jobs.len(), self.pause_until);
        for j in self.jobs.iter() {
            let _ = write!(h, "{:?}", j.state);
        }
        for d in self.docs.iter() {
            let _ = write!(h, "{:?}{:?}", d.state, d.out.status);
            if let Some(a) = &d.alloc {
                let _ = write!(h, "{a:?}");
            }
        }
        for c in self.cancels.iter() {
            let _ = write!(h, "{:?}{:?}", c.step, c.out.status);
        }
        for u in self.items.iter() {
            let _ = write!(h, "{:?}{:?}", u.state, u.item_id);
        }
        for p in self.payments.iter() {
            let _ = write!(h, "{:?}{:?}", p.step, p.out.status);
        }
        h.text(&self.people_fingerprint());
        h.0
    }

    /// The plan: what this run will send, before any call. Two runs with the same plan
    /// replay the same journal to the same tables.
    pub(super) fn plan_hash(&self) -> u64 {
        let mut h = Fnv::default();
        let _ = write!(h, "{STATE_VERSION}{:?}{}", self.limits, self.unitdp4);
        for d in self.docs.iter() {
            h.text(&serde_json::to_string(&d.p).unwrap_or_default());
            // The preview leaves out what is sent (the wire document, its lines) and what
            // Xero's answers are read against (the document held, the invoice credited).
            h.text(
                &d.p.wire
                    .as_ref()
                    .map(WireDocument::to_json)
                    .unwrap_or_default(),
            );
            let _ = write!(
                h,
                "{:?}{:?}{:?}{:?}{:?}{:?}",
                d.state, d.contact_id, d.payer, d.p.credits_invoice_number, d.xero, d.alloc
            );
        }
        for u in self.contacts.iter() {
            let _ = write!(h, "{}{:?}", u.element, u.docs);
        }
        for u in self.items.iter() {
            let _ = write!(h, "{}{:?}", u.element, u.docs);
        }
        for j in self.jobs.iter() {
            let _ = write!(h, "{:?}", j.kind);
        }
        // A cancel's and a payment's outcome as planned carry the host's ids (their
        // idempotency keys) and what is asked of Xero; a payment's element is written only
        // once its document is settled, so what it will send is hashed field by field.
        for c in self.cancels.iter() {
            h.text(&serde_json::to_string(&c.out).unwrap_or_default());
            let _ = write!(
                h,
                "{}{:?}{:?}{:?}{:?}",
                c.xero_id, c.collection, c.step, c.number, c.credit
            );
        }
        for p in self.payments.iter() {
            h.text(&serde_json::to_string(&p.out).unwrap_or_default());
            let _ = write!(
                h,
                "{:?}{}{:?}{:?}{}{:?}{:?}{:?}{:?}{:?}",
                p.element,
                p.amount,
                p.step,
                p.target,
                p.credit,
                p.date,
                p.account,
                p.reference,
                p.rate,
                p.doc_source
            );
        }
        for row in &self.people {
            let _ = write!(
                h,
                "{:?}{:?}{:?}",
                row.out.status, row.out.contact_id, row.contact
            );
        }
        h.0
    }

    /// How many entries the run's journal holds: the `seq` to pass to [`Run::changes`] next.
    pub fn seq(&self) -> usize {
        self.journal.entries.len()
    }

    /// The run's state as versioned, self-describing JSON: everything [`Run::restore`] needs,
    /// with the same work, to continue exactly where this run stands.
    pub fn save(&self) -> String {
        let state = State {
            format: STATE_FORMAT.to_owned(),
            version: STATE_VERSION,
            library: env!("CARGO_PKG_VERSION").to_owned(),
            tenant_id: self.limits.tenant_id.clone(),
            plan: hex(self.journal.plan),
            options: self.journal.options.clone().unwrap_or_default(),
            in_flight: self.in_flight_ids(),
            log_cursor: self.requests.log().len(),
            seq: self.seq(),
            check: hex(self.journal.check()),
            entries: packed(&self.journal.entries),
        };
        serde_json::to_string(&state).unwrap_or_default()
    }

    /// The entries recorded since `since` (a former [`Run::seq`]), for a host that appends to
    /// its storage after every call: `{from, to, check, entries}`.
    ///
    /// Errors (misuse): `since` beyond what this run recorded.
    pub fn changes(&self, since: usize) -> Result<String, Error> {
        let Some(entries) = self.journal.entries.get(since..) else {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "sinceSeq",
                format!(
                    "This run has recorded {} entries; ask for changes since a seq it returned.",
                    self.seq()
                ),
            ));
        };
        let c = Chunk {
            from: since,
            to: self.seq(),
            check: hex(self.journal.check_at(self.seq())),
            entries: packed(entries),
        };
        Ok(serde_json::to_string(&c).unwrap_or_default())
    }

    /// The ids of the requests handed out and not answered, in job order.
    fn in_flight_ids(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter_map(|j| match &j.state {
                JobState::InFlight(id) => Some(id.clone()),
                _ => None,
            })
            .collect()
    }

    /// The run `state` was saved from, continued: planned again from `work` with the state's
    /// options, the saved calls replayed, and the requests that were in flight declared lost.
    ///
    /// Errors, with nothing sent or changed: `STATE_CORRUPT` (not a state, truncated, or an
    /// entry that does not replay to the saved check), `STATE_VERSION` (a newer format),
    /// `STATE_FOREIGN` (another tenant, or work or a snapshot that plan other requests).
    pub fn restore(
        exporter: &Exporter,
        work: &Work,
        state: &str,
        options: &ResumeOptions,
    ) -> Result<Run, Error> {
        let state = read_state(state)?;
        let entries = unpacked(state.entries, "state.entries")?;
        if entries.len() != state.seq {
            return Err(corrupt(
                "state.entries",
                "does not hold as many entries as its seq says (truncated or altered)",
            ));
        }
        check_tenant(&state.tenant_id, options)?;
        let mut run = Run::with_work(exporter, work, &state.options)?;
        if run.limits.tenant_id != state.tenant_id {
            return Err(corrupt(
                "state.tenantId",
                "names another tenant than the one its requests are sent for (options.tenantId): it was changed",
            ));
        }
        if hex(run.journal.plan) != state.plan {
            return Err(Error::new(
                ErrorCode::StateForeign,
                "work",
                "This state was saved from a run of other work (or of the same work planned against another snapshot): resume it with the work and snapshot it was planned from.",
            ));
        }
        run.replay(&entries, "state.entries")?;
        run.verify(&state.check, "state")?;
        if run.in_flight_ids() != state.in_flight {
            return Err(corrupt(
                "state.inFlight",
                "names other requests in flight than its entries leave: it was changed",
            ));
        }
        if run.requests.log().len() != state.log_cursor {
            return Err(corrupt(
                "state.logCursor",
                "is not the number of log rows its entries make: it was changed",
            ));
        }
        for (i, c) in options.changes.iter().enumerate() {
            run.append(c, &format!("options.changes[{i}]"))?;
        }
        run.declare_lost()?;
        Ok(run)
    }

    /// Replays a chunk of `run.changes()`. A resume records entries of its own (its requests
    /// in flight declared lost), which a host that took `run.seq` after resuming never
    /// appended: a chunk that starts that much later follows them, derived again here.
    fn append(&mut self, c: &Changes, argument: &str) -> Result<(), Error> {
        let c: Chunk = serde_json::from_value(c.0.clone()).map_err(|e| {
            corrupt(
                argument,
                &format!("has a chunk that is not one of run.changes() ({e})"),
            )
        })?;
        if c.from > self.seq() {
            self.declare_lost()?;
        }
        if c.from != self.seq() || c.to < c.from || c.entries.len() != c.to - c.from {
            return Err(corrupt(
                argument,
                "does not follow the entries before it: append every chunk of run.changes() in order",
            ));
        }
        let entries = unpacked(c.entries, argument)?;
        self.replay(&entries, &format!("{argument}.entries"))?;
        self.verify(&c.check, argument)
    }

    /// Declares the requests in flight lost, at the latest host time the run saw: their
    /// answers never reached the state (writes are looked up, reads resent).
    fn declare_lost(&mut self) -> Result<(), Error> {
        let at = self.journal.last_at;
        for id in self.in_flight_ids() {
            self.lost(&id, at)?;
        }
        Ok(())
    }

    /// Refuses a state whose entries did not replay to its `check`.
    fn verify(&self, check: &str, argument: &str) -> Result<(), Error> {
        if hex(self.journal.check()) == check {
            return Ok(());
        }
        Err(corrupt(
            argument,
            "does not replay to its check: it was changed or damaged",
        ))
    }

    /// Applies the saved calls in order; a call the run refuses means the state is damaged.
    fn replay(&mut self, entries: &[Entry], argument: &str) -> Result<(), Error> {
        for (i, e) in entries.iter().enumerate() {
            let done = match e {
                Entry::Next(at) => {
                    self.next(*at);
                    Ok(())
                }
                Entry::Handle(a) => {
                    let response = HttpResponse {
                        status: a.status,
                        headers: a.headers.clone(),
                        body: a.body.clone(),
                    };
                    self.handle(&a.id, &response, a.at).map(drop)
                }
                Entry::Lost { id, at } => self.lost(id, *at).map(drop),
                Entry::Reconnect => {
                    self.resume();
                    Ok(())
                }
            };
            done.map_err(|e| corrupt(&format!("{argument}[{i}]"), &e.message))?;
        }
        Ok(())
    }
}

/// Fields of Xero's answers that nothing in the run reads and that make up most of their
/// bytes: the copy of the whole contact inside every document (its addresses, phones, groups
/// and people), the display strings of dates, the document's Url, and each line's text,
/// account and item as sent. The run reads every answer through
/// [`slim`], live and on replay alike, so dropping them cannot make a replay differ from the
/// run it replays; it keeps the state under a kilobyte per invoice.
const DOCUMENT_CONTACT_KEEPS: [&str; 7] = [
    "ContactID",
    "ContactNumber",
    "Name",
    "ContactStatus",
    "ValidationErrors",
    "Warnings",
    "HasValidationErrors",
];
const NEVER_READ: [&str; 4] = ["DateString", "DueDateString", "UpdatedDateUTCString", "Url"];
/// What Xero echoes of each line as it was sent (the run checks a line's tracking, amounts and
/// messages, never its text or account).
const LINE_NEVER_READ: [&str; 5] = [
    "Description",
    "AccountCode",
    "AccountID",
    "ItemCode",
    "Item",
];

/// `response` as the run reads it: a body given as JSON text parsed, without the fields of
/// [`NEVER_READ`] and with a document's `Contact` cut to what identifies it. What a state
/// could not carry is read as the state will give it back: a `null` body as none (a state
/// writes no body for both), and a body or header nested deeper than [`MAX_DEPTH`] as its
/// JSON text.
pub(super) fn slim(response: &HttpResponse) -> HttpResponse {
    let body = response.body.as_ref().filter(|b| !b.is_null()).map(|b| {
        let mut v = match b {
            Value::String(text) => match serde_json::from_str::<Value>(text) {
                Ok(v) if v.is_object() && !deeper_than(&v, MAX_DEPTH) => v,
                _ => return b.clone(),
            },
            other => shallow(other.clone()),
        };
        slim_value(&mut v, 0);
        v
    });
    let headers = response
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), shallow(v.clone())))
        .collect();
    HttpResponse {
        status: response.status,
        headers,
        body,
    }
}

/// How deep an answer's JSON may nest and still be kept as JSON in a state, which nests it
/// five levels down (a reader refuses JSON nested deeper than 128 levels). Xero's answers
/// nest under ten.
const MAX_DEPTH: usize = 64;

/// `v`, or its JSON text when it nests deeper than [`MAX_DEPTH`].
fn shallow(v: Value) -> Value {
    if deeper_than(&v, MAX_DEPTH) {
        Value::String(v.to_string())
    } else {
        v
    }
}

fn deeper_than(v: &Value, levels: usize) -> bool {
    let Some(below) = levels.checked_sub(1) else {
        return v.is_array() || v.is_object();
    };
    match v {
        Value::Array(xs) => xs.iter().any(|x| deeper_than(x, below)),
        Value::Object(map) => map.values().any(|x| deeper_than(x, below)),
        _ => false,
    }
}

fn slim_value(v: &mut Value, depth: usize) {
    // Xero's answers are a few levels deep; a deeper body is not Xero's and is left alone.
    if depth > 16 {
        return;
    }
    match v {
        Value::Object(map) => {
            map.retain(|k, _| !NEVER_READ.contains(&k.as_str()));
            if let Some(Value::Object(c)) = map.get_mut("Contact") {
                c.retain(|k, _| DOCUMENT_CONTACT_KEEPS.contains(&k.as_str()));
            }
            if let Some(Value::Array(lines)) = map.get_mut("LineItems") {
                for line in lines.iter_mut().filter_map(Value::as_object_mut) {
                    line.retain(|k, _| !LINE_NEVER_READ.contains(&k.as_str()));
                }
            }
            for x in map.values_mut() {
                slim_value(x, depth + 1);
            }
        }
        Value::Array(xs) => xs.iter_mut().for_each(|x| slim_value(x, depth + 1)),
        _ => {}
    }
}

/// Answers repeat the same long strings (tracking category and option ids, contact ids, account
/// codes) in every document. A saved state (and each chunk of changes) writes each such string
/// once; its later occurrences are `MARK` + its number in hex, numbered in the order the
/// strings first appear when the bodies are walked (objects by key, arrays in order), so the
/// reader rebuilds the same numbering as it walks. A string that starts with `MARK` itself is
/// written with one more `MARK` in front. The check is over the entries as recorded, so a
/// reader that rebuilt a string wrongly is refused, never replayed.
const MARK: char = '\u{7f}';
/// Shorter strings are cheaper written out than referred to. (DEL, the mark, is one byte that
/// JSON writes as is.)
const MIN_SHARED: usize = 8;

fn packed(entries: &[Entry]) -> Vec<Entry> {
    let mut seen = std::collections::HashMap::new();
    entries
        .iter()
        .map(|e| {
            let mut e = e.clone();
            if let Entry::Handle(Answered { body: Some(b), .. }) = &mut e {
                pack(b, &mut seen);
            }
            e
        })
        .collect()
}

fn pack(v: &mut Value, seen: &mut std::collections::HashMap<String, usize>) {
    match v {
        Value::String(s) if s.starts_with(MARK) => s.insert(0, MARK),
        Value::String(s) if s.len() >= MIN_SHARED => match seen.get(s.as_str()) {
            Some(n) => *s = format!("{MARK}{n:x}"),
            None => {
                let n = seen.len();
                seen.insert(s.clone(), n);
            }
        },
        Value::Array(xs) => xs.iter_mut().for_each(|x| pack(x, seen)),
        Value::Object(map) => map.values_mut().for_each(|x| pack(x, seen)),
        _ => {}
    }
}

fn unpacked(mut entries: Vec<Entry>, argument: &str) -> Result<Vec<Entry>, Error> {
    let mut strings = Vec::new();
    for e in &mut entries {
        if let Entry::Handle(Answered { body: Some(b), .. }) = e {
            unpack(b, &mut strings, 0)
                .ok_or_else(|| corrupt(argument, "refers to a string it never wrote"))?;
        }
    }
    Ok(entries)
}

fn unpack(v: &mut Value, strings: &mut Vec<String>, depth: usize) -> Option<()> {
    // As deep as serde_json reads (128); deeper input never parsed.
    if depth > 128 {
        return None;
    }
    match v {
        Value::String(s) => match s.strip_prefix(MARK) {
            Some(rest) if rest.starts_with(MARK) => *s = rest.to_owned(),
            Some(rest) => {
                let n = usize::from_str_radix(rest, 16).ok()?;
                *s = strings.get(n)?.clone();
            }
            None if s.len() >= MIN_SHARED => strings.push(s.clone()),
            None => {}
        },
        Value::Array(xs) => {
            for x in xs {
                unpack(x, strings, depth + 1)?;
            }
        }
        Value::Object(map) => {
            for x in map.values_mut() {
                unpack(x, strings, depth + 1)?;
            }
        }
        _ => {}
    }
    Some(())
}

/// What `exporter.resume(state, work, options)` is told besides the state. A key it does not
/// know is reported by the reader with its did-you-mean (`options.chnages`), as for every
/// function's options, so serde is not told to refuse it first.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ResumeOptions {
    /// The organisation the host means to resume for: a state of another is refused.
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// The texts (or parsed objects) of `run.changes()` appended after the state was saved, in
    /// order.
    #[serde(default)]
    #[cfg_attr(test, ts(optional, type = "Array<string | object>"))]
    pub changes: Vec<Changes>,
}

/// A chunk of `run.changes(sinceSeq)` as the host stored it. It is read when resuming, so
/// that a chunk storage damaged yet left JSON is a damaged state (`STATE_CORRUPT`), not
/// misuse of the options.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(Value);

/// What a chunk holds: the entries `from..to` and the check after them.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Chunk {
    from: usize,
    to: usize,
    check: String,
    entries: Vec<Entry>,
}

/// The saved state.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct State {
    format: String,
    version: u32,
    /// The library version that wrote it (for people; any version reads its format).
    library: String,
    tenant_id: String,
    /// The plan's hash: the work and snapshot must plan the same requests again.
    plan: String,
    options: PlanOptions,
    /// The requests in flight when saved: declared lost on restore (for people; checked
    /// against the entries).
    in_flight: Vec<String>,
    /// Rows of the export log so far (for people; checked against the entries).
    log_cursor: usize,
    seq: usize,
    check: String,
    entries: Vec<Entry>,
}

/// Reads a state: its format and version first, so a newer format says so instead of
/// failing on a field it does not know.
fn read_state(text: &str) -> Result<State, Error> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| corrupt("state", &format!("is not JSON ({e}); it may be truncated")))?;
    if v.get("format").and_then(Value::as_str) != Some(STATE_FORMAT) {
        return Err(corrupt(
            "state.format",
            &format!("is not \"{STATE_FORMAT}\": this is not a saved run"),
        ));
    }
    match v.get("version").and_then(Value::as_u64) {
        Some(n) if n == u64::from(STATE_VERSION) => {}
        Some(n) if n > u64::from(STATE_VERSION) => {
            return Err(Error::new(
                ErrorCode::StateVersion,
                "state.version",
                format!("This state has format version {n}; this library reads up to {STATE_VERSION}. Resume it with the library version that saved it or newer."),
            ))
        }
        _ => return Err(corrupt("state.version", "is not a format version this library wrote")),
    }
    serde_json::from_value(v).map_err(|e| corrupt("state", &e.to_string()))
}

fn check_tenant(saved: &str, options: &ResumeOptions) -> Result<(), Error> {
    match &options.tenant_id {
        Some(t) if t.trim() != saved => Err(Error::new(
            ErrorCode::StateForeign,
            "options.tenantId",
            format!("This state is a run of another organisation (tenant {saved}); resume it for that tenant."),
        )),
        _ => Ok(()),
    }
}

fn corrupt(argument: &str, what: &str) -> Error {
    Error::new(
        ErrorCode::StateCorrupt,
        argument,
        format!("The saved run state {what}. Nothing was sent: resume from an intact copy, or plan the work again (the lookups keep it from duplicates)."),
    )
}

fn hex(x: u64) -> String {
    format!("{x:016x}")
}

/// FNV-1a, 64 bits: a stable hash (std's hasher may change between releases, and the check
/// must survive an upgrade).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn text(&mut self, s: &str) {
        for b in s.bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.text(s);
        Ok(())
    }
}
