//! The fuzz targets' bodies: one function per entry point of the library, each taking arbitrary
//! bytes and calling the core the way the JS binding does (JSON text in). A target passes when
//! it returns; a panic (an overflow, an index out of bounds, an unwrap) is the bug libFuzzer
//! looks for, because in wasm a panic is a trap that kills the instance.
//!
//! Shared by the cargo-fuzz binaries (tests/fuzz/fuzz_targets/) and the native regression test
//! (tests/fuzz_regressions.rs), which replays every saved input, so a crash found once stays a
//! test. Inputs that several arguments make are split at NUL bytes.

#![allow(dead_code, unreachable_pub)] // each fuzz binary uses one function

use xero_export::preview::PreviewOptions;
use xero_export::send::plan::PlanOptions;
use xero_export::send::Run;
use xero_export::xero::responses::HttpResponse;
use xero_export::{Exporter, Settings, Snapshot, SnapshotInput};

const SNAPSHOT: &str = include_str!("../fixtures/sample/snapshot.json");
const SCENARIOS: [&str; 4] = [
    include_str!("../fixtures/scenarios/clinic.json"),
    include_str!("../fixtures/scenarios/billing.json"),
    include_str!("../fixtures/scenarios/crm.json"),
    include_str!("../fixtures/scenarios/timesheet.json"),
];

/// The `n`th part of `data` split at NUL bytes (empty when there are fewer parts).
fn part(data: &[u8], n: usize) -> &[u8] {
    data.split(|b| *b == 0).nth(n).unwrap_or_default()
}

/// Everything after the first `n` NUL-separated parts.
fn after(data: &[u8], n: usize) -> &[u8] {
    let mut rest = data;
    for _ in 0..n {
        match rest.iter().position(|b| *b == 0) {
            Some(i) => rest = rest.get(i + 1..).unwrap_or_default(),
            None => return &[],
        }
    }
    rest
}

fn snapshot() -> Snapshot {
    let input: SnapshotInput = serde_json::from_str(SNAPSHOT).unwrap_or_default();
    Snapshot::new(input)
}

/// A sample organisation with one of the four scenarios' settings (chosen by `pick`); with
/// bit 2 of `pick` set, items lines name that Xero lacks are created (issue 19).
fn exporter(pick: u8) -> Exporter {
    let scenario = SCENARIOS
        .get(usize::from(pick) % SCENARIOS.len())
        .copied()
        .unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(scenario).unwrap_or_default();
    let mut settings: Settings = value
        .get("settings")
        .and_then(|s| serde_json::from_value(s.clone()).ok())
        .unwrap_or_default();
    if pick & 4 != 0 {
        settings.items.create = xero_export::input::settings::CreateItems::Missing;
    }
    Exporter::new(snapshot(), settings)
}

/// `new Exporter(snapshot, settings)`: snapshot JSON, NUL, settings JSON.
pub fn exporter_input(data: &[u8]) {
    let Ok(snapshot) = serde_json::from_slice::<SnapshotInput>(part(data, 0)) else {
        return;
    };
    // As the binding reads settings: unknown keys recorded, misfits said at their path.
    let settings = std::str::from_utf8(part(data, 1))
        .ok()
        .and_then(|text| Settings::read(text).ok())
        .unwrap_or_default();
    let exporter = Exporter::new(Snapshot::new(snapshot), settings);
    let _ = serde_json::to_string(exporter.issues());
    // A few invoices through the new exporter, so settings that parse are exercised too.
    let _ = exporter.preview_split_json(
        r#"[{"id":"a","number":"1","date":"2024-01-15","payer":{"name":"Katherine Warren"},"lines":[{"description":"x","quantity":1,"unitAmount":"10.00","serviceCode":"CONSULT","taxCode":"GST"}]}]"#,
        PreviewOptions::default(),
    );
    // And one update, compared with the document Xero holds (`xero.document`).
    let _ = exporter.preview_split_json(
        r#"[{"id":"u","number":"2","date":"2024-01-15","payer":{"contactId":"5cc8cf28-567e-4d43-b287-687cfcaec47c"},"xero":{"id":"0b1f0000-0000-4000-8000-000000000001","status":"AUTHORISED","document":{"InvoiceID":"0b1f0000-0000-4000-8000-000000000001","Type":"ACCREC","Status":"AUTHORISED","AmountPaid":5,"Date":"/Date(1705276800000+0000)/","Contact":{"ContactID":"5cc8cf28-567e-4d43-b287-687cfcaec47c"},"LineItems":[{"LineItemID":"l-0","Description":"x","Quantity":1,"UnitAmount":10,"Tracking":[{"Name":"Location","Option":"North"}]},{"LineItemID":"l-1"}]}},"lines":[{"lineItemId":"l-0","description":"x","quantity":1,"unitAmount":"10.00","taxCode":"GST"}]}]"#,
        PreviewOptions::default(),
    );
    // Issue 18: a host total a cent off Xero's, so a `hostTotal` policy in the settings adjusts
    // (or refuses) it, and a line rounding to 0.00.
    let _ = exporter.preview_split_json(
        r#"[{"id":"h","number":"3","date":"2024-01-15","total":"87.75","payer":{"contactId":"5cc8cf28-567e-4d43-b287-687cfcaec47c"},"lines":[{"description":"a","quantity":1,"unitAmount":"25.06"},{"description":"b","quantity":1,"unitAmount":"25.61","discountRate":"0.01"},{"description":"c","quantity":1,"unitAmount":"25.63"},{"description":"d","quantity":2,"unitAmount":"0.001"}]}]"#,
        PreviewOptions::default(),
    );
}

