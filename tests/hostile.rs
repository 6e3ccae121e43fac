//! Regressions for hostile input (issue: "Nothing crashes, nothing slips through"): each input
//! here once panicked the core (a trap in wasm, which kills the instance a whole Node backend
//! shares). Each must now come back as coded issues on the field, with no made-up totals.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

mod support;

use serde_json::{json, Value};
use support::*;
use xero_export::send::plan::PlanOptions;

const MAX: &str = "79228162514264337593543950335";

fn settings() -> Value {
    json!({"status": "AUTHORISED", "accounts": {"default": "200"}, "dueDate": {"rule": "daysAfter", "days": 14}})
}

fn one(lines: Value) -> Value {
    json!([{"id": "a", "number": "1", "date": "2024-01-15", "payer": {"contactId": "5cc8cf28-567e-4d43-b287-687cfcaec47c"}, "lines": lines}])
}

/// The line's issue codes and the document's totals.
fn outcome(lines: Value) -> (Vec<String>, Value) {
    let p = preview(sample_snapshot(), settings(), one(lines));
    let doc = &json_of(&p)["documents"][0];
    assert_eq!(doc["blocked"], true, "{doc}");
    (codes(&p.documents[0].issues), doc["totals"].clone())
}

#[test]
fn huge_quantities_and_amounts_are_issues_not_panics() {
    // Two lines of 1e28 × 7: the product, then the sum, was past Decimal's range.
    let (codes, totals) = outcome(json!([
        {"description": "x", "quantity": "1e28", "unitAmount": 7},
        {"description": "y", "quantity": "1e28", "unitAmount": 7}
    ]));
    assert_eq!(
        codes,
        [
            "NUMBER_OUT_OF_RANGE@invoices[0].lines[0].quantity",
            "NUMBER_OUT_OF_RANGE@invoices[0].lines[1].quantity"
        ]
    );
    assert_eq!(totals, Value::Null, "no made-up totals");
    // The largest Decimal as a unit amount (Exclusive tax multiplied it).
    let (codes, totals) = outcome(json!([{"description": "x", "quantity": 1, "unitAmount": MAX}]));
    assert_eq!(
        codes,
        ["NUMBER_OUT_OF_RANGE@invoices[0].lines[0].unitAmount"]
    );
    assert_eq!(totals, Value::Null);
    // 13-digit quantity × the largest unit amount Xero could take: past LineAmount's limit.
    let (codes, _) = outcome(
        json!([{"description": "x", "quantity": "999999999999", "unitAmount": "99999999999999.99"}]),
    );
    assert_eq!(codes, ["LINE_AMOUNT_TOO_LARGE@invoices[0].lines[0]"]);
    let (codes, _) = outcome(
        json!([{"description": "x", "quantity": 1, "unitAmount": 1, "discountAmount": format!("-{MAX}")}]),
    );
    assert_eq!(
        codes,
        ["NUMBER_OUT_OF_RANGE@invoices[0].lines[0].discountAmount"]
    );
}

#[test]
fn many_lines_at_the_limit_still_total_exactly() {
    // 10,000 lines of 9,999,999,999.99: each within Xero's limit, summed exactly.
    let lines: Vec<Value> = (0..10_000)
        .map(|_| json!({"description": "x", "quantity": 1, "unitAmount": "9999999999.99"}))
        .collect();
    let p = preview(sample_snapshot(), settings(), one(Value::Array(lines)));
    let totals = json_of(&p)["documents"][0]["totals"].clone();
    assert_eq!(totals["subTotal"], "99999999999900.00");
}

fn line_amount(input: Value) -> xero_export::build::totals::LineResult {
    let line: xero_export::build::totals::LineInput = serde_json::from_value(input).unwrap();
    xero_export::build::totals::compute_line(&line)
}

