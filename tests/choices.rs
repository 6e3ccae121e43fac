//! The configuration screen (issue 22): choices per account class and invoice kind, tracking
//! numbering with 1 to 4 categories, the stale-mapping table, contact search ranking and
//! normalisation.
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
use xero_export::choices::search::{search_contacts, SearchMatch};
use xero_export::choices::stale::{stale_mappings, StaleReason, SuggestionKind};
use xero_export::choices::{choices, Choices, NotOfferedReason};
use xero_export::{Settings, Snapshot, SnapshotInput};

fn snapshot(v: Value) -> Snapshot {
    Snapshot::new(serde_json::from_value::<SnapshotInput>(v).unwrap())
}

fn codes<'c>(
    list: impl IntoIterator<Item = &'c xero_export::choices::AccountChoice>,
) -> Vec<String> {
    list.into_iter().map(|a| a.code.to_string()).collect()
}

fn not_offered(c: &Choices, list: &str) -> Vec<(String, NotOfferedReason)> {
    c.not_offered
        .iter()
        .filter(|n| n.list == list)
        .map(|n| (n.name.clone(), n.reason))
        .collect()
}

#[test]
fn choices_of_the_sample_snapshot() {
    let c = choices(&snapshot(sample_snapshot()));
    assert_eq!(codes(&c.sales_accounts), ["200", "210"]);
    assert_eq!(codes(&c.purchase_accounts), ["310", "463"]);
    assert_eq!(c.sales_accounts[0].class, "revenue");
    assert_eq!(c.sales_accounts[0].tax_type.as_deref(), Some("OUTPUT2"));
    assert_eq!(
        not_offered(&c, "accounts"),
        [
            ("260".into(), NotOfferedReason::Archived),
            ("091".into(), NotOfferedReason::BankAccount)
        ]
    );
    assert!(
        not_offered(&c, "salesAccounts").contains(&("463".into(), NotOfferedReason::WrongClass))
    );
    let tt = |l: &[xero_export::choices::TaxRateChoice]| {
        l.iter()
            .map(|t| format!("{} {}", t.tax_type, t.effective_rate))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        tt(&c.tax_rates.revenue),
        ["OUTPUT2 15", "NONE 0", "ZERORATED 0"]
    );
    assert_eq!(
        tt(&c.tax_rates.expense),
        ["INPUT2 15", "NONE 0", "ZERORATED 0"]
    );
    assert_eq!(
        not_offered(&c, "taxRates"),
        [("TAX001".into(), NotOfferedReason::Archived)]
    );
    assert!(not_offered(&c, "taxRates.revenue")
        .contains(&("INPUT2".into(), NotOfferedReason::NotAllowedForClass)));
    // Tracking: Clinician 1, Location 2, ACTIVE options only; the archived category and the
    // archived / deleted options are listed with their reason.
    let t: Vec<(u8, String, Vec<String>)> = c
        .tracking
        .iter()
        .map(|t| {
            (
                t.number,
                t.name.clone().unwrap(),
                t.options.iter().map(|o| o.name.clone().unwrap()).collect(),
            )
        })
        .collect();
    assert_eq!(
        t,
        [
            (
                1,
                "Clinician".into(),
                vec![
                    "Dr Aroha Smith".into(),
                    "Dr Ben Lee".into(),
                    "General".into()
                ]
            ),
            (2, "Location".into(), vec!["North".into(), "South".into()])
        ]
    );
    assert_eq!(
        not_offered(&c, "tracking"),
        [("Region (old)".into(), NotOfferedReason::Archived)]
    );
    assert_eq!(
        not_offered(&c, "tracking[1].options"),
        [
            ("Harbour".into(), NotOfferedReason::Archived),
            ("Gone".into(), NotOfferedReason::Deleted)
        ]
    );
    assert_eq!(c.base_currency.as_deref(), Some("NZD"));
    assert_eq!(c.currencies, ["AUD", "NZD"]);
    assert_eq!(c.payment_terms.sales.as_ref().unwrap().day, Some(20));
    assert_eq!(
        c.payment_terms.bills.as_ref().unwrap().kind.as_deref(),
        Some("DAYSAFTERBILLDATE")
    );
    assert_eq!(c.items.len(), 2);
    assert_eq!(c.items[0].sales_account.as_deref(), Some("210"));
    // Deterministic: the same snapshot gives the same bytes.
    let again = choices(&snapshot(sample_snapshot()));
    assert_eq!(
        serde_json::to_string(&c).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
}

#[test]
fn choices_of_the_openapi_example_bodies() {
    let f =
        |n: &str| serde_json::from_str::<Value>(&fixture(&format!("openapi/{n}.json"))).unwrap();
    let s = snapshot(json!({
        "accounts": f("accounts"), "taxRates": f("tax-rates"), "trackingCategories": f("tracking-categories"),
        "items": f("items"), "currencies": f("currencies"), "organisation": f("organisation"),
    }));
    let c = choices(&s);
    // The spec's accounts have no Status or Class: ACTIVE, class from Type.
    assert_eq!(codes(&c.sales_accounts), ["200"]);
    assert!(c.purchase_accounts.is_empty());
    assert_eq!(
        not_offered(&c, "accounts"),
        [("091".into(), NotOfferedReason::BankAccount)]
    );
    let revenue: Vec<&str> = c
        .tax_rates
        .revenue
        .iter()
        .map(|t| t.tax_type.as_str())
        .collect();
    assert_eq!(revenue, ["OUTPUT2", "NONE", "ZERORATED"]);
    let expense: Vec<&str> = c
        .tax_rates
        .expense
        .iter()
        .map(|t| t.tax_type.as_str())
        .collect();
    assert_eq!(expense, ["INPUT2", "NONE"]);
    let names: Vec<&str> = c
        .tracking
        .iter()
        .map(|t| t.name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["BarFoo", "HelloWorld"]);
    assert_eq!(c.items.len(), 2);
}

/// Tracking numbering with 1, 2, 3 and 4 categories, some archived: the CSV template's.
#[test]
fn tracking_numbering_with_one_to_four_categories() {
    let cat = |name: &str, status: &str, options: Value| json!({"TrackingCategoryID": format!("id-{name}"), "Name": name, "Status": status, "Options": options});
    let opts = json!([{"TrackingOptionID": "o1", "Name": "A", "Status": "ACTIVE"}]);
    type Case<'a> = (Value, Vec<(u8, &'a str)>, Vec<(&'a str, NotOfferedReason)>);
    let cases: Vec<Case> = vec![
        (
            json!([cat("One", "ACTIVE", opts.clone())]),
            vec![(1, "One")],
            vec![],
        ),
        (
            json!([
                cat("Old", "ARCHIVED", opts.clone()),
                cat("One", "ACTIVE", opts.clone())
            ]),
            vec![(1, "One")],
            vec![("Old", NotOfferedReason::Archived)],
        ),
        (
            json!([
                cat("One", "ACTIVE", opts.clone()),
                cat("Old", "ARCHIVED", opts.clone()),
                cat("Two", "ACTIVE", json!([]))
            ]),
            vec![(1, "One"), (2, "Two")],
            vec![("Old", NotOfferedReason::Archived)],
        ),
        (
            json!([
                cat("One", "ACTIVE", opts.clone()),
                cat("Two", "ACTIVE", opts.clone()),
                cat("Three", "ACTIVE", opts.clone()),
                cat("Gone", "DELETED", opts.clone())
            ]),
            vec![(1, "One"), (2, "Two")],
            vec![
                ("Three", NotOfferedReason::ThirdActiveCategory),
                ("Gone", NotOfferedReason::Deleted),
            ],
        ),
    ];
    for (cats, want, left) in cases {
        let s = snapshot(json!({"trackingCategories": cats}));
        let c = choices(&s);
        let got: Vec<(u8, &str)> = c
            .tracking
            .iter()
            .map(|t| (t.number, t.name.as_deref().unwrap()))
            .collect();
        assert_eq!(got, want, "{cats}");
        let got_left: Vec<(&str, NotOfferedReason)> = c
            .not_offered
            .iter()
            .filter(|n| n.list == "tracking")
            .map(|n| (n.name.as_str(), n.reason))
            .collect();
        assert_eq!(got_left, left, "{cats}");
    }
    // A numbered category without ACTIVE options is offered (it keeps its number), empty, and
    // listed as "no options yet".
    let s = snapshot(
        json!({"trackingCategories": [cat("One", "ACTIVE", opts.clone()), cat("Two", "ACTIVE", json!([{"Name": "X", "Status": "ARCHIVED"}]))]}),
    );
    let c = choices(&s);
    assert!(c.tracking[1].options.is_empty());
    assert!(not_offered(&c, "tracking[1].options")
        .contains(&("Two".into(), NotOfferedReason::NoActiveOptions)));
}

fn settings(v: Value) -> Settings {
    Settings::read(&v.to_string()).unwrap()
}

/// The sample snapshot after the bookkeeper's changes in Xero: option "North" archived,
/// "Dr Ben Lee" renamed "Dr Benjamin Lee", account 210 renamed, 463 archived, OUTPUT2 no longer
/// on revenue, the Location category renamed "Site", contact Sam Jones archived.
fn changed_snapshot() -> Value {
    let mut s = sample_snapshot();
    let cats = s["trackingCategories"]["TrackingCategories"]
        .as_array_mut()
        .unwrap();
    for o in cats[0]["Options"].as_array_mut().unwrap() {
        if o["Name"] == "Dr Ben Lee" {
            o["Name"] = json!("Dr Benjamin Lee");
        }
    }
    cats[1]["Name"] = json!("Site");
    for o in cats[1]["Options"].as_array_mut().unwrap() {
        if o["Name"] == "North" {
            o["Status"] = json!("ARCHIVED");
        }
    }
    for a in s["accounts"]["Accounts"].as_array_mut().unwrap() {
        if a["Code"] == "210" {
            a["Name"] = json!("Consultation Fees");
        }
        if a["Code"] == "463" {
            a["Status"] = json!("ARCHIVED");
        }
    }
    for t in s["taxRates"]["TaxRates"].as_array_mut().unwrap() {
        if t["TaxType"] == "ZERORATED" {
            t["CanApplyToRevenue"] = json!(false);
        }
    }
    for c in s["contacts"]["Contacts"].as_array_mut().unwrap() {
        if c["Name"] == "Sam Jones" {
            c["ContactStatus"] = json!("ARCHIVED");
        }
    }
    s
}

fn contact_id(name: &str) -> String {
    let s = sample_snapshot();
    s["contacts"]["Contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["Name"] == name)
        .unwrap()["ContactID"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Every reason → path, code, suggestion.
#[test]
fn stale_mapping_table() {
    let location_id = sample_snapshot()["trackingCategories"]["TrackingCategories"][1]
        ["TrackingCategoryID"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = settings(json!({
        "accounts": {"default": "200", "byService": {"consult": "210", "old": "260", "gone": "999", "bank": "091", "cogs": "310"}},
        "taxes": {"default": "OUTPUT2", "byCode": {"zero": "ZERORATED", "old": "TAX001", "nope": "OUTPUT9", "in": "INPUT2"}},
        "contacts": {"mapping": {"patient:1": contact_id("Sam Jones"), "patient:2": contact_id("Katherine Warren"), "patient:3": "00000000-0000-0000-0000-000000000000"}},
        "tracking": {"categories": [
            {"category": "Clinician", "sources": ["clinician"], "clinicians": {"c1": "Dr Ben Lee", "c2": "Dr Aroha Smith", "c3": "Dr Old Locum", "c4": "Dr Aroha Smyth", "c5": "Nobody At All"}},
            {"category": location_id, "sources": ["location"], "locations": {"l1": "North", "l2": "Gone", "l3": "South"}},
            {"category": "Location", "sources": ["location"]},
            {"category": "Region (old)", "sources": ["location"]}
        ]}
    }));
    let fresh = snapshot(changed_snapshot());
    let before = snapshot(sample_snapshot());
    let report = stale_mappings(&s, &fresh, Some(&before));
    let rows: Vec<String> = report
        .iter()
        .map(|m| {
            format!(
                "{:?} {}@{} {:?} {:?}{}",
                m.severity,
                serde_json::to_value(m.code).unwrap().as_str().unwrap(),
                m.path,
                m.reason,
                m.suggestion.kind,
                m.suggestion
                    .value
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let want = [
        "Error ACCOUNT_CLASS_MISMATCH@settings.accounts.byService[\"bank\"] BankAccount ChooseAnother".to_owned(),
        "Error ACCOUNT_CLASS_MISMATCH@settings.accounts.byService[\"cogs\"] WrongClass ChooseAnother".into(),
        "Warning MAPPING_NAME_CHANGED@settings.accounts.byService[\"consult\"] DisplayNameChanged Keep".into(),
        "Error ACCOUNT_UNKNOWN@settings.accounts.byService[\"gone\"] Unknown ChooseAnother".into(),
        "Error ACCOUNT_ARCHIVED@settings.accounts.byService[\"old\"] Archived ChooseAnother".into(),
        "Error TAX_TYPE_INACTIVE@settings.taxes.byCode[\"old\"] Archived ChooseAnother".into(),
        "Error TAX_TYPE_UNKNOWN@settings.taxes.byCode[\"nope\"] Unknown CloseName OUTPUT2".into(),
        "Error TAX_TYPE_NOT_ALLOWED@settings.taxes.byCode[\"zero\"] NotAllowedForClass ChooseAnother".into(),
        "Error TAX_TYPE_NOT_ALLOWED@settings.taxes.byCode[\"in\"] NotAllowedForClass ChooseAnother".into(),
        "Error CONTACT_ARCHIVED@settings.contacts.mapping[\"patient:1\"] Archived ChooseAnother".into(),
        "Error CONTACT_NOT_FOUND@settings.contacts.mapping[\"patient:3\"] Unknown ChooseAnother".into(),
        "Error TRACKING_OPTION_UNKNOWN@settings.tracking.categories[0].clinicians[\"c1\"] Unknown Renamed Dr Benjamin Lee".into(),
        "Error TRACKING_OPTION_ARCHIVED@settings.tracking.categories[0].clinicians[\"c3\"] Archived ChooseAnother".into(),
        "Error TRACKING_OPTION_UNKNOWN@settings.tracking.categories[0].clinicians[\"c4\"] Unknown CloseName Dr Aroha Smith".into(),
        "Error TRACKING_OPTION_UNKNOWN@settings.tracking.categories[0].clinicians[\"c5\"] Unknown ChooseAnother".into(),
        "Warning MAPPING_NAME_CHANGED@settings.tracking.categories[1].category DisplayNameChanged Keep".into(),
        "Error TRACKING_OPTION_ARCHIVED@settings.tracking.categories[1].locations[\"l1\"] Archived ChooseAnother".into(),
        "Error TRACKING_OPTION_DELETED@settings.tracking.categories[1].locations[\"l2\"] Deleted ChooseAnother".into(),
        "Error TRACKING_CATEGORY_UNKNOWN@settings.tracking.categories[2].category Unknown Renamed Site".into(),
        "Error TRACKING_CATEGORY_INACTIVE@settings.tracking.categories[3].category Archived ChooseAnother".into(),
    ];
    let mut got_sorted = rows.clone();
    got_sorted.sort();
    let mut want_sorted = want.to_vec();
    want_sorted.sort();
    assert_eq!(got_sorted, want_sorted, "\n{}", rows.join("\n"));
    for m in &report {
        assert!(!m.message.is_empty());
    }
    // Without the previous snapshot: renames cannot be told from deletions, so the renamed
    // option gets the closest name instead, and nothing is reported as "name changed".
    let alone = stale_mappings(&s, &fresh, None);
    assert!(alone
        .iter()
        .all(|m| m.reason != StaleReason::DisplayNameChanged));
    let c1 = alone.iter().find(|m| m.path.ends_with("[\"c1\"]")).unwrap();
    assert_ne!(c1.suggestion.kind, SuggestionKind::Renamed);
    // Settings that all resolve give an empty report.
    let ok = settings(json!({"accounts": {"default": "200"}, "taxes": {"default": "OUTPUT2"}}));
    assert!(stale_mappings(&ok, &before, Some(&before)).is_empty());
}

#[test]
fn stale_mappings_of_bills() {
    let s = settings(
        json!({"invoiceType": "ACCPAY", "accounts": {"default": "200", "byService": {"x": "463"}}, "taxes": {"default": "INPUT2"}}),
    );
    let report = stale_mappings(&s, &snapshot(sample_snapshot()), None);
    let got: Vec<(&str, StaleReason, Option<&str>)> = report
        .iter()
        .map(|m| (m.path.as_str(), m.reason, m.suggestion.value.as_deref()))
        .collect();
    assert_eq!(
        got,
        [("settings.accounts.default", StaleReason::WrongClass, None)]
    );
}

fn names(hits: &[xero_export::choices::search::ContactHit]) -> Vec<String> {
    hits.iter()
        .map(|h| {
            format!(
                "{}:{:?}{}",
                h.name.as_deref().unwrap_or(""),
                h.matched,
                if h.archived { " archived" } else { "" }
            )
        })
        .collect()
}

#[test]
fn contact_search_ranking_and_normalisation() {
    let mut snap = sample_snapshot();
    snap["contacts"]["Contacts"].as_array_mut().unwrap().extend([
        json!({"ContactID": "c-jose", "Name": "José Smith", "ContactStatus": "ACTIVE"}),
        json!({"ContactID": "c-kat2", "Name": "Kathy Warrender", "ContactStatus": "ACTIVE", "EmailAddress": "kw@example.com"}),
    ]);
    let s = snapshot(snap);
    // Case and spaces do not matter; the exact name first, then prefixes, words, contents.
    assert_eq!(
        names(&search_contacts(&s, "  KATHERINE   warren ", 10)),
        ["Katherine Warren:Exact"]
    );
    assert_eq!(
        names(&search_contacts(&s, "kath", 10)),
        ["Katherine Warren:NamePrefix", "Kathy Warrender:NamePrefix"]
    );
    assert_eq!(
        names(&search_contacts(&s, "warren", 10)),
        ["Katherine Warren:WordPrefix", "Kathy Warrender:WordPrefix"]
    );
    // By contact number, account number and email, exactly as the export matches.
    assert_eq!(
        names(&search_contacts(&s, "p-100", 10)),
        ["Katherine Warren:Exact"]
    );
    assert_eq!(
        names(&search_contacts(&s, "KAT.WARREN@clampett.com", 10)),
        ["Katherine Warren:Exact"]
    );
    // Accents are significant: "Jose" finds "José" only as a near miss, flagged, after the
    // real matches.
    assert_eq!(
        names(&search_contacts(&s, "Jose Smith", 10)),
        ["José Smith:NearMiss"]
    );
    assert_eq!(
        names(&search_contacts(&s, "José", 10)),
        ["José Smith:NamePrefix"]
    );
    // The same name in decomposed Unicode (e + U+0301, as macOS input gives it) is the same
    // name: an exact match, as the export matches it, not a near miss.
    assert_eq!(
        names(&search_contacts(&s, "Jose\u{301} SMITH", 10)),
        ["José Smith:Exact"]
    );
    // Characters no one sees (a pasted zero-width space) do not hide a match either.
    assert_eq!(
        names(&search_contacts(&s, "\u{FEFF}katherine\u{200B} warren", 10)),
        ["Katherine Warren:Exact"]
    );
    // Archived contacts are flagged and come after active ones of the same kind.
    assert_eq!(
        names(&search_contacts(&s, "old", 10)),
        ["Old Patient:NamePrefix archived"]
    );
    let harbour = names(&search_contacts(&s, "harbour dental", 10));
    assert_eq!(harbour, ["Harbour Dental:Exact", "harbour dental:Exact"]);
    // At most N; an empty query finds nothing.
    assert_eq!(search_contacts(&s, "a", 3).len(), 3);
    assert!(search_contacts(&s, "   ", 10).is_empty());
    // By ContactID.
    assert_eq!(
        search_contacts(&s, "C-JOSE", 10)[0].matched,
        SearchMatch::Exact
    );
}

/// Accounts: a code changed in Xero is found by AccountID ("renamed"); an archived account gets
/// the closest ACTIVE name.
#[test]
fn stale_accounts_renamed_and_close_names() {
    let acc = |id: &str, code: &str, name: &str, status: &str| json!({"AccountID": id, "Code": code, "Name": name, "Type": "REVENUE", "Status": status});
    let before = snapshot(
        json!({"accounts": [acc("a1", "200", "Sales", "ACTIVE"), acc("a2", "205", "Consulting Fee", "ACTIVE"), acc("a3", "210", "Consulting Fees", "ACTIVE")]}),
    );
    let after = snapshot(
        json!({"accounts": [acc("a1", "4000", "Sales", "ACTIVE"), acc("a2", "205", "Consulting Fee", "ARCHIVED"), acc("a3", "210", "Consulting Fees", "ACTIVE")]}),
    );
    let s =
        settings(json!({"accounts": {"default": "200", "byService": {"c": "205", "id": "a3"}}}));
    let got: Vec<(String, StaleReason, SuggestionKind, Option<String>)> =
        stale_mappings(&s, &after, Some(&before))
            .into_iter()
            .map(|m| (m.path, m.reason, m.suggestion.kind, m.suggestion.value))
            .collect();
    assert_eq!(
        got,
        [
            (
                "settings.accounts.default".into(),
                StaleReason::Unknown,
                SuggestionKind::Renamed,
                Some("4000".into())
            ),
            (
                "settings.accounts.byService[\"c\"]".into(),
                StaleReason::Archived,
                SuggestionKind::CloseName,
                Some("210".into())
            ),
        ]
    );
}

/// The rest of the reasons: a third ACTIVE category, a DELETED account, a renamed contact and
/// option mapped by ID (still working), per-client options.
#[test]
fn stale_mappings_more_reasons() {
    let before = sample_snapshot();
    let mut after = before.clone();
    let cats = after["trackingCategories"]["TrackingCategories"]
        .as_array_mut()
        .unwrap();
    cats[2]["Status"] = json!("ACTIVE"); // "Region (old)" is back: a third ACTIVE category
    let clinician = cats[0]["Options"][0]["TrackingOptionID"]
        .as_str()
        .unwrap()
        .to_owned();
    cats[0]["Options"][0]["Name"] = json!("Dr Aroha Smith-Ngata");
    for a in after["accounts"]["Accounts"].as_array_mut().unwrap() {
        if a["Code"] == "210" {
            a["Status"] = json!("DELETED");
        }
    }
    for c in after["contacts"]["Contacts"].as_array_mut().unwrap() {
        if c["Name"] == "Katherine Warren" {
            c["Name"] = json!("Katherine Warren-Smith");
        }
    }
    let s = settings(json!({
        "accounts": {"default": "210"},
        "contacts": {"mapping": {"patient:2": contact_id("Katherine Warren")}},
        "tracking": {
            "categories": [
                {"category": "Region (old)", "sources": ["location"]},
                {"category": "Clinician", "sources": ["clinician"], "clinicians": {"c1": clinician}}
            ],
            "clients": {"client-9": {"Location": "Harbour", "Nowhere": "X"}}
        }
    }));
    let report = stale_mappings(&s, &snapshot(after), Some(&snapshot(before)));
    let got: Vec<String> = report
        .iter()
        .map(|m| {
            format!(
                "{} {}@{} {:?}",
                serde_json::to_value(m.severity).unwrap().as_str().unwrap(),
                serde_json::to_value(m.code).unwrap().as_str().unwrap(),
                m.path,
                m.reason
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "error ACCOUNT_ARCHIVED@settings.accounts.default Deleted",
            "warning MAPPING_NAME_CHANGED@settings.contacts.mapping[\"patient:2\"] DisplayNameChanged",
            "error TRACKING_CATEGORY_LIMIT@settings.tracking.categories[0].category NotNumbered",
            "warning MAPPING_NAME_CHANGED@settings.tracking.categories[1].clinicians[\"c1\"] DisplayNameChanged",
            "error TRACKING_OPTION_ARCHIVED@settings.tracking.clients[\"client-9\"][\"Location\"] Archived",
            "error TRACKING_CATEGORY_UNKNOWN@settings.tracking.clients[\"client-9\"][\"Nowhere\"] Unknown",
        ],
        "{report:#?}"
    );
    assert!(report[1].message.contains("Katherine Warren-Smith"));
    assert!(report[3].message.contains("Dr Aroha Smith-Ngata"));
}

// ---- Settings checked when the exporter is made: what the settings say that cannot work is
// said at its settings path, before any invoice (and not as a per-line surprise).

/// The exporter's issues for `settings` read as the binding reads them (unknown keys kept).
fn settings_issues(settings: Value) -> Vec<String> {
    let s = Settings::read(&settings.to_string()).unwrap();
    let e = xero_export::Exporter::new(snapshot(sample_snapshot()), s);
    e.issues()
        .iter()
        .map(|i| {
            let severity = serde_json::to_value(i.severity).unwrap();
            format!(
                "{} {}@{}",
                severity.as_str().unwrap(),
                i.code.as_str(),
                i.path
            )
        })
        .collect()
}

/// The message of the exporter's issue at `path`.
fn message_at(settings: Value, path: &str) -> String {
    let s = Settings::read(&settings.to_string()).unwrap();
    let e = xero_export::Exporter::new(snapshot(sample_snapshot()), s);
    let issue = e.issues().iter().find(|i| i.path == path);
    issue.map(|i| i.message.clone()).unwrap_or_default()
}

/// Regression: a client default under a misspelt category (`Locaton`) was never used, without
/// a word: the billing tool's per-client tracking silently went missing from every invoice.
#[test]
fn client_defaults_for_a_category_not_configured_are_reported() {
    let got = settings_issues(json!({"tracking": {
        "categories": [{"category": "Location", "sources": ["client"]}],
        "clients": {"client-7": {"Locaton": "North"}, "client-8": {"location": "South", "Clinician": "General"}},
    }}));
    assert_eq!(
        got,
        [
            "error SETTING_UNKNOWN@settings.tracking.clients[\"client-7\"][\"Locaton\"]",
            "error SETTING_UNKNOWN@settings.tracking.clients[\"client-8\"][\"Clinician\"]",
        ]
    );
    let msg = message_at(
        json!({"tracking": {"categories": [{"category": "Location"}], "clients": {"client-7": {"Locaton": "North"}}}}),
        "settings.tracking.clients[\"client-7\"][\"Locaton\"]",
    );
    assert!(msg.contains("did you mean \"Location\""), "{msg}");
    // A category configured by ID takes client defaults by its name too, and the other way.
    let by_id = settings_issues(json!({"tracking": {
        "categories": [{"category": "0c9fce3e-a111-4d99-803a-62cf3f40e633"}],
        "clients": {"c": {"Location": "North"}},
    }}));
    assert_eq!(by_id, Vec::<String>::new());
}

/// Regression: a fallback option that is archived, of another category or blank was accepted;
/// the policy failed only on a stale line, as an error at that line's tracking.
#[test]
fn an_unusable_fallback_option_is_reported_at_its_setting() {
    let with_fallback = |fallback: &str| {
        settings_issues(json!({"tracking": {"categories": [
            {"category": "Location", "locations": {"n": "North"}, "stale": "fallback", "fallback": fallback},
        ]}}))
    };
    let at = "settings.tracking.categories[0].fallback";
    assert_eq!(
        with_fallback("Harbour"),
        [format!("error TRACKING_OPTION_ARCHIVED@{at}")]
    );
    assert_eq!(
        with_fallback("Gone"),
        [format!("error TRACKING_OPTION_DELETED@{at}")]
    );
    assert_eq!(
        with_fallback("Dr Ben Lee"),
        [format!("error TRACKING_OPTION_UNKNOWN@{at}")]
    );
    assert_eq!(
        with_fallback("  "),
        [format!("error SETTINGS_INVALID@{at}")]
    );
    assert_eq!(with_fallback("south"), Vec::<String>::new());
    assert_eq!(
        with_fallback("4b2f8c0d-0000-4000-8000-00000000a002"),
        Vec::<String>::new()
    );
    let msg = message_at(
        json!({"tracking": {"categories": [{"category": "Location", "stale": "fallback", "fallback": "Harbour"}]}}),
        at,
    );
    assert!(msg.contains("Harbour") && msg.contains("archived"), "{msg}");
    // Without the snapshot's categories nothing is stale, so the fallback is never needed.
    let mut s = sample_snapshot();
    s.as_object_mut().unwrap().remove("trackingCategories");
    let settings = Settings::read(
        &json!({"tracking": {"categories": [{"category": "Location", "stale": "fallback", "fallback": "Harbour"}]}}).to_string(),
    )
    .unwrap();
    let e = xero_export::Exporter::new(snapshot(s), settings);
    assert!(e.issues().iter().all(|i| !i.path.starts_with("settings")));
}

/// Regression: `sources: ['fallback']` (the type allows it: it is also the preview's source of
/// a fallback) was accepted and yielded nothing, so the category silently got no option.
#[test]
fn fallback_is_not_a_source() {
    let got = settings_issues(json!({"tracking": {"categories": [
        {"category": "Location", "sources": ["location", "fallback"], "stale": "fallback", "fallback": "North"},
    ]}}));
    assert_eq!(
        got,
        ["error SETTINGS_INVALID@settings.tracking.categories[0].sources[1]"]
    );
    let msg = message_at(
        json!({"tracking": {"categories": [{"category": "Location", "sources": ["fallback"]}]}}),
        "settings.tracking.categories[0].sources[0]",
    );
    assert!(msg.contains("stale"), "{msg}");
}

/// Regression: `optionNameLimit` is 50 or 100, but 75 (or 1000, read as 100) was taken silently.
#[test]
fn option_name_limit_is_50_or_100() {
    for limit in [0, 75, 1000] {
        assert_eq!(
            settings_issues(json!({"tracking": {"optionNameLimit": limit}})),
            ["error SETTINGS_INVALID@settings.tracking.optionNameLimit"],
            "{limit}"
        );
    }
    for limit in [json!(50), json!(100), json!(null)] {
        assert_eq!(
            settings_issues(json!({"tracking": {"optionNameLimit": limit}})),
            Vec::<String>::new()
        );
    }
}

/// Regression: a blank mapped ContactID was sent to Xero as `"ContactID": ""` (a warning
/// only), and a key that is not `kind:id` can never match a payer: both passed silently.
#[test]
fn contact_mappings_that_cannot_work_are_reported() {
    let got = settings_issues(json!({"contacts": {"mapping": {
        "patient:p1": " ",
        "p2": KATHERINE,
        "patient:p3": KATHERINE,
    }}}));
    assert_eq!(
        got,
        [
            "error SETTINGS_INVALID@settings.contacts.mapping[\"p2\"]",
            "error SETTINGS_INVALID@settings.contacts.mapping[\"patient:p1\"]",
        ]
    );
    // The blank one is never sent: the payer is matched by its other keys.
    let p = preview(
        sample_snapshot(),
        json!({"contacts": {"mapping": {"patient:p1": ""}}}),
        json!([{"id": "i1", "date": "2024-01-15", "payer": {"kind": "patient", "id": "p1", "name": "Katherine Warren"},
                "lines": [{"description": "x", "quantity": 1, "unitAmount": "1", "accountCode": "200"}]}]),
    );
    let contact = &json_of(&p)["documents"][0]["contact"];
    assert_eq!(contact["contactId"], KATHERINE, "{contact}");
    assert_eq!(contact["matchedBy"], "name");
}

/// Regression: `brandingThemeId` went into every body as written: `""`, `"Standard"` (a theme's
/// name) or an id with spaces, none of which is the UUID Xero's schema (and Xero) takes.
#[test]
fn branding_theme_id_is_a_uuid() {
    for id in ["", "Standard", "5cc8cf28-567e-4d43-b287"] {
        assert_eq!(
            settings_issues(json!({"brandingThemeId": id})),
            ["error SETTINGS_INVALID@settings.brandingThemeId"],
            "{id:?}"
        );
    }
    let theme = "dfe23d27-a3a6-4ef3-a5ca-b9e02b142dde";
    let settings = json!({"brandingThemeId": format!(" {theme} "), "accounts": {"default": "200"}});
    assert_eq!(settings_issues(settings.clone()), Vec::<String>::new());
    let p = preview(sample_snapshot(), settings, invoice_with_line(json!({})));
    let body: Value = serde_json::from_str(p.documents[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["Invoices"][0]["BrandingThemeID"], theme);
}

/// Regression: a mapped ContactID that is not a UUID (a contact's name pasted in) was sent as
/// given; without the snapshot's contacts, not even a warning said so.
#[test]
fn a_mapped_contact_id_is_a_uuid() {
    let got = settings_issues(json!({"contacts": {"mapping": {"patient:p1": "Katherine Warren"}}}));
    assert_eq!(
        got,
        ["error SETTINGS_INVALID@settings.contacts.mapping[\"patient:p1\"]"]
    );
    let id = format!(" {} ", KATHERINE.to_uppercase());
    let ok = settings_issues(json!({"contacts": {"mapping": {"patient:p1": id}}}));
    assert_eq!(ok, Vec::<String>::new());
}

/// The messages of the first document's issues with `code`.
fn doc_messages(settings: Value, line: Value, code: &str) -> Vec<String> {
    let p = preview(sample_snapshot(), settings, invoice_with_line(line));
    let issues = &p.documents[0].issues;
    let of_code = issues.iter().filter(|i| i.code.as_str() == code);
    of_code
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect()
}

/// Regression: an account or tax type that came from the settings was reported at the line's
/// accountCode / taxCode with "Map the line to an active account", on lines that name none:
/// nothing said that the setting was what to change.
#[test]
fn account_and_tax_issues_name_the_setting_they_came_from() {
    let at = "invoices[0].lines[0]";
    let archived = doc_messages(
        json!({"accounts": {"default": "260"}}),
        json!({}),
        "ACCOUNT_ARCHIVED",
    );
    assert_eq!(archived.len(), 1);
    assert!(
        archived[0].starts_with(&format!("{at}.accountCode: ")),
        "{archived:?}"
    );
    assert!(
        archived[0].contains("settings.accounts.default"),
        "{archived:?}"
    );
    let by_service = doc_messages(
        json!({"accounts": {"byService": {"CONSULT": "463"}}}),
        json!({"serviceCode": "CONSULT"}),
        "ACCOUNT_CLASS_MISMATCH",
    );
    assert!(
        by_service[0].contains("settings.accounts.byService[\"CONSULT\"]"),
        "{by_service:?}"
    );
    let unknown = doc_messages(
        json!({"accounts": {"default": "999"}}),
        json!({}),
        "ACCOUNT_UNKNOWN",
    );
    assert!(
        unknown[0].contains("settings.accounts.default"),
        "{unknown:?}"
    );
    // The line's own account is the line's to fix.
    let own = doc_messages(json!({}), json!({"accountCode": "260"}), "ACCOUNT_ARCHIVED");
    assert!(!own[0].contains("settings"), "{own:?}");

    let tax = |settings: Value, line: Value, code: &str| {
        let mut s = settings;
        s["accounts"] = json!({"default": "200"});
        doc_messages(s, line, code)
    };
    let not_allowed = tax(
        json!({"taxes": {"default": "INPUT2"}}),
        json!({}),
        "TAX_TYPE_NOT_ALLOWED",
    );
    assert!(
        not_allowed[0].contains("settings.taxes.default"),
        "{not_allowed:?}"
    );
    let inactive = tax(
        json!({"taxes": {"byCode": {"GST": "TAX001"}}}),
        json!({"taxCode": "GST"}),
        "TAX_TYPE_INACTIVE",
    );
    assert!(
        inactive[0].contains("settings.taxes.byCode[\"GST\"]"),
        "{inactive:?}"
    );
    let unknown = tax(
        json!({"taxes": {"default": "GST15"}}),
        json!({}),
        "TAX_TYPE_UNKNOWN",
    );
    assert!(unknown[0].contains("settings.taxes.default"), "{unknown:?}");
}

/// Regression: a `dueDate` rule whose days put the due date past 9999-12-31 gave no due date:
/// a DRAFT went without one silently, and an AUTHORISED invoice was told to "set
/// settings.dueDate", which it had.
#[test]
fn due_date_days_past_the_calendar_are_said() {
    for (rule, status) in [
        (
            json!({"rule": "daysAfter", "days": 4_000_000_000u32}),
            "DRAFT",
        ),
        (
            json!({"rule": "daysAfter", "days": 4_000_000_000u32}),
            "AUTHORISED",
        ),
        (
            json!({"rule": "paymentTerms", "fallbackDays": 4_000_000_000u32}),
            "AUTHORISED",
        ),
    ] {
        let mut s = sample_snapshot();
        s["organisation"]["Organisations"][0]
            .as_object_mut()
            .unwrap()
            .remove("PaymentTerms");
        let settings = json!({"status": status, "dueDate": rule, "accounts": {"default": "200"}});
        let p = preview(s, settings, invoice_with_line(json!({})));
        let issues = &p.documents[0].issues;
        let got: Vec<String> = issues
            .iter()
            .filter(|i| i.code.as_str() == "DUE_DATE_MISSING")
            .map(|i| format!("{}: {}", i.path, i.message))
            .collect();
        assert_eq!(got.len(), 1, "{rule} {status}: {issues:?}");
        assert!(got[0].starts_with("invoices[0].dueDate: "), "{got:?}");
        assert!(
            got[0].contains("4000000000") && got[0].contains("9999"),
            "{got:?}"
        );
    }
}

/// Regression: a misspelt placeholder (`{nmber}`, `{Number}`) blocked every invoice with
/// "this invoice has no such field", without the did-you-mean every other misspelt name gets.
#[test]
fn a_misspelt_template_placeholder_gets_a_did_you_mean() {
    let said = |template: &str, line_fields: Value| {
        let mut inv = invoice_with_line(json!({}));
        inv[0]["fields"] = line_fields;
        let settings =
            json!({"templates": {"reference": template}, "accounts": {"default": "200"}});
        let p = preview(sample_snapshot(), settings, inv);
        let issue = p.documents[0]
            .issues
            .iter()
            .find(|i| i.code.as_str() == "TEMPLATE_FIELD_UNKNOWN");
        issue.map(|i| i.message.clone()).unwrap_or_default()
    };
    assert!(said("Appt {nmber}", json!({})).contains("did you mean {number}?"));
    assert!(said("{Number}", json!({})).contains("did you mean {number}?"));
    assert!(said("{clinc}", json!({"clinic": "North"})).contains("did you mean {clinic}?"));
    assert!(!said("{room}", json!({})).contains("did you mean"));
}

/// Regression: `{category}` misspelt (`categroy`) threw "missing field `category`" and nothing
/// about the key the caller did write; the did-you-mean every other misspelt setting gets was
/// lost because the read failed.
#[test]
fn a_misspelt_required_setting_throws_with_its_did_you_mean() {
    let err = Settings::read(r#"{"tracking": {"categories": [{"categroy": "Location"}]}}"#)
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.starts_with("`settings.tracking.categories[0]`: missing field `category`"),
        "{err}"
    );
    assert!(
        err.contains("`settings.tracking.categories[0].categroy`")
            && err.contains("did you mean \"category\""),
        "{err}"
    );
}
