//! Tracking per line: precedence of sources in every order, IDs vs names, how names match,
//! stale-option policies, snapshot limits, and the check of Xero's response.
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
use xero_export::issues::Path;
use xero_export::resolve::tracking::{check_response, ReturnedDocument};

const SOURCES: [&str; 5] = ["line", "clinician", "location", "service", "client"];

/// Every source yields a different option of Location, so the winner tells which source won.
fn line_with_all_sources() -> Value {
    json!([{"id": "t", "date": "2024-01-15", "clientId": "c1", "payer": {"contactId": KATHERINE},
            "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00", "clinicianId": "dr", "locationId": "loc", "serviceCode": "svc", "tracking": {"Location": "North"}}]}])
}

fn location_settings(sources: &[&str]) -> Value {
    json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {
        "categories": [{"category": "Location", "sources": sources,
            "clinicians": {"dr": "South"}, "locations": {"loc": "Harbour"}, "services": {"svc": "Gone"}, "stale": "error"}],
        "clients": {"c1": {"Location": "nonexistent-but-first?"}}}})
}

fn permutations(items: &[&'static str]) -> Vec<Vec<&'static str>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for (i, first) in items.iter().enumerate() {
        let rest: Vec<_> = items
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, x)| *x)
            .collect();
        for mut p in permutations(&rest) {
            p.insert(0, first);
            out.push(p);
        }
    }
    out
}

#[test]
fn precedence_table_every_ordering_of_sources() {
    // Each source maps to a distinct value; which one lands (or which stale error is raised)
    // identifies the winner: line → North, clinician → South, location → Harbour (archived),
    // service → Gone (deleted), client → an unknown option.
    let expect = |winner: &str| match winner {
        "line" => Ok("North"),
        "clinician" => Ok("South"),
        "location" => Err("TRACKING_OPTION_ARCHIVED"),
        "service" => Err("TRACKING_OPTION_DELETED"),
        "client" => Err("TRACKING_OPTION_UNKNOWN"),
        _ => unreachable!(),
    };
    let orders = permutations(&SOURCES);
    assert_eq!(orders.len(), 120);
    for order in orders {
        let p = preview(
            sample_snapshot(),
            location_settings(&order),
            line_with_all_sources(),
        );
        let d = &p.documents[0];
        match expect(order[0]) {
            Ok(option) => {
                let t = &d.lines[0].tracking;
                assert_eq!(t.len(), 1, "{order:?}");
                assert_eq!(&*t[0].option, option, "{order:?}");
                assert_eq!(
                    serde_json::to_value(t[0].source).unwrap(),
                    json!(order[0]),
                    "{order:?}"
                );
            }
            Err(code) => {
                assert_eq!(d.issues.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), [code], "{order:?}: the first source wins even when stale; later sources are not consulted");
                assert!(d.blocked);
            }
        }
    }
}

#[test]
fn sources_that_yield_nothing_are_skipped() {
    // Only the last source in the order has a value: it wins. None has: no tracking, no issue.
    for (i, last) in SOURCES.iter().enumerate() {
        let mut inv = line_with_all_sources();
        for (j, s) in SOURCES.iter().enumerate() {
            if j != i {
                match *s {
                    "line" => inv[0]["lines"][0]["tracking"] = json!({}),
                    "clinician" => inv[0]["lines"][0]["clinicianId"] = json!("unmapped"),
                    "location" => inv[0]["lines"][0]["locationId"] = Value::Null,
                    "service" => inv[0]["lines"][0]["serviceCode"] = Value::Null,
                    _ => inv[0]["clientId"] = json!("no-such-client"),
                }
            }
        }
        let p = preview(sample_snapshot(), location_settings(&SOURCES), inv.clone());
        let d = &p.documents[0];
        // The one source with a value decides: line and clinician map to active options, the
        // others to stale ones (policy error), which proves they were the ones consulted.
        let got: Vec<String> = d.lines[0]
            .tracking
            .iter()
            .map(|t| {
                format!(
                    "{}<-{}",
                    t.option,
                    serde_json::to_value(t.source).unwrap().as_str().unwrap()
                )
            })
            .chain(d.issues.iter().map(|i| i.code.as_str()))
            .collect();
        let want = match *last {
            "line" => "North<-line",
            "clinician" => "South<-clinician",
            "location" => "TRACKING_OPTION_ARCHIVED",
            "service" => "TRACKING_OPTION_DELETED",
            _ => "TRACKING_OPTION_UNKNOWN",
        };
        assert_eq!(got, [want], "{last}");
    }
    let p = preview(
        sample_snapshot(),
        location_settings(&[]),
        line_with_all_sources(),
    );
    assert!(p.documents[0].lines[0].tracking.is_empty() && p.documents[0].issues.is_empty());
}