#[test]
fn line_amount_with_opposite_extremes_is_an_issue() {
    let r =
        line_amount(json!({"quantity": format!("-{MAX}"), "unitAmount": 1, "discountAmount": MAX}));
    assert_eq!(r.line_amount, None);
    assert_eq!(
        codes(&r.issues),
        [
            "NUMBER_OUT_OF_RANGE@quantity",
            "NUMBER_OUT_OF_RANGE@discountAmount"
        ]
    );
    let r = line_amount(json!({"quantity": "-9999999999999", "unitAmount": "9999999999.99"}));
    assert_eq!(codes(&r.issues), ["LINE_AMOUNT_TOO_LARGE@lineAmount"]);
}

/// Regression: the `lineAmount` helper gave an amount for lines the preview refuses (and Xero
/// with them): a discount past the line's amount ("-50.00"), a quantity past Xero's 13 digits,
/// a unit amount and a discount past Xero's limits cancelling out ("0.00"); and said nothing of
/// a line Xero's rounding makes 0.00, which Xero refuses.
#[test]
fn line_amount_refuses_what_the_preview_refuses() {
    for (input, want) in [
        (
            json!({"quantity": 1, "unitAmount": "100", "discountAmount": "150"}),
            vec!["DISCOUNT_INVALID@discountAmount"],
        ),
        (
            json!({"quantity": "1234567890.1234", "unitAmount": "1"}),
            vec!["NUMBER_OUT_OF_RANGE@quantity"],
        ),
        (
            json!({"quantity": 1, "unitAmount": "1e20", "discountAmount": "1e20"}),
            vec![
                "NUMBER_OUT_OF_RANGE@unitAmount",
                "NUMBER_OUT_OF_RANGE@discountAmount",
            ],
        ),
    ] {
        let r = line_amount(input.clone());
        assert_eq!(r.line_amount, None, "{input}");
        assert_eq!(codes(&r.issues), want, "{input}");
        let (preview_codes, _) = outcome(
            json!([{"description": "x", "quantity": input["quantity"], "unitAmount": input["unitAmount"], "discountAmount": input.get("discountAmount")}]),
        );
        let on_line: Vec<String> = preview_codes
            .iter()
            .map(|c| c.replace("invoices[0].lines[0].", ""))
            .filter(|c| !c.starts_with("DISCOUNT_NOT_SUPPORTED") && !c.starts_with("CONVERTED"))
            .collect();
        let mut on_line = on_line;
        let mut want = want;
        on_line.sort();
        want.sort();
        assert_eq!(on_line, want, "{input}");
    }
    let r = line_amount(json!({"quantity": "0.0001", "unitAmount": "0.01"}));
    assert_eq!(r.line_amount.as_deref(), Some("0.00"));
    assert_eq!(codes(&r.issues), ["LINE_AMOUNT_ROUNDS_TO_ZERO@lineAmount"]);
}

#[test]
fn timesheet_hours_past_the_range_keep_a_line_of_their_own() {
    let input: xero_export::input::source::TimesheetInput = serde_json::from_value(json!({
        "id": "t", "date": "2024-01-15", "groupBy": "project", "payer": {"contactId": KATHERINE},
        "entries": [
            {"member": "m", "project": "p", "date": "2024-01-10", "hours": MAX, "rate": 100},
            {"member": "m", "project": "p", "date": "2024-01-11", "hours": MAX, "rate": 100}
        ]
    }))
    .unwrap();
    let invoice = xero_export::input::source::timesheet_invoice(&input);
    let lines = serde_json::to_value(&invoice).unwrap()["lines"].clone();
    assert_eq!(lines.as_array().unwrap().len(), 2, "{lines}");
    let p = preview(
        sample_snapshot(),
        settings(),
        Value::Array(vec![serde_json::to_value(&invoice).unwrap()]),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        [
            "NUMBER_OUT_OF_RANGE@invoices[0].lines[0].quantity",
            "NUMBER_OUT_OF_RANGE@invoices[0].lines[1].quantity"
        ]
    );
}