/// `exporter.preview(invoices)`: a settings pick byte, then the invoices' JSON.
pub fn preview(data: &[u8]) {
    let Some((pick, invoices)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(invoices) else {
        return;
    };
    let exporter = exporter(*pick);
    for options in [
        PreviewOptions::default(),
        PreviewOptions {
            lines: false,
            bodies: true,
        },
    ] {
        let _ = exporter.preview_split_json(text, options);
    }
    let _ = exporter.preview_json(text, PreviewOptions::default());
    updates_of(&exporter, text, data);
}

/// The same invoices as updates of what Xero would hold after exporting them: each previewed
/// document's element becomes its `xero.document`, with a status, payments, a changed or
/// dropped line and camelCase keys picked by the input's bytes, so the update rules (status
/// table, paid fields, LineItemIDs, unchanged) run on every input the fuzzer makes.
fn updates_of(exporter: &Exporter, text: &str, data: &[u8]) {
    let Ok(serde_json::Value::Array(mut invoices)) = serde_json::from_str(text) else {
        return;
    };
    let p = exporter.preview(&xero_export::input::source::read_invoices(text).unwrap_or_default());
    let byte = |i: usize| data.get(i).copied().unwrap_or_default();
    for (i, (inv, doc)) in invoices.iter_mut().zip(&p.documents).enumerate() {
        let Some(body) = doc.body.as_deref() else {
            continue;
        };
        let Ok(serde_json::Value::Object(body)) = serde_json::from_str(body) else {
            continue;
        };
        let Some(mut held) = body.values().next().and_then(|l| l.get(0)).cloned() else {
            continue;
        };
        held_variant(&mut held, byte(i), byte(i + 1));
        if let Some(inv) = inv.as_object_mut() {
            let statuses = [
                "DRAFT",
                "SUBMITTED",
                "AUTHORISED",
                "PAID",
                "VOIDED",
                "DELETED",
            ];
            let status = statuses
                .get(usize::from(byte(i + 2) % 6))
                .copied()
                .unwrap_or("DRAFT");
            inv.insert("xero".into(), serde_json::json!({"id": HELD_ID, "status": status, "amountPaid": byte(i + 3) % 3, "document": held}));
        }
    }
    let text = serde_json::Value::Array(invoices).to_string();
    let _ = exporter.preview_json(&text, PreviewOptions::default());
    let options = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    if let Ok(invoices) = xero_export::input::source::read_invoices(&text) {
        if let Ok(mut run) = exporter.plan(&invoices, &options) {
            drive(&mut run, data);
            let _ = run.summary();
        }
    }
}

const HELD_ID: &str = "0b1f0000-0000-4000-8000-000000000001";

/// A held document as Xero would return it, varied by two bytes: its id, status, payments,
/// LineItemIDs, one changed or dropped line, and xero-node's lower-case keys.
fn held_variant(held: &mut serde_json::Value, a: u8, b: u8) {
    let Some(el) = held.as_object_mut() else {
        return;
    };
    el.insert("InvoiceID".into(), HELD_ID.into());
    let status = [
        "DRAFT",
        "SUBMITTED",
        "AUTHORISED",
        "PAID",
        "VOIDED",
        "DELETED",
        "??",
    ];
    let status = status.get(usize::from(a % 7)).copied().unwrap_or("DRAFT");
    el.insert("Status".into(), status.into());
    if a & 8 != 0 {
        el.insert("AmountPaid".into(), serde_json::json!(f64::from(b)));
        el.insert("Payments".into(), serde_json::json!([{"Amount": b}]));
    }
    if a & 16 != 0 {
        el.insert("RemainingCredit".into(), serde_json::json!("1e30"));
        el.insert("Total".into(), serde_json::json!(b));
    }
    if let Some(lines) = el.get_mut("LineItems").and_then(|l| l.as_array_mut()) {
        for (j, l) in lines.iter_mut().enumerate() {
            if let Some(l) = l.as_object_mut() {
                l.insert("LineItemID".into(), format!("l-{j}").into());
                if a & 32 != 0 && j == usize::from(b) % 4 {
                    l.insert(
                        "Quantity".into(),
                        serde_json::json!("99999999999999999999999999999"),
                    );
                }
            }
        }
        if a & 64 != 0 && !lines.is_empty() {
            lines.remove(usize::from(b) % lines.len());
        }
    }
    if a & 128 != 0 {
        *held = lower_first(held);
    }
}

/// xero-node's key case: every key with a lower-case first letter.
fn lower_first(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => serde_json::Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = match c.next() {
                        Some(f) => format!("{}{}", f.to_ascii_lowercase(), c.as_str()),
                        None => String::new(),
                    };
                    (key, lower_first(v))
                })
                .collect(),
        ),
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.iter().map(lower_first).collect())
        }
        other => other.clone(),
    }
}