#[test]
fn ids_and_names_and_how_names_match() {
    let settings = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [
        {"category": "0c9fce3e-a111-4d99-803a-62cf3f40e633", "sources": ["line"], "stale": "error"},
        {"category": "clinician", "sources": ["line"], "stale": "error"}]}});
    // Category by ID in settings, by name (any case) in the override; option by ID and by name
    // with other case and extra spaces: all resolve to Xero's spelling with both IDs.
    let inv = invoice_with_line(
        json!({"tracking": {"location": "4b2f8c0d-0000-4000-8000-00000000a002", " CLINICIAN ": "  dr   aroha smith "}}),
    );
    let p = preview(sample_snapshot(), settings.clone(), inv);
    let d = &p.documents[0];
    assert!(d.issues.is_empty(), "{:?}", d.issues);
    let t: Vec<(&str, &str, &str)> = d.lines[0]
        .tracking
        .iter()
        .map(|t| (&*t.category, &*t.option, t.option_id.as_deref().unwrap()))
        .collect();
    assert_eq!(
        t,
        [
            ("Location", "South", "4b2f8c0d-0000-4000-8000-00000000a002"),
            (
                "Clinician",
                "Dr Aroha Smith",
                "3a1e7b9c-0000-4000-8000-00000000c001"
            )
        ]
    );
    let body = d.body.as_deref().unwrap();
    assert!(body.contains(r#"{"TrackingCategoryID":"0c9fce3e-a111-4d99-803a-62cf3f40e633","Name":"Location","Option":"South","TrackingOptionID":"4b2f8c0d-0000-4000-8000-00000000a002"}"#), "{body}");
    // Accents and punctuation are significant: no silent near-match.
    let p = preview(
        sample_snapshot(),
        settings,
        invoice_with_line(json!({"tracking": {"Location": "Nörth"}})),
    );
    assert_eq!(
        codes(&p.documents[0].issues),
        ["TRACKING_OPTION_UNKNOWN@invoices[0].lines[0].tracking.Location"]
    );
    // ...but the option it nearly names is suggested (a clinic's "Orakei" for Xero's "Ōrākei"
    // had no hint), and an option that is not there at all says it may be a new one.
    let message = &p.documents[0].issues[0].message;
    assert!(message.contains("did you mean \"North\""), "{message}");
    let p = preview(
        sample_snapshot(),
        json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}}),
        invoice_with_line(json!({"tracking": {"Location": "Mars"}})),
    );
    let message = &p.documents[0].issues[0].message;
    assert!(!message.contains("did you mean"), "{message}");
    assert!(message.contains("add it in Xero"), "{message}");
}