#[test]
fn plan_blocks_what_preview_reports() {
    let ex = exporter(sample_snapshot(), settings());
    let invs = invoices(one(json!([
        {"description": "x", "quantity": "1e28", "unitAmount": 7},
        {"description": "y", "quantity": "1e28", "unitAmount": 7}
    ])));
    let options = PlanOptions {
        tenant_id: "t".into(),
        ..PlanOptions::default()
    };
    let mut run = ex.plan(&invs, &options).unwrap();
    assert!(run.next(0).is_empty(), "a blocked document is never sent");
    assert_eq!(
        run.outcomes()[0].status,
        xero_export::send::OutcomeStatus::Blocked
    );
}

#[test]
fn the_same_source_invoice_twice_blocks_the_second() {
    let inv = json!({"id": "bill-7", "number": "B-7", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]});
    let mut again = inv.clone();
    again["number"] = json!("B-8");
    let batch = json!([inv, again]);
    let p = preview(sample_snapshot(), settings(), batch.clone());
    assert!(!p.documents[0].blocked);
    assert!(p.documents[1].blocked);
    assert_eq!(
        codes(&p.documents[1].issues),
        ["SOURCE_ID_DUPLICATE@invoices[1].id"]
    );
    // And so the run sends it once.
    let ex = exporter(sample_snapshot(), settings());
    let invs = invoices(batch);
    let mut run = ex
        .plan(
            &invs,
            &PlanOptions {
                tenant_id: "t".into(),
                ..PlanOptions::default()
            },
        )
        .unwrap();
    let requests = run.next(0);
    assert_eq!(requests.iter().map(|r| r.documents.len()).sum::<usize>(), 1);
}

#[test]
fn text_people_would_see_is_checked_for_what_they_cannot() {
    let inv = json!([{"id": "a", "number": "N\u{0}1", "reference": "ok", "date": "2024-01-15",
        "payer": {"name": "Evil\u{202E}gnp.exe"},
        "lines": [{"description": "two\nlines are fine", "quantity": 1, "unitAmount": 1},
                  {"description": "broken \u{FFFD}", "quantity": 1, "unitAmount": 1}]}]);
    let p = preview(
        sample_snapshot(),
        json!({"contacts": {"onMissing": "create"}, "accounts": {"default": "200"}}),
        inv,
    );
    let c = codes(&p.documents[0].issues);
    for want in [
        "TEXT_INVALID@invoices[0].number",
        "TEXT_INVALID@invoices[0].payer.name",
        "TEXT_INVALID@invoices[0].lines[1].description",
    ] {
        assert!(c.iter().any(|x| x == want), "{want} not in {c:?}");
    }
    assert!(
        !c.iter().any(|x| x.ends_with("lines[0].description")),
        "{c:?}"
    );
    assert!(p.documents[0].blocked);
}

#[test]
fn a_tenant_id_that_could_add_headers_is_refused() {
    let ex = exporter(sample_snapshot(), settings());
    for tenant in ["t\r\nX-Evil: 1", "a\nb", "a b", "\u{0}"] {
        let err = ex
            .plan(
                &[],
                &PlanOptions {
                    tenant_id: tenant.into(),
                    ..PlanOptions::default()
                },
            )
            .err()
            .unwrap();
        assert_eq!(err.argument, "options.tenantId", "{tenant:?}");
    }
    assert!(ex
        .plan(
            &[],
            &PlanOptions {
                tenant_id: "5cc8cf28-567e-4d43-b287-687cfcaec47c".into(),
                ..PlanOptions::default()
            }
        )
        .is_ok());
}