/// A canned answer for a request: `kind` picks the status and body shape, `bytes` feed it.
fn answer(kind: u8, body: Option<&str>, bytes: &[u8]) -> HttpResponse {
    let status = [200u16, 200, 200, 400, 401, 429, 500, 503, 404, 200][usize::from(kind % 10)];
    let raw = String::from_utf8_lossy(bytes).into_owned();
    let body = match kind % 5 {
        // The request's own body back, as if every element were saved (no ids, no statuses).
        0 => body.and_then(|b| serde_json::from_str(b).ok()),
        1 => serde_json::from_str(&raw).ok(),
        2 => Some(serde_json::Value::String(raw.clone())),
        3 => Some(
            serde_json::json!({"Elements": [{"ValidationErrors": [{"Message": "Invoice # must be unique."}]}]}),
        ),
        _ => None,
    };
    let mut headers = std::collections::BTreeMap::new();
    headers.insert(
        "retry-after".to_owned(),
        serde_json::Value::String(raw.chars().take(12).collect()),
    );
    headers.insert(
        "x-rate-limit-problem".to_owned(),
        serde_json::Value::String(
            ["minute", "day", "concurrent", "app", ""][usize::from(kind % 5)].to_owned(),
        ),
    );
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// `exporter.plan(work)` then a scripted run: a settings pick byte, the work's JSON (an array
/// of invoices, or `{invoices, cancels, payments}`), NUL, then a script of (operation, request,
/// time step, answer kind) bytes; an answer's body bytes follow its operation up to the next
/// NUL.
pub fn run(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    // As the binding reads a plan's work (unknown keys recorded per invoice, cancel, payment).
    let text = std::str::from_utf8(part(rest, 0)).unwrap_or_default();
    let Ok(work) = xero_export::input::work::read_work(text) else {
        return;
    };
    let options = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let Ok(mut run) = exporter(*pick).plan_work(&work, &options) else {
        return;
    };
    drive(&mut run, after(rest, 1));
    let _ = serde_json::to_string(&run.outcomes());
    let _ = serde_json::to_string(&run.cancels());
    let _ = serde_json::to_string(&run.payments());
    let _ = serde_json::to_string(run.log());
    let _ = run.summary();
}

/// A plan that creates, cancels and pays: the seed that starts the `run` target in the
/// lifecycle code.
fn lifecycle_work(invoices: &serde_json::Value) -> String {
    let first = invoices
        .get(0)
        .and_then(|i| i.get("id"))
        .cloned()
        .unwrap_or_default();
    serde_json::json!({
        "invoices": invoices,
        "cancels": [
            {"sourceId": "c-1", "xero": {"id": "11111111-1111-4111-8111-111111111111", "status": "AUTHORISED"}},
            {"sourceId": "c-2", "type": "ACCRECCREDIT", "xero": {"id": "22222222-2222-4222-8222-222222222222", "status": "DRAFT"}},
            {"sourceId": "c-3", "xero": {"id": "33333333-3333-4333-8333-333333333333", "status": "PAID"}}
        ],
        "payments": [
            {"id": "p-1", "invoice": {"sourceId": first}, "amount": "1.00", "date": "2024-02-01", "account": {"code": "091"}},
            {"id": "p-2", "invoice": {"id": "44444444-4444-4444-8444-444444444444", "amountDue": "50"}, "amount": "20.00", "date": "2024-02-01", "account": {"code": "091"}, "reference": "r"},
            {"id": "p-3", "creditNote": {"number": "CN-1", "amountDue": "5"}, "amount": "5", "date": "2024-02-01", "account": {"code": "091"}, "currencyRate": "1.5"}
        ]
    })
    .to_string()
}

fn drive(run: &mut Run, script: &[u8]) {
    let mut now: i64 = 1_700_000_000_000;
    let mut pending: Vec<(String, Option<String>)> = Vec::new();
    // Bounded by the script: at most one operation per 4 bytes.
    for step in script.chunks(4) {
        let [op, which, dt, kind] = [0, 1, 2, 3].map(|i| step.get(i).copied().unwrap_or(0));
        now = now.saturating_add(i64::from(dt) * 997);
        match op % 4 {
            0 => pending.extend(run.next(now).into_iter().map(|r| (r.id, r.body))),
            1 | 2 if !pending.is_empty() => {
                let (id, body) = pending.swap_remove(usize::from(which) % pending.len());
                if op % 4 == 1 {
                    let _ = run.handle(&id, &answer(kind, body.as_deref(), step), now);
                } else {
                    let _ = run.lost(&id, now);
                }
            }
            3 => {
                if let Some(at) = run.wake_at() {
                    now = now.max(at);
                }
                if kind % 7 == 0 {
                    run.resume();
                }
            }
            _ => {}
        }
        let _ = run.is_done();
    }
}

/// `TrackingCsvValidator.push` with arbitrary chunking: the first byte is a chunk size seed,
/// the rest is the file.
pub fn csv_push(data: &[u8]) {
    let Some((seed, file)) = data.split_first() else {
        return;
    };
    let snap = snapshot();
    let whole = xero_export::tracking_csv::validate(&snap, file, Default::default());
    let mut v = xero_export::tracking_csv::Validator::new(&snap, Default::default());
    let mut size = usize::from(*seed % 13) + 1;
    let mut rest = file;
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(size.min(rest.len()));
        v.push(chunk);
        let _ = v.progress();
        rest = after;
        size = size * 7 % 31 + 1;
    }
    // "A chunk may end anywhere": the report does not depend on where chunks ended.
    assert_eq!(
        v.finish(),
        whole,
        "chunked report differs from the one-call report"
    );
    // The report's JSON is written field by field: it must be the derived serializer's text.
    assert_eq!(
        whole.to_json().ok(),
        serde_json::to_string(&whole).ok(),
        "the report's JSON differs from the derived serializer's"
    );
}

/// `exportTrackingCsv(rows, options)`: rows JSON, NUL, options JSON.
pub fn csv_export(data: &[u8]) {
    let Ok(rows) =
        serde_json::from_slice::<Vec<xero_export::tracking_csv::ExportRow>>(part(data, 0))
    else {
        return;
    };
    let options: xero_export::tracking_csv::ExportOptions =
        serde_json::from_slice(part(data, 1)).unwrap_or_default();
    if let Ok(text) = xero_export::tracking_csv::export(&rows, &options) {
        written_as_the_csv_crate_writes(&text, &options);
    }
}