#[test]
fn clinic_scenario_under_each_stale_policy() {
    // Clinician + location on every line; one clinician without an option; one location whose
    // option was archived.
    let inv = json!([{"id": "a", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [
        {"description": "Consult", "quantity": 1, "unitAmount": "80.00", "clinicianId": "dr-1", "locationId": "north"},
        {"description": "Consult", "quantity": 1, "unitAmount": "80.00", "clinicianId": "dr-unmapped", "locationId": "harbour"}]}]);
    let settings = |policy: &str| {
        json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [
        {"category": "Clinician", "sources": ["clinician"], "clinicians": {"dr-1": "Dr Aroha Smith"}, "stale": policy, "fallback": "General"},
        {"category": "Location", "sources": ["location"], "locations": {"north": "North", "harbour": "Harbour"}, "stale": policy, "fallback": "North"}]}})
    };
    let options = |d: &xero_export::DocumentPreview, line: usize| {
        d.lines[line]
            .tracking
            .iter()
            .map(|t| {
                format!(
                    "{}={}:{}",
                    t.category,
                    t.option,
                    serde_json::to_value(t.source).unwrap().as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };

    let p = preview(sample_snapshot(), settings("ignore"), inv.clone());
    let d = &p.documents[0];
    assert!(!d.blocked);
    assert_eq!(
        options(d, 0),
        [
            "Clinician=Dr Aroha Smith:clinician",
            "Location=North:location"
        ]
    );
    assert!(
        options(d, 1).is_empty(),
        "unmapped clinician: nothing; archived location: dropped"
    );
    assert_eq!(
        codes(&d.issues),
        ["TRACKING_OPTION_ARCHIVED@invoices[0].lines[1].tracking.Location"]
    );
    assert!(!d.issues[0].is_error());

    let p = preview(sample_snapshot(), settings("error"), inv.clone());
    let d = &p.documents[0];
    assert!(d.blocked);
    assert_eq!(
        codes(&d.issues),
        ["TRACKING_OPTION_ARCHIVED@invoices[0].lines[1].tracking.Location"]
    );
    assert!(d.issues[0].is_error());

    let p = preview(sample_snapshot(), settings("fallback"), inv);
    let d = &p.documents[0];
    assert!(!d.blocked);
    assert_eq!(options(d, 1), ["Location=North:fallback"]);
    assert_eq!(d.lines[1].tracking[0].replaced.as_deref(), Some("Harbour"));
    assert_eq!(
        codes(&d.issues),
        ["TRACKING_FALLBACK_USED@invoices[0].lines[1].tracking.Location"]
    );
}

#[test]
fn required_categories_and_line_limits() {
    let settings = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [{"category": "Location", "sources": ["location"], "required": true}]}});
    let p = preview(
        sample_snapshot(),
        settings,
        invoice_with_line(json!({"tracking": {"Clinician": "Dr Ben Lee", "Region (old)": "East"}})),
    );
    let got = codes(&p.documents[0].issues);
    assert!(
        got.contains(&"TRACKING_REQUIRED@invoices[0].lines[0].tracking.Location".to_owned()),
        "{got:?}"
    );
    assert!(
        got.contains(
            &"TRACKING_CATEGORY_INACTIVE@invoices[0].lines[0].tracking.Region (old)".to_owned()
        ),
        "{got:?}"
    );
}

#[test]
fn response_check_reports_a_pair_xero_dropped() {
    let p = preview(
        sample_snapshot(),
        json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}}),
        invoice_with_line(json!({"tracking": {"Location": "North", "Clinician": "Dr Ben Lee"}})),
    );
    let sent = &p.documents[0].sent_tracking;
    assert_eq!(sent[0].len(), 2);
    // Xero kept Location (matched by ID) and silently dropped Clinician.
    let returned: ReturnedDocument = serde_json::from_value(json!({"LineItems": [{"Tracking": [
        {"Name": "Location", "Option": "North", "TrackingCategoryID": "0c9fce3e-a111-4d99-803a-62cf3f40e633", "TrackingOptionID": "4b2f8c0d-0000-4000-8000-00000000a001"}]}]})).unwrap();
    let issues = check_response(sent, &returned, &Path::root("invoices").index(0));
    assert_eq!(
        codes(&issues),
        ["TRACKING_DROPPED_BY_XERO@invoices[0].lines[0].tracking.Clinician"]
    );
    // Everything kept → nothing reported (names compared as Xero compares them).
    let returned: ReturnedDocument = serde_json::from_value(json!({"LineItems": [{"Tracking": [{"Name": "location", "Option": "NORTH"}, {"Name": "Clinician", "Option": "Dr Ben Lee"}]}]})).unwrap();
    assert!(check_response(sent, &returned, &Path::root("invoices").index(0)).is_empty());
}