/// The preview's JSON for invoices given as JSON text (the path the package takes).
fn preview_text(settings: &str, invoices: Value) -> Value {
    let settings = xero_export::Settings::read(settings).unwrap();
    let snapshot: xero_export::SnapshotInput = serde_json::from_value(sample_snapshot()).unwrap();
    let ex = xero_export::Exporter::new(xero_export::Snapshot::new(snapshot), settings);
    let text = ex
        .preview_json(&invoices.to_string(), Default::default())
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn described(issues: &Value) -> Vec<String> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{} {}@{}: {}",
                i["severity"].as_str().unwrap(),
                i["code"].as_str().unwrap(),
                i["path"].as_str().unwrap(),
                i["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn unknown_settings_keys_are_errors_with_a_did_you_mean() {
    let settings = r#"{"kind": "ACCPAY", "accounts": {"default": "200"}, "dueDate": {"rule": "daysAfter", "days": 14},
        "tracking": {"categories": [{"category": "Clinician", "sources": ["clinician"], "clinician": {"dr-1": "Dr Aroha Smith"}}]},
        "contacts": {"onMisssing": "create"}}"#;
    let p = preview_text(
        settings,
        one(json!([{"description": "x", "quantity": 1, "unitAmount": 1}])),
    );
    let got = described(&p["issues"]);
    let want = [
        "error SETTING_UNKNOWN@settings.kind: \"kind\" is not a setting this library knows, so it was not used.",
        "error SETTING_UNKNOWN@settings.tracking.categories[0].clinician: \"clinician\" is not a setting this library knows: did you mean \"clinicians\"?",
        "error SETTING_UNKNOWN@settings.contacts.onMisssing: \"onMisssing\" is not a setting this library knows: did you mean \"onMissing\"?",
    ];
    for w in want {
        assert!(got.iter().any(|g| g.starts_with(w)), "{w}\nnot in {got:#?}");
    }
    // Settings errors block every document: a typo must not export something else.
    assert_eq!(p["documents"][0]["blocked"], true);
}