/// The export's hand-written RFC 4180 writer against the `csv` crate: its text, read back by
/// the `csv` crate and written again by it (minimal quoting, the same line ends), is the same
/// bytes, so every cell reads back as written and is quoted exactly when it must be.
fn written_as_the_csv_crate_writes(text: &str, options: &xero_export::tracking_csv::ExportOptions) {
    use xero_export::tracking_csv::LineEnding;
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    assert_eq!(
        options.bom,
        body.len() != text.len(),
        "a byte order mark only when asked"
    );
    let terminator = match options.line_ending {
        LineEnding::Crlf => csv::Terminator::CRLF,
        LineEnding::Lf => csv::Terminator::Any(b'\n'),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .terminator(terminator)
        .quote_style(csv::QuoteStyle::Necessary)
        .flexible(true)
        .from_writer(Vec::new());
    for record in reader.byte_records() {
        let record = record.expect("the export reads back as CSV");
        writer
            .write_byte_record(&record)
            .expect("written to memory");
    }
    let again = writer.into_inner().expect("written to memory");
    assert_eq!(
        String::from_utf8_lossy(&again),
        body,
        "not what the csv crate writes"
    );
}

/// The CSV entry's snapshot reader (`tracking_csv::read_snapshot`, only the tracking
/// categories): snapshot JSON, NUL, a CSV file. Where the full snapshot reader also reads the
/// text, both must see the same tracking categories; a snapshot that reads is then used to
/// validate the file.
pub fn csv_snapshot(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(part(data, 0)) else {
        return;
    };
    let Ok(narrow) = xero_export::tracking_csv::read_snapshot(text) else {
        return;
    };
    if let Ok(input) = serde_json::from_str::<SnapshotInput>(text) {
        let full = Snapshot::new(input);
        assert_eq!(
            format!("{:?}", narrow.tracking_categories),
            format!("{:?}", full.tracking_categories),
            "the CSV entry read other tracking categories than the exporter"
        );
    }
    let _ = xero_export::tracking_csv::validate(&narrow, after(data, 1), Default::default());
}

/// Where a misfit in an argument read without the path watch is said (`input::json_path`):
/// the text as a snapshot, through both snapshot readers, and positions of it on both sides.
/// Never panics; a path found is under the argument's name.
pub fn json_path(data: &[u8]) {
    use xero_export::input::json_path::{misfit, path_at, Side};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let errors = [
        serde_json::from_str::<SnapshotInput>(text).err(),
        xero_export::tracking_csv::read_snapshot(text).err(),
    ];
    for e in errors.iter().flatten() {
        // No position of serde_json's at the end (the text itself may say " at line ").
        let said = misfit(text, e, "snapshot");
        let tail = said.rsplit(" at line ").next().unwrap_or_default();
        let position = tail.split(" column ").count() == 2
            && tail
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        assert!(!position, "{said}");
    }
    // Each position scans from the start: every one for short texts, ~64 spread over a long
    // one (all of a snapshot's ~8 KB made ~1,500 executions in 180 s).
    let step = (text.len() / 64).max(1);
    for at in (0..text.len() + 2).step_by(step) {
        for side in [Side::Read, Side::Peeked] {
            if let Some(path) = path_at(text, at, side, "x") {
                assert!(path.as_str().starts_with('x'), "{}", path.as_str());
            }
        }
    }
}

/// `lineAmount(line)` and `timesheetInvoice(input)`: the same JSON to both.
pub fn amounts(data: &[u8]) {
    // Amount text read in one pass must be the general parser's Decimal exactly.
    if let Ok(text) = std::str::from_utf8(data) {
        assert!(
            xero_export::money::plain_agrees_with_general(text),
            "{text:?}"
        );
    }
    // Rounding half away from zero (its u64 fast path) must be the general rounding's Decimal.
    assert!(xero_export::money::round_agrees_with_general(data));
    if let Ok(line) = serde_json::from_slice::<xero_export::build::totals::LineInput>(data) {
        let _ = serde_json::to_string(&xero_export::build::totals::compute_line(&line));
    }
    // Read as the binding reads it: through the unknown-key watch.
    let root = xero_export::issues::Path::root("timesheet");
    let text = std::str::from_utf8(data).unwrap_or_default();
    if let Ok((input, _unknown)) = xero_export::input::unknown::read_json::<
        xero_export::input::source::TimesheetInput,
    >(text, &root)
    {
        let _ = serde_json::to_string(&xero_export::input::source::timesheet_invoice(&input));
    }
}

/// `sync(exported, options)` then a scripted sync run: the exported documents' JSON, NUL, the
/// options' JSON, NUL, then a script of (operation, request, time step, answer kind) bytes as
/// for `run`; answers of kind 0 list every id the GET asked for, as PAID invoices.
pub fn sync(data: &[u8]) {
    let exported = std::str::from_utf8(part(data, 0)).unwrap_or_default();
    let options = std::str::from_utf8(part(data, 1)).unwrap_or_default();
    let Ok(mut run) = xero_export::sync::SyncRun::from_json(exported, options) else {
        return;
    };
    let script = after(data, 2);
    let mut now: i64 = 1_700_000_000_000;
    let mut pending: Vec<(String, String)> = Vec::new();
    for step in script.chunks(4) {
        let [op, which, dt, kind] = [0, 1, 2, 3].map(|i| step.get(i).copied().unwrap_or(0));
        now = now.saturating_add(i64::from(dt) * 997);
        match op % 4 {
            0 => pending.extend(run.next(now).into_iter().map(|r| (r.id, r.url))),
            1 | 2 if !pending.is_empty() => {
                let (id, url) = pending.swap_remove(usize::from(which) % pending.len());
                if op % 4 == 1 {
                    let _ = run.handle(&id, &sync_answer(kind, &url, step), now);
                } else {
                    let _ = run.lost(&id, now);
                }
            }
            3 => {
                if let Some(at) = run.wake_at() {
                    now = now.max(at);
                }
                if kind % 7 == 0 {
                    run.resume();
                }
            }
            _ => {}
        }
        let _ = run.is_done();
    }
    let _ = serde_json::to_string(&run.changes());
    let _ = serde_json::to_string(&run.issues());
    let _ = serde_json::to_string(run.log());
    let _ = (run.summary(), run.synced_at());
}

/// An answer to a sync GET: kind 0 lists the ids of its URL as paid invoices (and credit
/// notes) with `pagination`, kind 9 is a 304, other kinds reuse [`answer`].
fn sync_answer(kind: u8, url: &str, bytes: &[u8]) -> HttpResponse {
    // A 304 (nothing changed since): its `Date` header well formed, or the fuzzed bytes.
    if kind % 10 == 9 {
        let date = match kind % 20 {
            9 => "Wed, 01 May 2024 12:00:00 GMT".to_owned(),
            _ => String::from_utf8_lossy(bytes).into_owned(),
        };
        let headers = std::collections::BTreeMap::from([("Date".to_owned(), date.into())]);
        return HttpResponse {
            status: 304,
            headers,
            body: None,
        };
    }
    if kind % 10 != 0 {
        return answer(kind, None, bytes);
    }
    let ids: Vec<&str> = url
        .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
        .filter(|t| t.len() == 36)
        .collect();
    let els: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| serde_json::json!({"InvoiceID": id, "CreditNoteID": id, "Status": "PAID", "AmountDue": 0, "AmountPaid": "12.50",
            "RemainingCredit": 0, "FullyPaidOnDate": "/Date(1543449600000+0000)/",
            "Payments": [{"PaymentID": id, "Amount": 12.5, "Date": "/Date(1543449600000+0000)/"}],
            "Allocations": [{"Amount": 1, "Invoice": {"InvoiceID": id}}]}))
        .collect();
    let pages = u64::from(bytes.get(1).copied().unwrap_or(1) % 3);
    HttpResponse {
        status: 200,
        headers: std::collections::BTreeMap::new(),
        body: Some(
            serde_json::json!({"DateTimeUTC": "/Date(1552326816230)/", "pagination": {"pageCount": pages},
            "Invoices": els.clone(), "CreditNotes": els}),
        ),
    }
}

