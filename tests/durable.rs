//! Durable runs: `run.save()` and `exporter.resume(work, state, options)` continue a run
//! exactly where it stood. Each fault-injection run here is driven twice, once without a
//! break and once saved and resumed (in a fresh `Exporter`) after every call that changed it;
//! the outcomes, cancels, payments and the export log must be the same, byte for byte. And a
//! damaged, foreign or newer state is refused with a coded error, with nothing sent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use rust_decimal::Decimal;
use serde_json::{json, Value};
use xero_export::input::work::{read_work, Work};
use xero_export::send::plan::{PlanOptions, Request};
use xero_export::send::{OutcomeStatus, ResumeOptions, Run};
use xero_export::xero::responses::HttpResponse;
use xero_export::{ErrorCode, Exporter, Settings, Snapshot, SnapshotInput};

const KATHERINE: &str = "5cc8cf28-567e-4d43-b287-687cfcaec47c";

fn fixture(rel: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn exporter() -> Exporter {
    let snapshot: SnapshotInput = serde_json::from_value(fixture("sample/snapshot.json")).unwrap();
    let s = fixture("scenarios/clinic.json");
    let settings: Settings = serde_json::from_value(s["settings"].clone()).unwrap();
    Exporter::new(Snapshot::new(snapshot), settings)
}

fn invoice(i: usize) -> Value {
    json!({
        "id": format!("inv-{i}"), "number": format!("N-{i:04}"), "date": "2024-01-15",
        "payer": {"kind": "patient", "id": "P-100", "contactId": KATHERINE},
        "lines": [{"description": "Consultation", "quantity": 1, "unitAmount": "10.00", "taxCode": "GST"}]
    })
}

fn options() -> PlanOptions {
    PlanOptions {
        tenant_id: "tenant-1".into(),
        backoff_ms: Some(1000),
        max_documents: Some(3),
        max_attempts: Some(50),
        ..PlanOptions::default()
    }
}

fn answer(status: u16, body: &Value, headers: Value) -> HttpResponse {
    HttpResponse {
        status,
        headers: serde_json::from_value(headers).unwrap(),
        body: Some(Value::String(body.to_string())),
    }
}

/// An in-memory Xero for invoices and payments, with seeded faults: lost before or after
/// saving, a 502 after saving, a 429 (minute) before. It ignores Idempotency-Keys, so only
/// the run's lookups keep a document or a payment from being made twice.
#[derive(Default)]
struct Fake {
    invoices: BTreeMap<String, (String, Decimal)>,
    payments: Vec<Value>,
    seed: u64,
    /// Documents exported before the run (cancelled by it): id → status.
    status: BTreeMap<String, String>,
    voids: usize,
    /// Answer with Xero's whole document (the spec's example: the contact with its addresses
    /// and phones, dates twice, line items), as the real API does.
    full: bool,
}

enum Fault {
    LostBefore,
    LostAfter,
    Error502,
    Limit429,
    None,
}

impl Fake {
    fn roll(&mut self) -> Fault {
        self.seed = self
            .seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        match (self.seed >> 33) % 12 {
            0 => Fault::LostBefore,
            1 => Fault::LostAfter,
            2 => Fault::Error502,
            3 => Fault::Limit429,
            _ => Fault::None,
        }
    }

    fn element(&self, number: &str, id: &str, due: Decimal) -> Value {
        if self.full {
            let mut el = fixture("openapi/invoices-put-response.json")["Invoices"][0].clone();
            el["InvoiceNumber"] = json!(number);
            el["InvoiceID"] = json!(id);
            el["Contact"]["ContactID"] = json!(KATHERINE);
            // Xero keeps the Date sent (every invoice here is dated 2024-01-15), not the
            // spec example's: a lookup never takes a document dated otherwise for the one sent.
            el["Date"] = json!("/Date(1705276800000+0000)/");
            el["SubTotal"] = json!(10.00);
            el["TotalTax"] = json!(1.50);
            el["Total"] = json!(11.50);
            el["AmountDue"] = json!(due.to_string());
            return el;
        }
        json!({"InvoiceID": id, "InvoiceNumber": number, "Type": "ACCREC", "Status": "AUTHORISED",
            "Contact": {"ContactID": KATHERINE}, "SubTotal": 10.00, "TotalTax": 1.50, "Total": 11.50,
            "AmountDue": due.to_string(), "StatusAttributeString": "OK"})
    }

    fn save(&mut self, r: &Request) -> Value {
        if r.method == "GET" && r.path == "/Invoices" && r.query.contains_key("IDs") {
            let els: Vec<Value> = r.query["IDs"]
                .split(',')
                .map(|id| json!({"InvoiceID": id, "Status": self.status.get(id).cloned().unwrap_or_default()}))
                .collect();
            return json!({"Invoices": els});
        }
        if r.method == "POST" && r.path == "/Invoices" {
            let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
            let els: Vec<Value> = body["Invoices"].as_array().unwrap().iter().map(|el| {
                let id = el["InvoiceID"].as_str().unwrap().to_owned();
                if self.status.get(&id).map(String::as_str) != Some("AUTHORISED") {
                    return json!({"InvoiceID": id, "StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "Invoice not of valid status for modification"}]});
                }
                self.status.insert(id.clone(), "VOIDED".into());
                self.voids += 1;
                json!({"InvoiceID": id, "Status": "VOIDED", "StatusAttributeString": "OK"})
            }).collect();
            return json!({"Invoices": els});
        }
        if r.method == "GET" && r.path == "/Invoices" {
            let wanted = r.query.get("InvoiceNumbers").cloned().unwrap_or_default();
            let els: Vec<Value> = wanted
                .split(',')
                .filter_map(|n| {
                    self.invoices
                        .get(n)
                        .map(|(id, due)| self.element(n, id, *due))
                })
                .collect();
            return json!({"Invoices": els});
        }
        if r.method == "GET" {
            return json!({"Payments": self.payments});
        }
        let body: Value = serde_json::from_str(r.body.as_deref().unwrap()).unwrap();
        if r.path == "/Invoices" {
            let els: Vec<Value> = body["Invoices"].as_array().unwrap().iter().map(|el| {
                let n = el["InvoiceNumber"].as_str().unwrap().to_owned();
                if self.invoices.contains_key(&n) {
                    return json!({"InvoiceNumber": n, "StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "Invoice # must be unique."}]});
                }
                let id = format!("{:08}-0000-4000-8000-000000000000", self.invoices.len());
                self.invoices.insert(n.clone(), (id.clone(), "11.50".parse().unwrap()));
                self.element(&n, &id, "11.50".parse().unwrap())
            }).collect();
            return json!({"Invoices": els});
        }
        let els: Vec<Value> = body["Payments"].as_array().unwrap().iter().map(|el| {
            let number = el["Invoice"]["InvoiceNumber"].as_str().map(str::to_owned);
            let id = el["Invoice"]["InvoiceID"].as_str().unwrap_or_default().to_owned();
            let n = number.unwrap_or_else(|| self.invoices.iter().find(|(_, v)| v.0 == id).map(|(k, _)| k.clone()).unwrap_or_default());
            let amount: Decimal = el["Amount"].to_string().trim_matches('"').parse().unwrap();
            let Some((_, due)) = self.invoices.get_mut(&n) else {
                return json!({"StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "Invoice could not be found"}]});
            };
            if amount > *due {
                return json!({"StatusAttributeString": "ERROR", "ValidationErrors": [{"Message": "Payment amount exceeds the amount outstanding on this document"}]});
            }
            *due -= amount;
            let mut saved = el.clone();
            saved["PaymentID"] = json!(format!("pay-{}", self.payments.len()));
            saved["Status"] = json!("AUTHORISED");
            self.payments.push(saved.clone());
            saved["StatusAttributeString"] = json!("OK");
            saved
        }).collect();
        json!({"Payments": els})
    }

    /// One request: Xero's side effects and the host's call.
    fn serve(&mut self, run: &mut Run, r: &Request, now: i64) {
        match self.roll() {
            Fault::LostBefore => drop(run.lost(&r.id, now).unwrap()),
            Fault::Limit429 => {
                let h = json!({"retry-after": "2", "x-rate-limit-problem": "minute"});
                drop(run.handle(&r.id, &answer(429, &json!({}), h), now).unwrap());
            }
            fault => {
                let body = self.save(r);
                match fault {
                    Fault::LostAfter => drop(run.lost(&r.id, now).unwrap()),
                    Fault::Error502 => {
                        let b = json!({"Message": "An error occurred"});
                        drop(run.handle(&r.id, &answer(502, &b, json!({})), now).unwrap());
                    }
                    _ => drop(
                        run.handle(&r.id, &answer(200, &body, json!({})), now)
                            .unwrap(),
                    ),
                }
            }
        }
    }
}

fn work(n: usize) -> (Value, Work) {
    let invoices: Vec<Value> = (0..n).map(invoice).collect();
    let payments: Vec<Value> = (0..n)
        .step_by(2)
        .map(|i| json!({"id": format!("p{i}"), "invoice": {"sourceId": format!("inv-{i}")}, "amount": "5.00", "date": "2024-01-20", "account": {"code": "091"}}))
        .collect();
    let cancels: Vec<Value> = (0..3)
        .map(|i| json!({"sourceId": format!("old-{i}"), "xero": {"id": old(i), "status": "AUTHORISED"}}))
        .collect();
    let v = json!({"invoices": invoices, "payments": payments, "cancels": cancels});
    let w = read_work(&v.to_string()).unwrap();
    (v, w)
}

/// The id of a document exported before the run.
fn old(i: usize) -> String {
    format!("{i:08}-1111-4111-8111-111111111111")
}

/// A fake Xero holding the three documents the work cancels.
fn fake(seed: u64) -> Fake {
    Fake {
        seed,
        status: (0..3).map(|i| (old(i), "AUTHORISED".to_owned())).collect(),
        ..Fake::default()
    }
}

/// What a run ended with, as the host reads it.
fn ending(run: &Run) -> String {
    serde_json::to_string(&json!({
        "outcomes": run.outcomes(), "payments": run.payments(), "cancels": run.cancels(),
        "log": run.log(), "summary": run.summary(), "done": run.is_done(),
    }))
    .unwrap()
}

/// How a driven run is broken.
#[derive(Clone, Copy, PartialEq)]
enum Break {
    /// Never.
    No,
    /// Saved and resumed (a new exporter each time) whenever nothing is in flight: after
    /// every answer with `maxConcurrent` 1.
    Quiet,
    /// The process dies after each answer: the other requests of the round may or may not
    /// have reached Xero, their answers never arrive, and the run resumes from the state.
    Crash,
}

/// Drives a run to the end with seeded faults, broken as `brk` says.
fn drive(seed: u64, n: usize, concurrent: usize, brk: Break) -> (String, Fake, usize) {
    let (_, w) = work(n);
    let mut opts = options();
    opts.max_concurrent = Some(concurrent);
    let mut run = exporter().plan_work(&w, &opts).unwrap();
    let mut fake = fake(seed);
    let mut resumes = 0;
    let mut now = 0;
    for _ in 0..600 {
        if run.is_done() {
            break;
        }
        now += 1_000;
        let mut reqs = run.next(now).into_iter();
        while let Some(r) = reqs.next() {
            fake.serve(&mut run, &r, now);
            let resume = match brk {
                Break::No => false,
                Break::Quiet => run.summary().in_flight == 0,
                Break::Crash => true,
            };
            if resume {
                let state = run.save();
                for lost in reqs.by_ref() {
                    // Xero may have saved it before the process died.
                    if matches!(fake.roll(), Fault::None) {
                        fake.save(&lost);
                    }
                }
                run = exporter()
                    .resume(&w, &state, &ResumeOptions::default())
                    .unwrap();
                resumes += 1;
            }
        }
        if let Some(at) = run.wake_at() {
            now = now.max(at);
        }
    }
    (ending(&run), fake, resumes)
}

#[test]
fn resumed_after_every_answer_ends_exactly_as_an_unbroken_run() {
    let mut total = 0;
    for seed in 0..40 {
        let (plain, fake_a, _) = drive(seed, 7, 1, Break::No);
        let (resumed, fake_b, resumes) = drive(seed, 7, 1, Break::Quiet);
        total += resumes;
        assert_eq!(plain, resumed, "seed {seed}");
        assert_eq!(fake_a.invoices, fake_b.invoices, "seed {seed}");
        assert_eq!(fake_a.payments, fake_b.payments, "seed {seed}");
        assert_eq!(fake_b.invoices.len(), 7, "seed {seed}");
        assert_eq!((fake_a.voids, fake_b.voids), (3, 3), "seed {seed}");
        assert!(plain.contains("\"done\":true"), "seed {seed}");
    }
    assert!(total > 200, "{total} resumes");
}

#[test]
fn resumed_whenever_nothing_is_in_flight_ends_exactly_as_an_unbroken_run() {
    let mut total = 0;
    for seed in 0..40 {
        let (plain, fake_a, _) = drive(seed, 11, 5, Break::No);
        let (resumed, fake_b, resumes) = drive(seed, 11, 5, Break::Quiet);
        total += resumes;
        assert_eq!(plain, resumed, "seed {seed}");
        assert_eq!(fake_a.payments, fake_b.payments, "seed {seed}");
    }
    assert!(total > 40, "{total} resumes");
}

/// Crashing after every answer, with the rest of the round lost (some of it saved by Xero):
/// every invoice still ends exported exactly once and no payment is applied twice.
#[test]
fn a_process_dying_after_every_answer_never_duplicates() {
    let mut total = 0;
    for seed in 0..40 {
        let (end, fake, resumes) = drive(seed, 9, 5, Break::Crash);
        total += resumes;
        let end: Value = serde_json::from_str(&end).unwrap();
        assert_eq!(end["done"], json!(true), "seed {seed}");
        assert_eq!(
            end["summary"]["exported"],
            json!(9),
            "seed {seed}: {}",
            end["outcomes"]
        );
        assert_eq!(fake.invoices.len(), 9, "seed {seed}");
        assert_eq!(fake.voids, 3, "seed {seed}: voids");
        assert!(
            end["cancels"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["status"] == "exported"),
            "seed {seed}: {}",
            end["cancels"]
        );
        assert_eq!(fake.payments.len(), 5, "seed {seed}: {:?}", fake.payments);
        assert!(
            end["payments"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["status"] == "exported"),
            "seed {seed}: {}",
            end["payments"]
        );
    }
    assert!(total > 200, "{total} resumes");
}

/// Saved while requests were in flight: on resume they are lost, so a document Xero saved is
/// looked up (never sent twice) and one it never saw is sent again.
#[test]
fn requests_in_flight_when_saved_are_looked_up_not_resent() {
    let (_, w) = work(6);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let mut fake = fake(0);
    let reqs = run.next(1_000);
    assert_eq!(reqs.len(), 3);
    assert_eq!(reqs[0].method, "POST"); // the cancels first, then the two batches of invoices
                                        // Xero saved the voids and the first batch; the process died before either answer.
    fake.save(&reqs[0]);
    fake.save(&reqs[1]);
    let state = run.save();
    let saved: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(
        saved["inFlight"],
        json!([reqs[0].id, reqs[1].id, reqs[2].id])
    );
    let mut run = exporter()
        .resume(&w, &state, &ResumeOptions::default())
        .unwrap();
    let mut now = 1_000;
    let (mut sent_puts, mut sent_voids) = (0, 0);
    while !run.is_done() {
        now = run.wake_at().unwrap_or(now).max(now + 1);
        for r in run.next(now) {
            if r.method == "PUT" && r.path == "/Invoices" {
                sent_puts += 1;
            }
            if r.method == "POST" {
                sent_voids += 1;
            }
            let body = fake.save(&r);
            run.handle(&r.id, &answer(200, &body, json!({})), now)
                .unwrap();
        }
    }
    assert_eq!(fake.invoices.len(), 6);
    assert_eq!(fake.payments.len(), 3);
    // Only the batch Xero never saw is PUT again (the other is found by the lookup).
    assert_eq!(sent_puts, 1);
    // The voids were found VOIDED by the lookup: never POSTed again.
    assert_eq!((sent_voids, fake.voids), (0, 3));
    assert!(run
        .cancels()
        .iter()
        .all(|c| c.status == OutcomeStatus::Exported));
    let summary = run.summary();
    assert_eq!(summary.exported, 6);
}

#[test]
fn changes_appended_after_each_call_resume_like_the_whole_state() {
    let (_, w) = work(5);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let header = run.save();
    let mut chunks = Vec::new();
    let mut seq = run.seq();
    let mut fake = fake(7);
    let mut now = 0;
    for _ in 0..6 {
        now += 1_000;
        for r in run.next(now) {
            fake.serve(&mut run, &r, now);
        }
        let c: Value = serde_json::from_str(&run.changes(seq).unwrap()).unwrap();
        seq = run.seq();
        chunks.push(c);
    }
    let opts: ResumeOptions =
        serde_json::from_value(json!({"tenantId": "tenant-1", "changes": chunks})).unwrap();
    let a = exporter().resume(&w, &header, &opts).unwrap();
    let b = exporter()
        .resume(&w, &run.save(), &ResumeOptions::default())
        .unwrap();
    assert_eq!(ending(&a), ending(&b));
    assert_eq!(a.save(), b.save());
    // A gap in the chunks is refused.
    let mut gap = chunks.clone();
    gap.remove(1);
    let opts: ResumeOptions = serde_json::from_value(json!({"changes": gap})).unwrap();
    let e = exporter().resume(&w, &header, &opts).err().unwrap();
    assert_eq!(e.code, ErrorCode::StateCorrupt);
    assert!(run.changes(seq + 1).is_err());
}

/// A polling host (`next` while nothing is due) does not grow the state.
#[test]
fn next_calls_that_change_nothing_are_not_recorded() {
    let (_, w) = work(3);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let reqs = run.next(1_000);
    let seq = run.seq();
    for t in 0..50 {
        assert!(run.next(1_000 + t).is_empty());
    }
    assert_eq!(run.seq(), seq);
    drop(reqs);
}

fn resumed_err(w: &Work, state: &str, opts: Value) -> (ErrorCode, String) {
    let opts: ResumeOptions = serde_json::from_value(opts).unwrap();
    let e = exporter().resume(w, state, &opts).err().unwrap();
    (e.code, e.argument)
}

#[test]
fn damaged_foreign_and_newer_states_are_refused_with_a_code() {
    let (_, w) = work(4);
    let (seed_end, _, _) = drive(3, 4, 5, Break::No);
    assert!(!seed_end.is_empty());
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let mut fake = fake(1);
    for r in run.next(1_000) {
        fake.serve(&mut run, &r, 1_000);
    }
    let state = run.save();
    // Truncated at every length: never a panic, always STATE_CORRUPT.
    for cut in (0..state.len()).step_by(7) {
        let (code, _) = resumed_err(&w, &state[..cut], json!({}));
        assert_eq!(code, ErrorCode::StateCorrupt, "cut at {cut}");
    }
    // An entry changed (a 200 made a 500): it no longer replays to its check.
    let mut v: Value = serde_json::from_str(&state).unwrap();
    let entries = v["entries"].as_array_mut().unwrap();
    let h = entries
        .iter_mut()
        .find(|e| e.get("handle").is_some())
        .unwrap();
    h["handle"]["status"] = json!(500);
    assert_eq!(
        resumed_err(&w, &v.to_string(), json!({})).0,
        ErrorCode::StateCorrupt
    );
    // Another tenant.
    assert_eq!(
        resumed_err(&w, &state, json!({"tenantId": "tenant-2"})),
        (ErrorCode::StateForeign, "options.tenantId".into())
    );
    // Other work.
    let (_, other) = work(5);
    assert_eq!(
        resumed_err(&other, &state, json!({})).0,
        ErrorCode::StateForeign
    );
    // A newer format.
    let mut v: Value = serde_json::from_str(&state).unwrap();
    v["version"] = json!(2);
    assert_eq!(
        resumed_err(&w, &v.to_string(), json!({})),
        (ErrorCode::StateVersion, "state.version".into())
    );
    // Not a state at all.
    assert_eq!(resumed_err(&w, "{}", json!({})).0, ErrorCode::StateCorrupt);
    assert_eq!(
        resumed_err(&w, "[1,2]", json!({})).0,
        ErrorCode::StateCorrupt
    );
    // The run the state came from is untouched by all this.
    assert_eq!(run.save(), state);
}

/// The budget: at most 1 KB of state per invoice, for a run of 5,000 invoices that ended
/// (every answer in the state). Prints the figure for the notes.
#[test]
fn state_size_per_invoice_stays_under_a_kilobyte() {
    let n = 5_000;
    let invoices: Vec<Value> = (0..n).map(invoice).collect();
    let w = read_work(&json!({ "invoices": invoices }).to_string()).unwrap();
    let mut opts = options();
    opts.max_documents = Some(50);
    let mut run = exporter().plan_work(&w, &opts).unwrap();
    let mut fake = Fake {
        seed: 11,
        full: true,
        ..Fake::default()
    };
    let mut now = 0;
    while !run.is_done() {
        now += 1_000;
        for r in run.next(now) {
            fake.serve(&mut run, &r, now);
        }
        if let Some(at) = run.wake_at() {
            now = now.max(at);
        }
    }
    let state = run.save();
    let per = state.len() / n;
    println!(
        "state for {n} invoices: {} bytes, {per} bytes per invoice, {} entries",
        state.len(),
        run.seq()
    );
    assert!(per <= 1024, "{per} bytes per invoice");
    let back = exporter()
        .resume(&w, &state, &ResumeOptions::default())
        .unwrap();
    assert_eq!(ending(&back), ending(&run));
}

/// Strings repeated in answers are written once in a state; one that starts with the marker
/// character itself, and one that looks like a reference, come back unchanged.
#[test]
fn repeated_and_marker_strings_in_answers_round_trip() {
    let (_, w) = work(2);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let mut fake = fake(0);
    for r in run.next(1_000) {
        let mut body = fake.save(&r);
        if let Some(els) = body.get_mut("Invoices").and_then(Value::as_array_mut) {
            for el in els {
                el["Note"] = json!("\u{7f}\u{7f}0 starts with the marker");
                el["Other"] = json!("\u{7f}0");
                el["Same"] = json!("a long string repeated in every element");
            }
        }
        run.handle(&r.id, &answer(200, &body, json!({})), 1_000)
            .unwrap();
    }
    let state = run.save();
    assert!(state.len() < serde_json::to_string(&run.log()).unwrap().len() * 4);
    let back = exporter()
        .resume(&w, &state, &ResumeOptions::default())
        .unwrap();
    assert_eq!(back.save(), state);
    assert_eq!(ending(&back), ending(&run));
    // A reference to a string never written is a damaged state.
    let mut v: Value = serde_json::from_str(&state).unwrap();
    let h = v["entries"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|e| e.get("handle").is_some())
        .unwrap();
    h["handle"]["body"]["Invoices"][0]["InvoiceID"] = json!("\u{7f}ffff");
    assert_eq!(
        resumed_err(&w, &v.to_string(), json!({})).0,
        ErrorCode::StateCorrupt
    );
}

/// The state saved right after the first `next` of `work(4)`, everything in flight.
fn saved_in_flight() -> (Value, String) {
    let (v, w) = work(4);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    assert!(!run.next(1_000).is_empty());
    (v, run.save())
}

/// Work that sends something else than the work a state was saved from is refused, whatever
/// part of it changed: a resumed run would otherwise send (or look up) what the state's
/// requests never were.
#[test]
fn work_that_sends_something_else_is_foreign() {
    let (v, state) = saved_in_flight();
    let changed = [
        (
            "a line's description",
            "/invoices/0/lines/0/description",
            json!("Follow-up"),
        ),
        ("a payment's date", "/payments/0/date", json!("2024-01-21")),
        (
            "a payment's account",
            "/payments/0/account",
            json!({"code": "090"}),
        ),
        (
            "a payment's reference",
            "/payments/0/reference",
            json!("Cheque 12"),
        ),
        ("a payment's id", "/payments/0/id", json!("p0-b")),
        (
            "a cancel's source id",
            "/cancels/0/sourceId",
            json!("old-0-b"),
        ),
    ];
    let mut accepted = Vec::new();
    for (what, at, value) in changed {
        let mut other = v.clone();
        let (parent, key) = at.rsplit_once('/').unwrap();
        other.pointer_mut(parent).unwrap()[key] = value;
        let other = read_work(&other.to_string()).unwrap();
        let resumed = exporter().resume(&other, &state, &ResumeOptions::default());
        if resumed.as_ref().err().map(|e| e.code) != Some(ErrorCode::StateForeign) {
            accepted.push(what);
        }
    }
    assert!(accepted.is_empty(), "resumed with other work: {accepted:?}");
    // The same work under settings that send its lines to another account.
    let snapshot: SnapshotInput = serde_json::from_value(fixture("sample/snapshot.json")).unwrap();
    let mut s = fixture("scenarios/clinic.json")["settings"].clone();
    s["accounts"]["default"] = json!("210");
    let settings: Settings = serde_json::from_value(s).unwrap();
    let other = Exporter::new(Snapshot::new(snapshot), settings);
    let w = read_work(&v.to_string()).unwrap();
    let e = other.resume(&w, &state, &ResumeOptions::default()).err();
    assert_eq!(
        e.map(|e| e.code),
        Some(ErrorCode::StateForeign),
        "other settings"
    );
}

/// The state's `tenantId` is what a host checks the organisation against; one that is not the
/// tenant its requests are sent for (its `options.tenantId`) was altered, and is refused
/// rather than resumed for an organisation it would not send to.
#[test]
fn a_state_whose_tenant_is_not_its_runs_is_refused() {
    let (v, state) = saved_in_flight();
    let w = read_work(&v.to_string()).unwrap();
    let mut s: Value = serde_json::from_str(&state).unwrap();
    s["tenantId"] = json!("tenant-2");
    for opts in [json!({"tenantId": "tenant-2"}), json!({})] {
        assert_eq!(
            resumed_err(&w, &s.to_string(), opts),
            (ErrorCode::StateCorrupt, "state.tenantId".into())
        );
    }
    // A tenant id planned with spaces around it is the same tenant.
    let mut opts = options();
    opts.tenant_id = " tenant-1 ".into();
    let mut run = exporter().plan_work(&w, &opts).unwrap();
    drop(run.next(1_000));
    let opts: ResumeOptions = serde_json::from_value(json!({"tenantId": " tenant-1 "})).unwrap();
    assert!(exporter().resume(&w, &run.save(), &opts).is_ok());
}

/// A host that appends `run.changes(seq)` and, after resuming, takes `run.seq` as the d.ts
/// says ("pass it to `changes` next time"): the entries the resume itself recorded (its
/// requests in flight declared lost) are then never appended. The next resume derives them
/// again instead of refusing the chunks that follow them.
#[test]
fn an_appending_host_resumes_again_after_a_resume() {
    let (_, w) = work(5);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let header = run.save();
    let mut seq = run.seq();
    let mut chunks: Vec<Value> = Vec::new();
    let mut fake = fake(0);
    let (mut now, mut crashes) = (0, 0);
    let mut append = |run: &Run, seq: &mut usize| {
        chunks.push(serde_json::from_str(&run.changes(*seq).unwrap()).unwrap());
        *seq = run.seq();
        chunks.clone()
    };
    for round in 0..40 {
        if run.is_done() {
            break;
        }
        now = run.wake_at().unwrap_or(now).max(now + 1_000);
        let reqs = run.next(now);
        let persisted = append(&run, &mut seq); // persist, then send
        if round % 2 == 0 && !reqs.is_empty() {
            // Xero saves every request; the process dies before any answer.
            reqs.iter().for_each(|r| drop(fake.save(r)));
            let opts: ResumeOptions =
                serde_json::from_value(json!({"changes": persisted})).unwrap();
            run = exporter().resume(&w, &header, &opts).unwrap();
            seq = run.seq();
            crashes += 1;
            continue;
        }
        for r in reqs {
            let body = fake.save(&r);
            run.handle(&r.id, &answer(200, &body, json!({})), now)
                .unwrap();
            append(&run, &mut seq);
        }
    }
    assert!(crashes >= 2, "{crashes} crashes");
    assert!(run.is_done());
    assert_eq!(run.summary().exported, 5);
    assert_eq!(
        (fake.invoices.len(), fake.payments.len(), fake.voids),
        (5, 3, 3)
    );
}

/// A chunk of `run.changes()` that storage damaged yet left JSON (a field lost, an entry
/// garbled) is a damaged state like a damaged `run.save()`: `STATE_CORRUPT` at that chunk,
/// not misuse of the options.
#[test]
fn damaged_chunks_that_are_still_json_are_corrupt_states() {
    let (_, w) = work(2);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let header = run.save();
    drop(run.next(1_000));
    let chunk: Value = serde_json::from_str(&run.changes(0).unwrap()).unwrap();
    let mut no_check = chunk.clone();
    no_check.as_object_mut().unwrap().remove("check");
    let mut garbled = chunk.clone();
    garbled["entries"][0] = json!({"nxet": 1000});
    let mut negative = chunk.clone();
    negative["from"] = json!(-1);
    for damaged in [no_check, garbled, negative, json!(42), json!({})] {
        let opts: ResumeOptions =
            serde_json::from_value(json!({"changes": [chunk.clone(), damaged]})).unwrap();
        let e = exporter().resume(&w, &header, &opts).err().unwrap();
        assert_eq!(
            (e.code, e.argument.as_str()),
            (ErrorCode::StateCorrupt, "options.changes[1]")
        );
    }
}

/// Whatever answer the run took, its state resumes: a body given as JSON `null` (the Rust
/// API's `Some(Value::Null)`, which a state writes as no body), and a body or header nested
/// as deep as a response can be read (a state nests it a few levels further down, where a
/// reader refuses JSON nested deeper than 128 levels).
#[test]
fn any_answer_the_run_took_resumes() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    let bodies = [
        json!({"status": 502, "body": null}),
        serde_json::from_str(&format!(
            "{{\"status\":502,\"body\":{{\"x\":{}}}}}",
            deep(125)
        ))
        .unwrap(),
        json!({"status": 502, "body": format!("{{\"x\":{}}}", deep(126))}),
        serde_json::from_str(&format!(
            "{{\"status\":429,\"headers\":{{\"retry-after\":{}}}}}",
            deep(125)
        ))
        .unwrap(),
    ];
    for (i, response) in bodies.into_iter().enumerate() {
        let (_, w) = work(2);
        let mut opts = options();
        opts.max_concurrent = Some(1);
        let mut run = exporter().plan_work(&w, &opts).unwrap();
        let reqs = run.next(1_000);
        let mut response: HttpResponse = serde_json::from_value(response).unwrap();
        if i == 0 {
            response.body = Some(Value::Null);
        }
        run.handle(&reqs[0].id, &response, 1_000).unwrap();
        let state = run.save();
        let back = exporter().resume(&w, &state, &ResumeOptions::default());
        let back = back.unwrap_or_else(|e| panic!("answer {i}: {e:?}"));
        assert_eq!(ending(&back), ending(&run), "answer {i}");
    }
}

/// `inFlight` and `logCursor` are written for people; one edited (an id removed from
/// `inFlight` so that it is "not looked up") does not say what the run will do, and is
/// refused rather than silently ignored.
#[test]
fn a_state_whose_in_flight_or_log_cursor_was_edited_is_refused() {
    let (v, state) = saved_in_flight();
    let w = read_work(&v.to_string()).unwrap();
    let s: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(s["inFlight"].as_array().unwrap().len(), 3);
    let mut fewer = s.clone();
    fewer["inFlight"].as_array_mut().unwrap().pop();
    let mut cursor = s.clone();
    cursor["logCursor"] = json!(0);
    for (edited, at) in [(fewer, "state.inFlight"), (cursor, "state.logCursor")] {
        assert_eq!(
            resumed_err(&w, &edited.to_string(), json!({})),
            (ErrorCode::StateCorrupt, at.into())
        );
    }
}

/// The answer to a request that was in flight when the state was saved, reaching the resumed
/// run late (the old process's fetch resolved after all), is refused, and the message says
/// why and what to do: the resume declared it lost and the run looks it up.
#[test]
fn a_late_answer_to_a_request_the_resume_declared_lost_says_so() {
    let (v, state) = saved_in_flight();
    let w = read_work(&v.to_string()).unwrap();
    let ids: Vec<String> = serde_json::from_str::<Value>(&state).unwrap()["inFlight"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_owned())
        .collect();
    let mut run = exporter()
        .resume(&w, &state, &ResumeOptions::default())
        .unwrap();
    let seq = run.seq();
    let e = run
        .handle(
            &ids[1],
            &answer(200, &json!({"Invoices": []}), json!({})),
            2_000,
        )
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidState);
    assert!(
        e.message
            .contains("resuming a state saved while it was in flight"),
        "{}",
        e.message
    );
    assert!(e.message.contains("drop this late answer"), "{}", e.message);
    assert_eq!(run.seq(), seq);
}

/// Finishes `run` against `fake` from `now`, as `drive` does without breaks.
fn finish(run: &mut Run, fake: &mut Fake, mut now: i64) {
    for _ in 0..600 {
        if run.is_done() {
            break;
        }
        now += 1_000;
        for r in run.next(now) {
            fake.serve(run, &r, now);
        }
        if let Some(at) = run.wake_at() {
            now = now.max(at);
        }
    }
}

/// A state saved by this version (tests/golden/run-state-v1.json: a run half answered, half in
/// flight) is what a host keeps across an upgrade. Any change to what a state holds, to the
/// plan hash (what the work must still plan) or to how the entries replay would make states a
/// released version saved unreadable, refused as foreign, or replayed into another run. This
/// test fails first: then raise `STATE_VERSION` (src/send/durable.rs), decide what states of
/// the old version get (read, or refused with STATE_VERSION's message), and only then
/// rewrite the golden (UPDATE_GOLDEN=1).
#[test]
fn a_state_saved_by_this_version_still_reads_and_resumes() {
    let (_, w) = work(4);
    let mut run = exporter().plan_work(&w, &options()).unwrap();
    let mut fake = fake(5);
    let first = run.next(1_000);
    assert!(first.len() > 1);
    fake.serve(&mut run, &first[0], 1_000);
    let state = run.save();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/run-state-v1.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        fs::write(&golden, format!("{state}\n")).unwrap();
    }
    let kept = fs::read_to_string(&golden)
        .expect("tests/golden/run-state-v1.json; run with UPDATE_GOLDEN=1");
    let kept = kept.trim_end();
    // (Which library saved it is told, not checked: a release changes it.)
    let without_library = |text: &str| {
        let mut v: Value = serde_json::from_str(text).unwrap();
        v.as_object_mut().unwrap().remove("library");
        v
    };
    assert_eq!(
        without_library(&state),
        without_library(kept),
        "a run saves another state than this version did: raise STATE_VERSION first (see this test's doc)"
    );
    let mut resumed = exporter()
        .resume(&w, kept, &ResumeOptions::default())
        .unwrap_or_else(|e| {
            panic!(
                "a state this version saved no longer resumes ({e:?}): raise STATE_VERSION first"
            )
        });
    finish(&mut resumed, &mut fake, 1_000);
    assert!(resumed.is_done());
    let statuses: Vec<_> = resumed.outcomes().iter().map(|o| o.status).collect();
    assert_eq!(statuses, [OutcomeStatus::Exported; 4]);
}