#[test]
fn unknown_invoice_line_and_payer_keys_are_warnings_or_errors() {
    let inv = json!([{"id": "a", "number": "1", "date": "2024-01-15", "refrence": "r", "payer": {"contactId": KATHERINE, "emial": "x@y.z"},
        "lines": [{"description": "x", "quantity": 1, "unitAmount": 1, "service": "CONSULT"}]}]);
    let p = preview_text(r#"{"accounts": {"default": "200"}}"#, inv.clone());
    let got = described(&p["documents"][0]["issues"]);
    for w in [
        "warning FIELD_UNKNOWN@invoices[0].refrence: \"refrence\" is not a field this library knows: did you mean \"reference\"?",
        "warning FIELD_UNKNOWN@invoices[0].payer.emial: \"emial\" is not a field this library knows: did you mean \"email\"?",
        "warning FIELD_UNKNOWN@invoices[0].lines[0].service:",
    ] {
        assert!(got.iter().any(|g| g.starts_with(w)), "{w}\nnot in {got:#?}");
    }
    assert_eq!(p["documents"][0]["blocked"], false);
    let strict = preview_text(
        r#"{"accounts": {"default": "200"}, "unknownFields": "error"}"#,
        inv,
    );
    assert_eq!(strict["documents"][0]["blocked"], true);
    // Maps the host keys itself (tracking per line, custom template fields) are not checked.
    let ok = preview_text(
        r#"{"accounts": {"default": "200"}}"#,
        one(
            json!([{"description": "x", "quantity": 1, "unitAmount": 1, "tracking": {"Anything": "North"}}]),
        ),
    );
    assert!(!described(&ok["documents"][0]["issues"])
        .iter()
        .any(|g| g.contains("FIELD_UNKNOWN")));
}

/// Regression: serde's derived structs also read an array, field by field in declaration
/// order, so `["create"]` for `contacts` or an invoice written as an array was read as
/// something nobody wrote. A struct is an object; an array there is a value of the wrong type.
#[test]
fn an_array_where_an_object_belongs_is_refused_not_read_field_by_field() {
    let err = xero_export::Settings::read(r#"{"contacts": ["create"]}"#)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`settings.contacts`: invalid type: array, expected an object"),
        "{err}"
    );
    let err = xero_export::input::source::read_invoices(r#"[["a", "1", "ref"]]"#)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`invoices[0]`: invalid type: array, expected an object"),
        "{err}"
    );
    let err = xero_export::input::source::read_invoices(r#"[{"lines": [["a line", 1]]}]"#)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`invoices[0].lines[0]`: invalid type: array, expected an object"),
        "{err}"
    );
    let err = xero_export::input::source::read_invoices(r#"[{"payer": ["patient", "p-1"]}]"#)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("`invoices[0].payer`: invalid type: array"),
        "{err}"
    );
    // Arrays where arrays belong still read.
    assert_eq!(
        xero_export::input::source::read_invoices(r#"[{"lines": [{"quantity": 1}]}]"#)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_misspelt_due_date_field_is_refused_with_the_expected_names() {
    let err = xero_export::Settings::read(r#"{"dueDate": {"rule": "daysAfter", "dayz": 14}}"#)
        .err()
        .unwrap();
    // Still refused (`days` is required), now with the did-you-mean every setting gets.
    assert!(
        err.to_string()
            .contains("`settings.dueDate.dayz` is not a known key: did you mean \"days\"?"),
        "{err}"
    );
    assert!(
        xero_export::Settings::read(r#"{"dueDate": {"rule": "daysAfter", "days": 14}}"#).is_ok()
    );
    assert!(xero_export::Settings::read(
        r#"{"dueDate": {"rule": "paymentTerms", "fallbackDays": 20}}"#
    )
    .is_ok());
}

#[test]
fn dates_with_text_around_them_and_terms_past_9999_are_reported_once() {
    for (date, want) in [
        (" 2024-01-15", "DATE_INVALID@invoices[0].date"),
        ("2024-01-15\n", "DATE_INVALID@invoices[0].date"),
        ("2024-01-15T25:00:00", "DATE_INVALID@invoices[0].date"),
    ] {
        let inv = json!([{"id": "a", "number": "1", "date": date, "payer": {"contactId": KATHERINE}, "lines": [{"description": "x", "quantity": 1, "unitAmount": 1}]}]);
        let c = codes(&preview(sample_snapshot(), settings(), inv).documents[0].issues);
        assert_eq!(c, [want], "{date:?}");
    }
    let mut snap = sample_snapshot();
    snap["organisation"]["Organisations"][0]["PaymentTerms"] =
        json!({"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}});
    let inv = json!([{"id": "a", "number": "1", "date": "9999-12-31", "payer": {"contactId": KATHERINE}, "lines": [{"description": "x", "quantity": 1, "unitAmount": 1}]}]);
    let s = json!({"status": "AUTHORISED", "accounts": {"default": "200"}, "dueDate": {"rule": "paymentTerms"}});
    let c = codes(&preview(snap, s, inv).documents[0].issues);
    assert_eq!(
        c.iter()
            .filter(|x| x.starts_with("DUE_DATE_MISSING"))
            .count(),
        1,
        "{c:?}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_said_at_its_path() {
    for (settings, at) in [
        (r#"{"status": null}"#, "`settings.status`"),
        (r#"{"status": 5}"#, "`settings.status`"),
        (
            r#"{"dueDate": {"rule": "daysAfter", "days": "x"}}"#,
            "`settings.dueDate.days`",
        ),
        (
            r#"{"tracking": {"categories": [{"category": "A", "stale": {}}]}}"#,
            "`settings.tracking.categories[0].stale`",
        ),
    ] {
        let err = xero_export::Settings::read(settings).err().unwrap();
        let text = err.to_string();
        assert!(text.starts_with(at), "{settings}: {text}");
        assert!(!text.contains(" column "), "{settings}: {text}");
        assert!(
            err.is_data(),
            "{settings}: a shape error, not INVALID_JSON: {text}"
        );
    }
    let invoices = r#"[{"id": "a", "lines": []}, {"id": "b", "lines": [{"quantity": true}]}]"#;
    let err = xero_export::input::source::read_invoices(invoices)
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .starts_with("`invoices[1].lines[0].quantity`: "),
        "{err}"
    );
}

/// What `SourceLine`'s derived reading passes to `deserialize_struct`: its name and fields.
struct Probe<'a>(&'a mut Option<(&'static str, &'static [&'static str])>);

impl<'de> serde::Deserializer<'de> for Probe<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some((name, fields));
        Err(serde::de::Error::custom("probed"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
        identifier ignored_any
    }
}

/// A line is read onto the end of its invoice's lines, asked for with the names the derived
/// reading gives (the unknown-key watch suggests a misspelt key's name from them).
#[test]
fn lines_are_asked_for_with_the_derived_names() {
    use serde::Deserialize;
    let mut seen = None;
    let _ = xero_export::input::source::SourceLine::deserialize(Probe(&mut seen));
    assert_eq!(
        seen,
        Some(("SourceLine", xero_export::input::source::LINE_FIELDS))
    );
}

/// Regression: a whole number the caller sets was said in Rust's terms ("expected u32"), and a
/// JS `NaN` there (which the JS entry writes as `{"$nonFinite": "NaN"}`) as "invalid type: map":
/// neither says what the caller wrote nor what to write.
#[test]
fn whole_number_settings_say_what_was_wrong_in_the_callers_terms() {
    let cases = [
        (
            r#"{"unitdp": {"$nonFinite": "NaN"}}"#,
            "`settings.unitdp`: invalid value: NaN, expected a whole number",
        ),
        (
            r#"{"unitdp": 2.5}"#,
            "`settings.unitdp`: invalid value: 2.5, expected a whole number",
        ),
        (
            r#"{"unitdp": -1}"#,
            "`settings.unitdp`: invalid value: integer `-1`, expected a whole number, 0 or more",
        ),
        (
            r#"{"unitdp": "2"}"#,
            "`settings.unitdp`: invalid type: string \"2\", expected a whole number",
        ),
        (
            r#"{"unitdp": {"a": 1}}"#,
            "`settings.unitdp`: invalid type: object, expected a whole number",
        ),
        (
            r#"{"dueDate": {"rule": "daysAfter", "days": {"$nonFinite": "Infinity"}}}"#,
            "invalid value: Infinity, expected a whole number",
        ),
        (
            r#"{"tracking": {"optionNameLimit": 15.5}}"#,
            "`settings.tracking.optionNameLimit`: invalid value: 15.5, expected a whole number",
        ),
    ];
    for (settings, said) in cases {
        let Err(err) = xero_export::Settings::read(settings) else {
            panic!("{settings} was read");
        };
        let err = err.to_string();
        assert!(err.contains(said), "{settings}: {err}");
        assert!(
            !err.contains("u32") && !err.contains("usize") && !err.contains(" map"),
            "{err}"
        );
    }
    // Whole numbers and null still read.
    assert!(
        xero_export::Settings::read(r#"{"unitdp": 4, "tracking": {"optionNameLimit": null}}"#)
            .is_ok()
    );
    assert!(
        xero_export::Settings::read(r#"{"dueDate": {"rule": "daysAfter", "days": 14}}"#).is_ok()
    );
    assert!(xero_export::Settings::read(r#"{"tracking": {"optionNameLimit": 1e2}}"#).is_ok());
}

/// Regression: a JS float residue (`0.1 * 3 - 0.3`, as JSON.stringify writes it) as a discount
/// was "out of range: Xero accepts amounts up to 9,999,999,999.99", as if it were too large.
#[test]
fn a_float_residue_is_too_many_decimals_not_out_of_range() {
    let text = r#"[{"id": "a", "number": "1", "date": "2024-01-15", "payer": {"contactId": "5cc8cf28-567e-4d43-b287-687cfcaec47c"},
        "lines": [{"description": "x", "quantity": 1, "unitAmount": 10, "discountAmount": 5.551115123125783e-17}]}]"#;
    let p = preview(
        sample_snapshot(),
        settings(),
        serde_json::from_str(text).unwrap(),
    );
    let issues = &p.documents[0].issues;
    assert_eq!(
        codes(issues),
        ["TOO_MANY_DECIMALS@invoices[0].lines[0].discountAmount"]
    );
    assert!(
        issues[0].message.contains("at most 2"),
        "{}",
        issues[0].message
    );
}

/// Regression: a due date rule that lands past 9999-12-31 (`daysAfter` 3,000,000, or a term of
/// the following month from 9999-12-31) said to "set settings.dueDate", which was set, or that
/// "Xero needs a day between 1 and 31" for day 20. Each now says the date is past the last one.
#[test]
fn a_due_date_rule_past_9999_says_so() {
    let inv = |date: &str| json!([{"id": "a", "number": "1", "date": date, "payer": {"contactId": KATHERINE}, "lines": [{"description": "x", "quantity": 1, "unitAmount": 1}]}]);
    let mut snap = sample_snapshot();
    snap["organisation"]["Organisations"][0]["PaymentTerms"] =
        json!({"Sales": {"Day": 20, "Type": "OFFOLLOWINGMONTH"}});
    let mut no_terms = sample_snapshot();
    no_terms["organisation"]["Organisations"][0]
        .as_object_mut()
        .unwrap()
        .remove("PaymentTerms");
    for (snapshot, rule, date) in [
        (
            sample_snapshot(),
            json!({"rule": "daysAfter", "days": 3_000_000}),
            "2024-01-15",
        ),
        (
            no_terms,
            json!({"rule": "paymentTerms", "fallbackDays": 4_000_000}),
            "2024-01-15",
        ),
        (snap, json!({"rule": "paymentTerms"}), "9999-12-31"),
    ] {
        let s = json!({"status": "AUTHORISED", "accounts": {"default": "200"}, "dueDate": rule});
        let issues = preview(snapshot, s, inv(date)).documents[0].issues.clone();
        assert_eq!(
            codes(&issues),
            ["DUE_DATE_MISSING@invoices[0].dueDate"],
            "{rule}"
        );
        assert!(
            issues[0].message.contains("past 9999-12-31"),
            "{}",
            issues[0].message
        );
    }
}

/// Regression: `plan(…, {tenantid: 't'})` threw "missing field `tenantId`" and nothing of the
/// key written, since a field missing at the top had no path to hang the unknown keys on.
#[test]
fn a_misspelt_required_option_names_the_key_written() {
    let root = xero_export::issues::Path::root("options");
    let err = xero_export::input::unknown::read_json::<PlanOptions>(r#"{"tenantid": "t"}"#, &root)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("missing field `tenantId`"), "{err}");
    assert!(
        err.contains("`options.tenantid` is not a known key: did you mean \"tenantId\"?"),
        "{err}"
    );
    // Text that is not JSON stays a syntax error.
    let err = xero_export::input::unknown::read_json::<PlanOptions>(r#"{"tenantid": "t""#, &root)
        .err()
        .unwrap();
    assert!(err.is_eof() || err.is_syntax(), "{err}");
}

/// Regression: options misspelt by more than a third of their length (`bodys` for `bodies`,
/// `lineEnd` for `lineEnding`) got "check the spelling" and no did-you-mean. A key is a word
/// among a struct's few fields: a field it begins, or one two edits away, is suggested.
#[test]
fn misspelt_option_keys_get_a_did_you_mean() {
    let root = xero_export::issues::Path::root("options");
    let (_, found) =
        xero_export::input::unknown::read_json::<xero_export::preview::PreviewOptions>(
            r#"{"bodys": false, "lnes": true, "zzzzzz": 1}"#,
            &root,
        )
        .unwrap();
    let said: Vec<(String, Option<&str>)> = found
        .iter()
        .map(|f| (f.key.clone(), f.suggestion))
        .collect();
    assert_eq!(
        said,
        [
            ("bodys".to_owned(), Some("bodies")),
            ("lnes".to_owned(), Some("lines")),
            ("zzzzzz".to_owned(), None)
        ]
    );
    let (_, found) = xero_export::input::unknown::read_json::<
        xero_export::tracking_csv::ExportOptions,
    >(r#"{"lineEnd": "lf"}"#, &root)
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found[0].suggestion, Some("lineEnding"));
}

/// A snapshot of the wrong shape (the README's import loop collecting pages as arrays, a name
/// given as an object) was said as serde_json's "at line 1 column 15": a column of the text
/// `JSON.stringify` wrote, which the caller never saw. It is now said at the value's path.
#[test]
fn a_misshapen_snapshot_is_said_at_the_path_of_the_value() {
    use xero_export::input::json_path::misfit;
    let mut snapshot = sample_snapshot();
    let said = |snapshot: &Value| -> String {
        let text = snapshot.to_string();
        let e = serde_json::from_str::<xero_export::SnapshotInput>(&text).unwrap_err();
        misfit(&text, &e, "snapshot")
    };
    snapshot["contacts"]["Contacts"][1]["Name"] = json!({"first": "Ann"});
    assert_eq!(
        said(&snapshot),
        "`snapshot.contacts.Contacts[1].Name`: invalid type: object, expected a string"
    );
    snapshot = sample_snapshot();
    snapshot["trackingCategories"]["TrackingCategories"][0]["Options"] = json!("all");
    assert_eq!(
        said(&snapshot),
        "`snapshot.trackingCategories.TrackingCategories[0].Options`: invalid type: string \"all\", expected an array"
    );
    snapshot = sample_snapshot();
    let page = snapshot["contacts"].clone();
    snapshot["contacts"] = json!([page, [page["Contacts"][0]]]);
    let message = said(&snapshot);
    assert!(message.starts_with("`snapshot.contacts[1]"), "{message}");
}

/// `settings.dueDate` was read as serde's internally tagged enum, which buffers the object: a
/// wrong `days` was said at `settings.dueDate`, and a misspelt `dys` threw "unknown field" with
/// no did-you-mean, unlike every other setting. Each is now said at its own path.
#[test]
fn due_date_settings_are_said_at_their_own_keys() {
    use xero_export::input::settings::{DueDateRule, Settings};
    let read = |due: Value| -> Result<Settings, String> {
        Settings::read(&json!({ "dueDate": due }).to_string()).map_err(|e| e.to_string())
    };
    let err = read(json!({"rule": "daysAfter", "days": "x"})).unwrap_err();
    assert!(
        err.starts_with(
            "`settings.dueDate.days`: invalid type: string \"x\", expected a whole number"
        ),
        "{err}"
    );
    let err = read(json!({"rule": "daysAfter", "dys": 3})).unwrap_err();
    assert!(err.contains("missing field `days`"), "{err}");
    assert!(
        err.contains("`settings.dueDate.dys` is not a known key: did you mean \"days\"?"),
        "{err}"
    );
    let err = read(json!({"rule": "paymentTerms", "fallbakDays": 3})).map(|s| s.unknown_keys.len());
    assert_eq!(
        err,
        Ok(1),
        "a misspelt optional key is SETTING_UNKNOWN, as elsewhere"
    );
    let err = read(json!({"rule": "paymentTerms", "days": 3})).unwrap_err();
    assert!(
        err.starts_with("`settings.dueDate`: ") && err.contains("\"daysAfter\""),
        "{err}"
    );
    let err = read(json!({"days": 3})).unwrap_err();
    assert!(
        err.starts_with("`settings.dueDate`: missing field `rule`"),
        "{err}"
    );
    let ok = |due: Value| read(due).unwrap().due_date;
    assert_eq!(
        ok(json!({"rule": "daysAfter", "days": 14})),
        DueDateRule::DaysAfter { days: 14 }
    );
    assert_eq!(
        ok(json!({"rule": "paymentTerms"})),
        DueDateRule::PaymentTerms {
            fallback_days: None
        }
    );
    assert_eq!(
        ok(json!({"rule": "paymentTerms", "fallbackDays": 7})),
        DueDateRule::PaymentTerms {
            fallback_days: Some(7)
        }
    );
    assert_eq!(ok(json!({"rule": "none"})), DueDateRule::None);
}