/// Issue 20's result handle (`exporter.previewResults(invoices)`, `session.push(chunk)`): a
/// settings pick byte, a chunk-size byte, then the invoices' JSON. Every part handed out is
/// JSON, one per document; previewed in chunks (when the text is an array), the batch ends as
/// previewed at once.
pub fn preview_results(data: &[u8]) {
    use xero_export::exporter::PreviewSession;
    let [pick, size, invoices @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(invoices) else {
        return;
    };
    // `page_json` is public: any text, not only a page, gives a result or nothing.
    if let Some((json, _)) = xero_export::preview::results::page_json(text) {
        assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok());
    }
    let exporter = exporter(*pick);
    for lines in [true, false] {
        let options = PreviewOptions {
            lines,
            bodies: true,
        };
        let Ok(once) = exporter.preview_results(text, options) else {
            continue;
        };
        let json = |part: Option<&str>| {
            serde_json::from_str::<serde_json::Value>(part.unwrap_or("null")).is_ok()
        };
        for i in 0..=once.len() {
            let (summary, lines, issues) = (once.summary(i), once.lines(i), once.issues(i));
            let parts = [summary.as_deref(), lines.as_deref(), issues.as_deref()];
            use xero_export::preview::results::Part;
            for part in [Part::Summary, Part::Lines, Part::Issues] {
                assert_eq!(once.part(i, part).is_some(), i < once.len());
            }
            assert_eq!(parts.iter().all(Option::is_some), i < once.len());
            assert!(parts.into_iter().all(json) && json(once.body(i)));
        }
        documents_of(&once, usize::from(*size));
        same_lines_as_the_preview(&exporter, text, options, &once);
        one_call_texts(&exporter, text, options, &once);
        let Ok(serde_json::Value::Array(all)) = serde_json::from_str(text) else {
            continue;
        };
        let mut session = PreviewSession::new(options);
        for chunk in all.chunks(usize::from(*size).max(1)) {
            let chunk = serde_json::Value::from(chunk.to_vec()).to_string();
            if exporter.preview_chunk(&mut session, &chunk).is_err() {
                return;
            }
        }
        assert_eq!(session.documents(), once.len());
    }
}

/// The binding's one-call text (`Exporter::preview_page`), twice in a row, the second sending
/// only the lists added since the first: read back as api.js reads it, each is the results'
/// documents and batch.
fn one_call_texts(
    exporter: &Exporter,
    text: &str,
    options: PreviewOptions,
    once: &xero_export::preview::results::Results,
) {
    use xero_export::exporter::KnownLists;
    let mut lists = std::collections::BTreeMap::new();
    let mut known = KnownLists::default();
    for _ in 0..2 {
        let page = exporter.preview_page(text, options, known);
        let page = page
            .ok()
            .flatten()
            .expect("previews as preview_results did");
        let read = xero_export::preview::results::whole_json(&page, &mut lists);
        let (generation, _, docs, batch) = read.expect("a whole text reads back");
        assert_eq!(Some(docs), once.documents(0..once.len()));
        assert_eq!(batch, once.batch_json());
        known = KnownLists {
            generation,
            lists: lists.len(),
        };
    }
}

/// Each document's lines (their tracking lists found in the results' table) are the batch
/// preview's JSON lines: a line never names another line's list.
fn same_lines_as_the_preview(
    exporter: &Exporter,
    text: &str,
    options: PreviewOptions,
    results: &xero_export::preview::results::Results,
) {
    let Ok(json) = exporter.preview_json(text, options) else {
        return;
    };
    let whole: serde_json::Value = serde_json::from_str(&json).unwrap();
    for i in 0..results.len() {
        let lines: serde_json::Value = serde_json::from_str(&results.lines(i).unwrap()).unwrap();
        assert_eq!(whole["documents"][i]["lines"], lines, "document {i}");
    }
}

/// `results.documents(start, end)`: a range from `start` read whole is one body slot per
/// document, then the page's tracking lists and as many documents; a range past the end is
/// refused.
fn documents_of(results: &xero_export::preview::results::Results, start: usize) {
    let n = results.len();
    for range in [
        0..n,
        start.min(n)..n,
        start..start.saturating_add(2),
        n..n + 1,
    ] {
        let fits = range.start <= range.end && range.end <= n;
        let Some(page) = results.page(range.clone()) else {
            assert!(!fits, "{range:?} of {n}");
            continue;
        };
        // The flat page reads back whole, as the JSON of exactly these documents, each the
        // document read part by part.
        let (json, rest) = xero_export::preview::results::page_json(&page).unwrap();
        assert_eq!(rest, "");
        assert_eq!(
            results.documents(range.clone()).as_deref(),
            Some(json.as_str())
        );
        let docs: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(docs.len(), range.len());
        for (doc, i) in docs.iter().zip(range.clone()) {
            let lines: serde_json::Value =
                serde_json::from_str(&results.lines(i).unwrap()).unwrap();
            let issues: serde_json::Value =
                serde_json::from_str(&results.issues(i).unwrap()).unwrap();
            assert_eq!((&doc["lines"], &doc["issues"]), (&lines, &issues));
            assert_eq!(doc["body"].as_str(), results.body(i));
        }
    }
}