#[test]
fn snapshot_limits() {
    let mut s = sample_snapshot();
    s["trackingCategories"]["TrackingCategories"][2]["Status"] = json!("ACTIVE");
    assert_eq!(
        codes(exporter(s, json!({})).issues()),
        ["TRACKING_CATEGORY_LIMIT@snapshot.trackingCategories"]
    );
    let mut s = sample_snapshot();
    let cats = s["trackingCategories"]["TrackingCategories"]
        .as_array_mut()
        .unwrap();
    for n in 0..2 {
        cats.push(json!({"Name": format!("Old {n}"), "Status": "ARCHIVED", "Options": []}));
    }
    assert_eq!(
        codes(exporter(s, json!({})).issues()),
        ["TRACKING_CATEGORY_LIMIT@snapshot.trackingCategories"],
        "5 categories in all"
    );
    let mut s = sample_snapshot();
    s["trackingCategories"]["TrackingCategories"][1]["Options"][0]["Name"] = json!("N".repeat(60));
    assert_eq!(
        codes(exporter(s.clone(), json!({})).issues()),
        ["TOO_LONG@snapshot.trackingCategories[1].Options[0].Name"]
    );
    assert!(exporter(s, json!({"tracking": {"optionNameLimit": 100}}))
        .issues()
        .is_empty());
}

#[test]
fn thousands_of_mapped_clients_resolve_past_the_prepared_ones() {
    // The exporter looks up a bounded number of mapped options in advance; the rest are looked
    // up when met. Both give the same answers, in any order of the clients.
    let mut clients = serde_json::Map::new();
    for i in 0..2500 {
        let option = ["North", "South", "Gone"][i % 3];
        clients.insert(format!("c{i:04}"), json!({"Location": option}));
    }
    let settings = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {
        "categories": [{"category": "Location", "sources": ["client"], "stale": "error"}],
        "clients": clients}});
    let invoices: Vec<Value> = [0, 1, 2, 1999, 2497, 2498, 2499]
        .iter()
        .map(|i| json!({"id": format!("i{i}"), "date": "2024-01-15", "clientId": format!("c{i:04}"), "payer": {"contactId": KATHERINE},
                        "lines": [{"description": "x", "quantity": 1, "unitAmount": "10.00"}]}))
        .collect();
    let p = preview(sample_snapshot(), settings, Value::Array(invoices));
    let got: Vec<String> = p
        .documents
        .iter()
        .map(|d| match d.lines[0].tracking.first() {
            Some(t) => t.option.to_string(),
            None => d
                .issues
                .iter()
                .map(|i| i.code.as_str())
                .collect::<Vec<_>>()
                .join(","),
        })
        .collect();
    assert_eq!(
        got,
        // i % 3: 0 → North, 1 → South, 2 → Gone (deleted in the snapshot).
        [
            "North",
            "South",
            "TRACKING_OPTION_DELETED",
            "South",
            "South",
            "TRACKING_OPTION_DELETED",
            "North"
        ]
    );
}