/// One exporter used again and again (a page previewing one invoice per call): what it keeps
/// between calls (tracking lookups, stale-option issues) never changes a preview. A settings
/// pick byte, then the invoices' JSON; each invoice alone, then the batch, then each invoice
/// again, each byte for byte what a fresh exporter gives.
pub fn preview_repeat(data: &[u8]) {
    let Some((pick, invoices)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(invoices) else {
        return;
    };
    let Ok(serde_json::Value::Array(all)) = serde_json::from_str(text) else {
        return;
    };
    let used = exporter(*pick);
    let options = PreviewOptions::default();
    let singles: Vec<String> = all
        .iter()
        .map(|inv| serde_json::Value::from(vec![inv.clone()]).to_string())
        .collect();
    for _ in 0..2 {
        for one in &singles {
            let fresh = exporter(*pick).preview_json(one, options).ok();
            assert_eq!(used.preview_json(one, options).ok(), fresh);
        }
        let fresh = exporter(*pick).preview_json(text, options).ok();
        assert_eq!(used.preview_json(text, options).ok(), fresh);
    }
}

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target by name (the regression test replays a folder per name).
pub const TARGETS: [(&str, Target); 15] = [
    ("exporter", exporter_input),
    ("preview", preview),
    ("run", run),
    ("csv_push", csv_push),
    ("csv_export", csv_export),
    ("amounts", amounts),
    ("sync", sync),
    ("config", config),
    ("resume", resume),
    ("preview_results", preview_results),
    ("csv_snapshot", csv_snapshot),
    ("import_contacts", import_contacts),
    ("sync_contacts", sync_contacts),
    ("preview_repeat", preview_repeat),
    ("json_path", json_path),
];

/// `exporter.syncContacts(people)` = `plan({people})` (issue 19): a scenario byte, the people's
/// JSON, NUL, a driving script. Checks what a host relies on: one outcome per person, a
/// ContactID for every created or updated one, and a run saved at any point resumes (with the
/// same work) to the same outcomes: saved runs cover the people's work.
pub fn sync_contacts(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let people = std::str::from_utf8(part(rest, 0)).unwrap_or_default();
    let Ok(work) = xero_export::input::work::read_work(&format!("{{\"people\":{people}}}")) else {
        return;
    };
    let options = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let ex = exporter(*pick);
    let Ok(mut run) = ex.plan_work(&work, &options) else {
        return;
    };
    drive(&mut run, after(rest, 1));
    let out = run.people();
    assert_eq!(out.len(), work.people.len());
    for (i, p) in out.iter().enumerate() {
        assert_eq!(p.index, i);
        let done = matches!(
            p.status,
            xero_export::people::sync::PersonStatus::Created
                | xero_export::people::sync::PersonStatus::Updated
        );
        assert!(!done || p.contact_id.is_some(), "{p:?}");
    }
    let resume = xero_export::send::ResumeOptions {
        tenant_id: Some("tenant-1".into()),
        changes: Vec::new(),
    };
    let resumed = ex.resume(&work, &run.save(), &resume);
    let resumed = resumed.unwrap_or_else(|e| panic!("a saved people run must resume: {e}"));
    // Requests in flight become lost on resume; everything settled must read the same.
    for (a, b) in out.iter().zip(resumed.people()) {
        if !matches!(
            a.status,
            xero_export::people::sync::PersonStatus::Pending
                | xero_export::people::sync::PersonStatus::Uncertain
        ) {
            assert_eq!(
                serde_json::to_string(a).ok(),
                serde_json::to_string(&b).ok()
            );
        }
    }
}

/// `exporter.importContacts(pages, people)` (issue 19): a scenario byte (its settings), then the
/// pages' JSON, NUL, the people's JSON. Checks what a host relies on: a person is matched by
/// at most one contact, indices point into `people`, the counts add up, the same bytes twice.
pub fn import_contacts(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let ex = exporter(*pick);
    updated_times(&ex, rest);
    let pages = std::str::from_utf8(part(rest, 0)).unwrap_or_default();
    let people = std::str::from_utf8(after(rest, 1)).unwrap_or_default();
    let Ok(out) = ex.import_contacts(pages, people) else {
        return;
    };
    let again = ex.import_contacts(pages, people).ok();
    assert_eq!(
        serde_json::to_string(&out).ok(),
        again.and_then(|a| serde_json::to_string(&a).ok())
    );
    let n_people = serde_json::from_str::<Option<Vec<serde_json::Value>>>(people)
        .ok()
        .flatten()
        .map_or(0, |p| p.len());
    let mut seen = std::collections::BTreeSet::new();
    for c in &out.contacts {
        if let Some(p) = c.person {
            assert!(
                p < n_people && seen.insert(p),
                "person {p} matched twice or out of range"
            );
        }
        assert!(c.candidates.iter().all(|p| *p < n_people));
    }
    let s = &out.summary;
    assert_eq!(s.matched + s.new + s.ambiguous, s.contacts);
    assert_eq!(s.contacts, out.contacts.len());
}

/// Two copies of one contact whose `UpdatedDateUTC` are the fuzz input's first two texts: the
/// hand-written reader of Xero's `/Date(ms±hhmm)/` and ISO times decides which copy is kept.
/// Random JSON seldom holds such a field, so the texts are put there.
fn updated_times(ex: &Exporter, data: &[u8]) {
    let a = String::from_utf8_lossy(part(data, 0));
    let b = String::from_utf8_lossy(after(data, 1));
    let copy = |name: &str, at: &str| serde_json::json!({"ContactID": "5cc8cf28-567e-4d43-b287-687cfcaec47c", "Name": name, "UpdatedDateUTC": at});
    let pages =
        serde_json::json!([{"Contacts": [copy("First", &a)]}, {"Contacts": [copy("Second", &b)]}]);
    let out = ex.import_contacts(&pages.to_string(), "[]");
    let out = out.expect("two copies of a contact always read");
    assert_eq!(out.contacts.len(), 1);
}

/// The configuration screen (`choices`, `searchContacts`, `staleMappings`): a limit byte, then
/// snapshot JSON, NUL, settings JSON, NUL, previous snapshot JSON, NUL, the search query. A
/// snapshot or settings that do not parse fall back to the sample ones, so queries and settings
/// still reach deep. Also checks the promises a screen relies on: at most `limit` hits, the
/// same bytes twice.
pub fn config(data: &[u8]) {
    let Some((limit, rest)) = data.split_first() else {
        return;
    };
    let read = |bytes: &[u8]| {
        serde_json::from_slice::<SnapshotInput>(bytes)
            .ok()
            .map(Snapshot::new)
    };
    let current = read(part(rest, 0)).unwrap_or_else(snapshot);
    let settings = std::str::from_utf8(part(rest, 1))
        .ok()
        .and_then(|text| Settings::read(text).ok())
        .unwrap_or_default();
    let previous = read(part(rest, 2));
    let query = String::from_utf8_lossy(after(rest, 3));
    let choices = xero_export::choices::choices(&current);
    let again = xero_export::choices::choices(&current);
    assert_eq!(
        serde_json::to_string(&choices).ok(),
        serde_json::to_string(&again).ok()
    );
    let limit = usize::from(*limit);
    let hits = xero_export::choices::search::search_contacts(&current, &query, limit);
    assert!(hits.len() <= limit);
    let _ = serde_json::to_string(&hits);
    let stale = xero_export::choices::stale::stale_mappings(&settings, &current, previous.as_ref());
    let _ = serde_json::to_string(&stale);
}

/// `exporter.resume(state, work, options)` then driving the run: a scenario byte, the work
/// JSON, NUL, the saved state (arbitrary bytes), NUL, the options JSON, NUL, a driving script.
/// A state that does not fit must be a coded error, never a panic; one that fits must drive.
pub fn resume(data: &[u8]) {
    let Some((pick, rest)) = data.split_first() else {
        return;
    };
    let text = std::str::from_utf8(part(rest, 0)).unwrap_or_default();
    let Ok(work) = xero_export::input::work::read_work(text) else {
        return;
    };
    let state = String::from_utf8_lossy(part(rest, 1));
    let options: xero_export::send::ResumeOptions =
        serde_json::from_slice(part(rest, 2)).unwrap_or_default();
    let Ok(mut run) = exporter(*pick).resume(&work, &state, &options) else {
        return;
    };
    drive(&mut run, after(rest, 3));
    let _ = run.save();
    let _ = run.changes(0);
    let _ = serde_json::to_string(run.log());
}

/// A state saved after the run seed's script, for the `resume` seeds.
fn saved_state(pick: u8, work: &str, script: &[u8]) -> String {
    let options = PlanOptions {
        tenant_id: "tenant-1".into(),
        ..PlanOptions::default()
    };
    let Ok(work) = xero_export::input::work::read_work(work) else {
        return String::new();
    };
    let Ok(mut run) = exporter(pick).plan_work(&work, &options) else {
        return String::new();
    };
    drive(&mut run, script);
    run.save()
}

/// Seed inputs for every target, made from the fixtures (valid input, so the fuzzer starts
/// deep in the code): `(target, bytes)`. Replayed by the regression test and written out as
/// the starting corpus by `make fuzz`.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let join = |parts: &[&[u8]]| parts.join(&0u8);
    let mut out = Vec::new();
    // Items to create (issue 19): unknown codes in two invoices of a run, every answer kind.
    let work = br#"[{"id":"a","number":"I-1","date":"2024-01-15","payer":{"contactId":"5cc8cf28-567e-4d43-b287-687cfcaec47c"},"lines":[{"description":"Workshop","quantity":1,"unitAmount":"250.00","itemCode":"NEWX","taxCode":"GST"},{"description":"x","quantity":1,"unitAmount":"1.00","itemCode":"newx"}]},{"id":"b","number":"I-2","date":"2024-01-15","payer":{"name":"Brand New Client"},"lines":[{"description":"Other","quantity":2,"unitAmount":"10.00","itemCode":"OTHER"}]}]"#;
    let script: &[u8] = &[
        0, 0, 0, 0, 2, 0, 1, 0, 3, 0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 3, 3, 0,
        9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    ];
    for pick in [4u8, 6] {
        out.push(("run", [&[pick][..], &join(&[work, script])].concat()));
    }
    // importContacts: overlapping pages, raw and camelCase, people matching by each rule.
    let pages = br#"[{"Contacts":[{"ContactID":"C1","Name":"Ana Silva","EmailAddress":"ana@x.io","ContactNumber":"M-1"},{"ContactID":"C2","Name":"Bea","ContactStatus":"ARCHIVED","IsSupplier":true}]},{"contacts":[{"contactID":"c1","name":"Ana S","addresses":[{"addressType":"STREET","city":"Wellington"}],"phones":[{"phoneType":"MOBILE","phoneNumber":"1"}]},{"name":"no id"}]}]"#;
    let people = br#"[{"kind":"member","id":"m1","email":"ANA@x.io"},{"name":"bea"},{"name":"Bea","email":"b@x.io"},{"firstName":"Cy","lastName":"Z","contactId":"C9"}]"#;
    for pick in 0u8..4 {
        out.push((
            "import_contacts",
            [&[pick][..], &join(&[pages, people])].concat(),
        ));
    }
    // syncContacts: new, unchanged, changed, archived, ambiguous, taken name, duplicate.
    let people = br#"[{"kind":"member","id":"m1","name":"Aroha Ngata","email":"aroha@example.com"},{"id":"kat","contactNumber":"P-100","name":"Katherine Warren"},{"id":"tui","contactId":"9a02a36c-9abc-4187-a621-acb03ae2a8b0","email":"tui@new.example","phone":{"type":"MOBILE","number":"021"},"address":{"lines":["1 Queen St"],"city":"Auckland"}},{"id":"old","name":"Old Patient","email":"old@example.com"},{"id":"hd","name":"Harbour Dental"},{"id":"sam","contactNumber":"M-sam","name":"Sam Jones"},{"id":"tui2","contactId":"9a02a36c-9abc-4187-a621-acb03ae2a8b0"}]"#;
    let script: &[u8] = &[
        0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 1, 0, 3, 0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 200, 0, 1, 0,
        0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    ];
    for pick in 0u8..4 {
        out.push((
            "sync_contacts",
            [&[pick][..], &join(&[people, script])].concat(),
        ));
    }
    for (pick, scenario) in (0u8..).zip(SCENARIOS) {
        let value: serde_json::Value = serde_json::from_str(scenario).unwrap_or_default();
        let text = |key: &str| value.get(key).map(|v| v.to_string()).unwrap_or_default();
        let (settings, invoices) = (text("settings"), text("invoices"));
        out.push((
            "exporter",
            join(&[SNAPSHOT.as_bytes(), settings.as_bytes()]),
        ));
        out.push(("preview", [&[pick][..], invoices.as_bytes()].concat()));
        out.push((
            "preview_results",
            [&[pick, 2][..], invoices.as_bytes()].concat(),
        ));
        out.push((
            "preview_repeat",
            [&[pick][..], invoices.as_bytes()].concat(),
        ));
        // Plan, send, answer every request with its own body (200), lose one, retry.
        let script: &[u8] = &[
            0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 5, 0, 2, 0, 1, 0, 3, 0, 0, 0, 0, 0, 200, 0, 1, 1, 1, 5,
        ];
        out.push((
            "run",
            [&[pick][..], invoices.as_bytes(), &[0], script].concat(),
        ));
        let work = lifecycle_work(value.get("invoices").unwrap_or(&serde_json::Value::Null));
        out.push(("run", [&[pick][..], work.as_bytes(), &[0], script].concat()));
        let state = saved_state(pick, &work, script);
        out.push((
            "resume",
            [
                &[pick][..],
                work.as_bytes(),
                &[0],
                state.as_bytes(),
                &[0],
                br#"{"tenantId":"tenant-1"}"#,
                &[0],
                script,
            ]
            .concat(),
        ));
        if let Some(entries) = value.get("timesheets").and_then(|t| t.as_array()) {
            out.extend(
                entries
                    .iter()
                    .map(|t| ("amounts", t.to_string().into_bytes())),
            );
        }
    }
    // Issue 18: every host totals policy, from the exporter's settings.
    for policy in ["taxOverride", "roundingLine", "error", "report"] {
        let settings = format!(
            r#"{{"hostTotal":{{"policy":"{policy}","roundingAccount":"091"}},"unitdp":4,"taxes":{{"default":"OUTPUT2"}},"accounts":{{"default":"200"}}}}"#
        );
        out.push((
            "exporter",
            join(&[SNAPSHOT.as_bytes(), settings.as_bytes()]),
        ));
    }
    let lines: serde_json::Value =
        serde_json::from_str(include_str!("../fixtures/sample/lines.json")).unwrap_or_default();
    for line in lines.as_array().into_iter().flatten() {
        out.push(("amounts", line.to_string().into_bytes()));
    }
    for csv in [
        include_str!("../fixtures/csv/valid.csv"),
        include_str!("../fixtures/csv/aliases.csv"),
        include_str!("../fixtures/csv/option-unknown.csv"),
        include_str!("../fixtures/csv/row-malformed-quote.csv"),
    ] {
        out.push(("csv_push", [&[3u8][..], csv.as_bytes()].concat()));
        out.push(("csv_snapshot", join(&[SNAPSHOT.as_bytes(), csv.as_bytes()])));
    }
    // Misshapen snapshots: a name as an object, options as text, an array among the contacts.
    for (from, to) in [
        (r#""Name": ""#, r#""Name": {"a": [1]}, "N": ""#),
        (r#""Options": ["#, r#""Options": "all","x": ["#),
        (r#""Contacts": ["#, r#""Contacts": [[],"#),
    ] {
        out.push(("json_path", SNAPSHOT.replacen(from, to, 1).into_bytes()));
    }
    let rows = br#"[{"Client ID":"c1","Name":"=SUM(A1)","Xero Tracking Category 1":"North","n":-12.5,"b":true},{"client id":"c2","Name":"Jo, \"Smith\"","x":null}]"#;
    out.push((
        "csv_export",
        join(&[rows, br#"{"bom":true,"lineEnding":"lf"}"#]),
    ));
    // Sync: ids, a number, a credit note, known amounts; ask, answer, lose, 429, answer.
    let exported = br#"[{"sourceId":"a","xero":{"id":"243c8f5e-7d2b-4f0e-9c1a-5b6d7e8f9a01"},"known":{"status":"AUTHORISED","amountDue":"12.50"}},{"sourceId":"b","xero":{"number":"INV-1"}},{"sourceId":"c","kind":"creditNote","xero":{"id":"343c8f5e-7d2b-4f0e-9c1a-5b6d7e8f9a01"}}]"#;
    let options = br#"{"tenantId":"t","since":"2024-05-01T10:00:00Z","maxConcurrent":2}"#;
    let script: &[u8] = &[
        0, 0, 0, 0, 1, 0, 1, 0, 2, 0, 1, 0, 3, 0, 9, 0, 0, 0, 0, 0, 1, 0, 0, 5, 3, 0, 0, 0, 0, 0,
        0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
    ];
    out.push(("sync", join(&[exported, options, script])));
    // The configuration screen: the sample, each scenario's settings, the sample as previous.
    for scenario in SCENARIOS {
        let value: serde_json::Value = serde_json::from_str(scenario).unwrap_or_default();
        let settings = value
            .get("settings")
            .map(|v| v.to_string())
            .unwrap_or_default();
        out.push((
            "config",
            [
                &[20u8][..],
                &join(&[
                    SNAPSHOT.as_bytes(),
                    settings.as_bytes(),
                    SNAPSHOT.as_bytes(),
                    "Kathé".as_bytes(),
                ]),
            ]
            .concat(),
        ));
    }
    out
}