/// A stale option repeated on many lines (the resolver says its issue once and repeats it):
/// each line gets its own path and severity, and the message is the one a batch holding that
/// line alone gets, whichever source gave the option and under either policy that says it.
#[test]
fn a_repeated_stale_option_is_reported_on_every_line_alike() {
    let line = |loc: &str| json!({"description": "Consult", "quantity": 1, "unitAmount": "80.00", "locationId": loc, "tracking": {"Location": "Harbour"}});
    let inv = |id: &str, lines: Vec<Value>| json!({"id": id, "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": lines});
    for policy in ["ignore", "error"] {
        let settings = |sources: &[&str]| {
            json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [
            {"category": "Location", "sources": sources, "locations": {"harbour": "Harbour"}, "stale": policy}]}})
        };
        for sources in [&["location"][..], &["line"][..]] {
            let batch = json!([
                inv("a", vec![line("harbour"), line("harbour")]),
                inv("b", vec![line("harbour")])
            ]);
            let p = preview(sample_snapshot(), settings(sources), batch);
            let alone = preview(
                sample_snapshot(),
                settings(sources),
                json!([inv("c", vec![line("harbour")])]),
            );
            let expected = &alone.documents[0].issues[0];
            let mut paths = Vec::new();
            for d in &p.documents {
                for i in &d.issues {
                    assert_eq!(
                        (i.code, i.severity, &i.message),
                        (expected.code, expected.severity, &expected.message),
                        "{policy} {sources:?}"
                    );
                    paths.push(i.path.clone());
                }
            }
            assert_eq!(
                paths,
                [
                    "invoices[0].lines[0].tracking.Location",
                    "invoices[0].lines[1].tracking.Location",
                    "invoices[1].lines[0].tracking.Location"
                ],
                "{policy} {sources:?}"
            );
        }
    }
}

/// The same stale option from two sources in one batch: each line's message names its source.
#[test]
fn a_repeated_stale_option_names_the_source_of_each_line() {
    let settings = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [
        {"category": "Location", "sources": ["line", "location"], "locations": {"harbour": "Harbour"}}]}});
    let by_location = json!({"description": "Consult", "quantity": 1, "unitAmount": "80.00", "locationId": "harbour"});
    let by_line = json!({"description": "Consult", "quantity": 1, "unitAmount": "80.00", "tracking": {"Location": "Harbour"}});
    let batch = json!([{"id": "a", "date": "2024-01-15", "payer": {"contactId": KATHERINE},
        "lines": [by_location.clone(), by_line.clone(), by_location, by_line]}]);
    let p = preview(sample_snapshot(), settings, batch);
    let messages: Vec<&str> = p.documents[0]
        .issues
        .iter()
        .map(|i| i.message.as_str())
        .collect();
    assert_eq!(messages.len(), 4);
    assert!(
        messages[0].contains("(from the location mapping)")
            && messages[1].contains("(from the line's tracking override)"),
        "{messages:?}"
    );
    assert_eq!((messages[2], messages[3]), (messages[0], messages[1]));
}

/// Regression: a `required` category under `stale: "ignore"` dropped an archived option and
/// exported the document without the category, which `required` forbids. Required wins: the
/// stale option blocks the document (an error of the stale code, saying both settings), as a
/// line with no option at all does.
#[test]
fn a_required_category_is_not_dropped_by_the_ignore_policy() {
    let inv = json!([{"id": "a", "date": "2024-01-15", "payer": {"contactId": KATHERINE}, "lines": [
        {"description": "Consult", "quantity": 1, "unitAmount": "80.00", "locationId": "harbour"},
        {"description": "Consult", "quantity": 1, "unitAmount": "80.00", "locationId": "harbour"}]}]);
    for required in [true, false] {
        let settings = json!({"taxes": {"default": "OUTPUT2"}, "accounts": {"default": "200"}, "tracking": {"categories": [
            {"category": "Location", "sources": ["location"], "locations": {"harbour": "Harbour"}, "stale": "ignore", "required": required}]}});
        let p = preview(sample_snapshot(), settings, inv.clone());
        let d = &p.documents[0];
        assert_eq!(d.blocked, required);
        assert_eq!(
            codes(&d.issues),
            [
                "TRACKING_OPTION_ARCHIVED@invoices[0].lines[0].tracking.Location",
                "TRACKING_OPTION_ARCHIVED@invoices[0].lines[1].tracking.Location"
            ]
        );
        for issue in &d.issues {
            assert_eq!(issue.is_error(), required, "{}", issue.message);
            assert_eq!(
                issue.message.contains("required"),
                required,
                "{}",
                issue.message
            );
        }
    }
}
