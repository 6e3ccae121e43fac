//! The tracking-options CSV against fixture files: one per error kind (tests/fixtures/csv/),
//! every chunk boundary of each fixture, a generated 1,000,000-row file (counts only), and the
//! export read back by a CSV parser.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg(not(target_arch = "wasm32"))]

use std::fs;
use std::path::Path;

use serde_json::json;
use xero_export::tracking_csv::{
    export, neutralise, validate, ExportOptions, ExportRow, Options, Report, Validator,
};
use xero_export::{IssueCode, Snapshot, SnapshotInput};

fn read(rel: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(rel),
    )
    .unwrap()
}

fn snapshot(rel: &str) -> Snapshot {
    let input: SnapshotInput = serde_json::from_slice(&read(rel)).unwrap();
    Snapshot::new(input)
}

/// The sample snapshot: category 1 = Clinician, category 2 = Location (then an archived one).
fn sample() -> Snapshot {
    snapshot("sample/snapshot.json")
}

/// "severity CODE row:column" for each issue.
fn issues(r: &Report) -> Vec<String> {
    r.issues
        .iter()
        .map(|i| {
            let col = i.column.map_or("-".to_owned(), |c| c.to_string());
            format!(
                "{} {} {}:{col}",
                serde_json::to_value(i.severity).unwrap().as_str().unwrap(),
                i.code.as_str(),
                i.row.unwrap()
            )
        })
        .collect()
}

fn counts(r: &Report) -> (u64, u64, u64) {
    (r.rows_read, r.rows_valid, r.rows_failing)
}

/// (fixture, snapshot, (rows read, valid, failing), issues)
type Case = (&'static str, Snapshot, (u64, u64, u64), Vec<&'static str>);

fn cases() -> Vec<Case> {
    let one = || snapshot("csv/one-category-snapshot.json");
    vec![
        ("valid.csv", sample(), (6, 6, 0), vec![]),
        ("aliases.csv", sample(), (2, 2, 0), vec![]),
        (
            "option-unknown.csv",
            sample(),
            (3, 0, 3),
            vec![
                "error TRACKING_OPTION_UNKNOWN 2:4",
                "error TRACKING_OPTION_UNKNOWN 3:5",
                "error TRACKING_OPTION_UNKNOWN 4:4",
                "error TRACKING_OPTION_UNKNOWN 4:5",
            ],
        ),
        (
            "option-archived.csv",
            sample(),
            (2, 0, 2),
            vec![
                "error TRACKING_OPTION_ARCHIVED 2:4",
                "error TRACKING_OPTION_ARCHIVED 3:5",
            ],
        ),
        (
            "option-deleted.csv",
            sample(),
            (1, 0, 1),
            vec!["error TRACKING_OPTION_DELETED 2:5"],
        ),
        (
            "category-unknown.csv",
            one(),
            (2, 1, 1),
            vec!["error TRACKING_CATEGORY_UNKNOWN 3:5"],
        ),
        (
            "column-missing.csv",
            sample(),
            (2, 0, 2),
            vec![
                "error CSV_COLUMN_MISSING 1:-",
                "error CSV_COLUMN_MISSING 1:-",
            ],
        ),
        (
            "column-duplicate.csv",
            sample(),
            (1, 0, 1),
            vec!["error CSV_COLUMN_DUPLICATE 1:3"],
        ),
        (
            "key-missing.csv",
            sample(),
            (2, 1, 1),
            vec!["error CSV_KEY_MISSING 3:1"],
        ),
        (
            "key-duplicate.csv",
            sample(),
            (4, 2, 2),
            vec![
                "error CSV_DUPLICATE_KEY 4:1",
                "error CSV_DUPLICATE_KEY 5:1",
                "error TRACKING_OPTION_UNKNOWN 5:4",
            ],
        ),
        (
            "row-malformed-fields.csv",
            sample(),
            (3, 1, 2),
            vec!["error CSV_ROW_MALFORMED 2:-", "error CSV_ROW_MALFORMED 3:-"],
        ),
        (
            "row-malformed-utf8.csv",
            sample(),
            (2, 1, 1),
            vec!["error CSV_ROW_MALFORMED 2:2"],
        ),
        (
            "row-malformed-quote.csv",
            sample(),
            (3, 2, 1),
            vec![
                "warning CSV_ROW_MALFORMED 3:-",
                "error CSV_ROW_MALFORMED 4:-",
                "error CSV_ROW_MALFORMED 4:-",
            ],
        ),
        (
            "empty.csv",
            sample(),
            (0, 0, 0),
            vec!["error CSV_COLUMN_MISSING 1:-"],
        ),
    ]
}

#[test]
fn each_fixture_gives_its_counts_and_issues() {
    for (name, snap, want_counts, want_issues) in cases() {
        let r = validate(&snap, &read(&format!("csv/{name}")), Options::default());
        assert_eq!(counts(&r), want_counts, "{name}: counts");
        assert_eq!(issues(&r), want_issues, "{name}: issues");
        assert_eq!(r.issue_count, want_issues.len() as u64, "{name}");
        assert!(!r.issues_truncated);
        for i in &r.issues {
            assert!(i.path.starts_with("csv"), "{name}: {}", i.path);
            assert!(i.message.len() > 20, "{name}: {}", i.message);
        }
    }
}

#[test]
fn the_valid_fixture_gives_the_settings_shape() {
    let r = validate(sample(), &read("csv/valid.csv"), Options::default());
    let clients = serde_json::to_value(r.assignments.as_ref().unwrap()).unwrap();
    assert_eq!(
        clients,
        json!({
            "C001": {"Clinician": "Dr Aroha Smith", "Location": "North"},
            "C002": {"Clinician": "Dr Ben Lee", "Location": "South"},
            "C003": {"Clinician": "", "Location": ""},
            "C004": {"Clinician": "", "Location": ""},
            "C005": {"Clinician": "General", "Location": "North"},
            "C006": {"Clinician": "General", "Location": "North"}
        })
    );
    // The same map through the Rust accessor, and the settings accept it as `clients`.
    let map = r.assignments.as_ref().unwrap().to_clients();
    assert_eq!(serde_json::to_value(&map).unwrap(), clients);
    let settings: xero_export::Settings =
        serde_json::from_value(json!({"tracking": {"clients": clients}})).unwrap();
    assert_eq!(settings.tracking.clients.len(), 6);
    // Rows keep their numbers: the quoted two-line name is one row, the blank row counts.
    let rows: Vec<u64> = r
        .assignments
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.row)
        .collect();
    assert_eq!(rows, vec![2, 3, 4, 5, 6, 8]);
    let cols = r.columns.unwrap();
    assert_eq!(cols.key.header, "Client ID");
    assert_eq!(
        (
            cols.tracking[0].column,
            cols.tracking[0].category.as_deref()
        ),
        (4, Some("Clinician"))
    );
}

#[test]
fn suggestions_and_messages_say_what_to_do() {
    let r = validate(
        sample(),
        &read("csv/option-unknown.csv"),
        Options::default(),
    );
    let m: Vec<&str> = r.issues.iter().map(|i| i.message.as_str()).collect();
    assert!(m[0].contains("Did you mean \"Dr Ben Lee\"?"), "{}", m[0]);
    assert!(m[1].contains("Did you mean \"North\"?"), "{}", m[1]);
    assert!(
        m[2].contains("Active options: Dr Aroha Smith, Dr Ben Lee, General."),
        "{}",
        m[2]
    );
    assert!(m.iter().all(|m| m.contains("\"None\" to clear")));
    let r = validate(sample(), &read("csv/key-duplicate.csv"), Options::default());
    assert!(r.issues[0].message.contains("also on row 2"));
    let r = validate(
        sample(),
        &read("csv/column-missing.csv"),
        Options::default(),
    );
    assert!(r.issues[0].message.contains("\"Client ID\""));
    assert!(r.issues[1]
        .message
        .contains("\"Location\", the category's name"));
    assert!(r.columns.is_none());
}

/// Every chunking of `data` gives the one-call report.
fn assert_chunking_is_invisible(snap: &Snapshot, data: &[u8], name: &str) {
    let whole = validate(snap, data, Options::default());
    for split in 0..=data.len() {
        let mut v = Validator::new(snap, Options::default());
        v.push(&data[..split]);
        v.push(&data[split..]);
        assert_eq!(v.finish(), whole, "{name}: split at byte {split}");
    }
    for size in [1, 2, 3, 7] {
        let mut v = Validator::new(snap, Options::default());
        for chunk in data.chunks(size) {
            v.push(chunk);
            v.push(&[]);
        }
        let progress = v.progress();
        assert_eq!(progress.bytes, data.len() as u64);
        assert!(progress.rows_read <= whole.rows_read);
        assert_eq!(v.finish(), whole, "{name}: chunks of {size}");
    }
}

#[test]
fn chunk_boundaries_at_every_byte_give_the_one_call_result() {
    for (name, snap, _, _) in cases() {
        assert_chunking_is_invisible(&snap, &read(&format!("csv/{name}")), name);
    }
}

#[test]
fn a_million_rows_validate_with_exact_counts() {
    // 1 in 1000 rows has an unknown clinician, 1 in 5000 an archived location, 3 keys repeat,
    // every 10th name is quoted with a comma, every 7th row clears its location with None.
    const ROWS: u64 = 1_000_000;
    let clinicians = ["Dr Aroha Smith", "Dr Ben Lee", "General"];
    let mut data = String::with_capacity(70 * ROWS as usize);
    data.push_str(
        "Client ID,Client Name,Email,Xero Tracking Category 1,Xero Tracking Category 2\r\n",
    );
    for i in 1..=ROWS {
        let id = if i % 250_000 == 0 { 1 } else { i };
        let c1 = if i % 1000 == 0 {
            "Dr Ben Le"
        } else {
            clinicians[(i % 3) as usize]
        };
        let c2 = match i {
            _ if i % 5000 == 1 => "Harbour",
            _ if i % 7 == 0 => "None",
            _ if i % 2 == 0 => "North",
            _ => "",
        };
        if i % 10 == 0 {
            data.push_str(&format!(
                "C{id:07},\"Dental, Ltd {i}\",a{i}@example.com,{c1},{c2}\r\n"
            ));
        } else {
            data.push_str(&format!(
                "C{id:07},Client {i},a{i}@example.com,{c1},{c2}\r\n"
            ));
        }
    }
    let snap = sample();
    let mut v = Validator::new(&snap, Options::default());
    for chunk in data.as_bytes().chunks(1 << 20) {
        v.push(chunk);
    }
    let r = v.finish();
    // Failing: 1000 unknown + 200 archived + 4 duplicates (rows 250000, 500000, 750000,
    // 1000000 repeat C0000001), where rows 250000k… are also multiples of 1000 (unknown).
    let unknown = ROWS / 1000;
    let archived = ROWS / 5000;
    let duplicates = 4;
    assert_eq!(r.rows_read, ROWS);
    assert_eq!(r.rows_failing, unknown + archived);
    assert_eq!(r.rows_valid, ROWS - unknown - archived);
    assert_eq!(r.issue_count, unknown + archived + duplicates);
    assert_eq!(r.issue_counts[&IssueCode::TrackingOptionUnknown], unknown);
    assert_eq!(r.issue_counts[&IssueCode::TrackingOptionArchived], archived);
    assert_eq!(r.issue_counts[&IssueCode::CsvDuplicateKey], duplicates);
    assert_eq!(r.issues.len(), 1000);
    assert!(r.issues_truncated);
    assert_eq!(r.issues[0].row, Some(2)); // data row 1: archived
    assert_eq!(r.assignments.as_ref().unwrap().len() as u64, r.rows_valid);
    assert_eq!(r.bytes, data.len() as u64);
}

#[test]
fn injection_cells_are_exported_safely_and_read_back_unchanged() {
    let nasty = [
        "=1+1",
        "+SUM(A1:A9)",
        "-2+3",
        "@cmd|' /C calc'!A0",
        "\t=1",
        "\r=1",
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "-12.50",
        "+3",
        "a,b",
        "line\nbreak",
        "\"quoted\"",
        "plain",
        "",
    ];
    let rows: Vec<ExportRow> = nasty
        .iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(json!({
                "Client ID": if i == 0 { "=KEY()".to_owned() } else { format!("C{i}") },
                "Client Name": v,
                "Note": v,
                "Xero Tracking Category 1": if i == 1 { "General" } else { "" },
                "Xero Tracking Category 2": if i == 2 { "North" } else { "None" },
            }))
            .unwrap()
        })
        .collect();
    let text = export(&rows, &ExportOptions::default()).unwrap();
    // A CSV parser reads back exactly the cells written: the neutralised text, nothing else.
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "Client ID",
            "Client Name",
            "Note",
            "Xero Tracking Category 1",
            "Xero Tracking Category 2"
        ]
    );
    let back: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(back.len(), nasty.len());
    for (record, v) in back.iter().zip(nasty) {
        assert_eq!(&record[1], neutralise(v).as_ref());
        assert_eq!(&record[2], neutralise(v).as_ref());
        // Nothing a spreadsheet would run: a risky first character is always behind a quote
        // mark, except plain numbers.
        let first = record[1].chars().next();
        if matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')) {
            assert!(["-12.50", "+3"].contains(&&record[1]), "{:?}", &record[1]);
        }
    }
    assert_eq!(&back[0][0], "'=KEY()");
    assert_eq!(&back[0][1], "'=1+1");
    assert_eq!(&back[4][1], "'\t=1");
    assert_eq!(&back[10][1], "line\nbreak");
    // The import reads the file back to the original keys and options.
    let r = validate(sample(), text.as_bytes(), Options::default());
    assert_eq!(r.issue_count, 0, "{:?}", r.issues);
    assert_eq!(r.rows_valid, nasty.len() as u64);
    let clients = r.assignments.unwrap().to_clients();
    assert_eq!(clients["=KEY()"]["Location"], "");
    assert_eq!(clients["C1"]["Clinician"], "General");
    assert_eq!(clients["C2"]["Location"], "North");
}

/// README ("Export"): "The import removes that `'` again from key and tracking cells, so an
/// exported file reads back to its original values". A key that itself starts with `'` and a
/// formula character (a key neutralised by an earlier tool, `'-12.50` kept as text) must read
/// back as written, not lose its `'` to the import's undoing of a neutralisation the export
/// never applied.
#[test]
fn keys_starting_with_a_quote_mark_read_back_unchanged() {
    let keys = [
        "'=KEY()", "''+1", "'-12.50", "'@x", "'\t=1", "'plain", "=KEY()", "-12.50",
    ];
    let rows: Vec<ExportRow> = keys
        .iter()
        .map(|k| {
            serde_json::from_value(json!({
                "Client ID": k,
                "Xero Tracking Category 1": "General",
                "Xero Tracking Category 2": "North",
            }))
            .unwrap()
        })
        .collect();
    let text = export(&rows, &ExportOptions::default()).unwrap();
    let r = validate(sample(), text.as_bytes(), Options::default());
    assert_eq!(r.issue_count, 0, "{:?}", r.issues);
    let clients = r.assignments.unwrap().to_clients();
    let mut want: Vec<String> = keys.iter().map(|k| k.trim().to_owned()).collect();
    want.sort();
    assert_eq!(clients.keys().cloned().collect::<Vec<_>>(), want, "{text}");
}

/// README ("Rows"): every cell is trimmed, and rows whose cells are all empty are skipped. A
/// row of no-break spaces or vertical tabs (white space `trim` removes) is such a row: skipped,
/// not a row without a client key.
#[test]
fn a_row_of_white_space_cells_is_skipped() {
    for blank in ["\u{a0},\u{a0},", "\u{b},,", "\u{3000}, ,\t", "\"\u{a0}\",,"] {
        let text = format!(
            "Client ID,Xero Tracking Category 1,Xero Tracking Category 2\r\n{blank}\r\nC1,General,North\r\n"
        );
        let r = validate(sample(), text.as_bytes(), Options::default());
        assert_eq!(issues(&r), Vec::<String>::new(), "{blank:?}");
        assert_eq!(counts(&r), (1, 1, 0), "{blank:?}");
        assert_chunking_is_invisible(&sample(), text.as_bytes(), "white space row");
    }
}

/// Regression: a repeated client key said "only the first row for a client is used" even when
/// that first row had failed, so the user looked for the client's options in a row that set
/// nothing. The message now says what holds in both cases: a client has one row.
#[test]
fn a_repeated_key_after_a_failed_first_row_does_not_say_the_first_is_used() {
    let text = "Client ID,Xero Tracking Category 1,Xero Tracking Category 2\r\nC1,Dr Nobody,North\r\nC1,General,North\r\n";
    let r = validate(sample(), text.as_bytes(), Options::default());
    assert_eq!(counts(&r), (2, 0, 2));
    let duplicate = r
        .issues
        .iter()
        .find(|i| i.code == IssueCode::CsvDuplicateKey)
        .unwrap();
    assert!(
        !duplicate.message.contains("first row"),
        "{}",
        duplicate.message
    );
    assert!(
        duplicate.message.contains("\"C1\" is also on row 2")
            && duplicate.message.contains("one row")
            && duplicate.message.contains("Merge"),
        "{}",
        duplicate.message
    );
}

/// The export's cells are read by one visitor (not `#[serde(untagged)]`, whose buffering cost
/// size in the CSV-only `.wasm`): every kind a host sends reads as before, from JSON text as
/// the package passes it (numbers as exact text) and from a `serde_json::Value`.
#[test]
fn export_cells_of_every_kind_read_from_json_text() {
    let cells = r#""Client ID": "C1", "Text": "a", "Yes": true, "No": false, "Int": 12, "Neg": -3,
        "Dec": 12.50, "Big": 1e21, "Small": 1.5e-7, "Null": null"#;
    let text = format!(r#"[{{{cells}, "Big int": 123456789012345678901234567}}]"#);
    let rows: Vec<ExportRow> = serde_json::from_str(&text).unwrap();
    let out = export(&rows, &ExportOptions::default()).unwrap();
    let lines: Vec<&str> = out.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Client ID,Text,Yes,No,Int,Neg,Dec,Big,Small,Null,Big int,Xero Tracking Category 1,Xero Tracking Category 2"
    );
    assert_eq!(
        lines[1],
        "C1,a,true,false,12,-3,12.50,1000000000000000000000,0.00000015,,123456789012345678901234567,,"
    );
    // Through a `Value` too (an integer past u64 does not fit one there: left out, as before).
    let text = format!("[{{{cells}}}]");
    // (A `Value` object sorts its keys: compared in that order.)
    let mut direct: Vec<ExportRow> = serde_json::from_str(&text).unwrap();
    direct[0].0.sort_by(|a, b| a.0.cmp(&b.0));
    let value = serde_json::from_str::<serde_json::Value>(&text).unwrap();
    assert_eq!(
        serde_json::from_value::<Vec<ExportRow>>(value).unwrap(),
        direct
    );
    assert_eq!(direct[0].0.len(), 10);
    // What is neither text, a number nor a boolean is misuse, said as such.
    for bad in [r#"[{"a": [1]}]"#, r#"[{"a": {"b": 1}}]"#] {
        let err = serde_json::from_str::<Vec<ExportRow>>(bad).unwrap_err();
        assert!(!err.is_syntax(), "{bad}: {err}");
    }
    // The JS entry's token for NaN and ±Infinity still reads as a number that is not finite.
    let rows: Vec<ExportRow> =
        serde_json::from_str(r#"[{"Client ID": "C1", "n": {"$nonFinite": "NaN"}}]"#).unwrap();
    let err = export(&rows, &ExportOptions::default()).unwrap_err();
    assert!(
        err.message.contains("is not a finite number"),
        "{}",
        err.message
    );
}

/// `Report::to_json` writes the report field by field (smaller in the CSV-only `.wasm` than
/// the derived serializer): its text is byte for byte the derived `Serialize`'s, on every
/// fixture, with and without assignments, truncated or not, and with text that needs escaping
/// in headers, keys, values and messages.
#[test]
fn report_json_is_the_derived_serializers_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv");
    let mut files: Vec<Vec<u8>> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .map(|p| fs::read(p).unwrap())
        .collect();
    files.push(
        "Client ID,\"Note \"\"x\"\"\",Xero Tracking Category 1,Xero Tracking Category 2\n\
         \"a\"\"b\nc\",n,\"Nö\\\"rth\u{1}\",None\nk2,,General,\"x\ty\"\nk2,,,\n,,,\n"
            .as_bytes()
            .to_vec(),
    );
    files.push(b"no header here\n".to_vec());
    files.push(Vec::new());
    for data in &files {
        for (assignments, max_issues) in [(true, 1000), (false, 1000), (true, 1), (false, 0)] {
            let options = Options {
                assignments,
                max_issues,
                ..Options::default()
            };
            let report = validate(sample(), data, options);
            assert_eq!(
                report.to_json().unwrap(),
                serde_json::to_string(&report).unwrap(),
                "{}",
                String::from_utf8_lossy(data)
            );
        }
    }
}

/// A snapshot of two ACTIVE categories, each with the given ACTIVE options, in Xero's order:
/// "Location" (column "Xero Tracking Category 1") and "Team" (column 2).
fn two_categories(locations: &[&str], teams: &[&str]) -> Snapshot {
    let options = |names: &[&str]| -> Vec<serde_json::Value> {
        names
            .iter()
            .map(|n| json!({"Name": n, "Status": "ACTIVE"}))
            .collect()
    };
    let input: SnapshotInput = serde_json::from_value(json!({"trackingCategories": [
        {"Name": "Location", "Status": "ACTIVE", "Options": options(locations)},
        {"Name": "Team", "Status": "ACTIVE", "Options": options(teams)},
    ]}))
    .unwrap();
    Snapshot::new(input)
}

/// README ("Rows"): rows whose cells are all empty are skipped. Excel and Sheets write a
/// formatted but empty first row as `,,`; the header was read before that check, so the blank
/// row was taken for the header (three CSV_COLUMN_MISSING) and the real header failed as data.
/// The blank record is skipped wherever it is, and later rows keep the file's line numbers.
#[test]
fn a_blank_row_before_the_header_is_skipped() {
    let snap = two_categories(&["North"], &["Sales"]);
    let header = "Client ID,Xero Tracking Category 1,Xero Tracking Category 2";
    let text = format!(",,\r\n{header}\r\nC1,North,Sales\r\n");
    let r = validate(&snap, text.as_bytes(), Options::default());
    assert_eq!(issues(&r), Vec::<String>::new());
    assert_eq!(counts(&r), (1, 1, 0));
    let assigned: Vec<u64> = r
        .assignments
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.row)
        .collect();
    assert_eq!(assigned, vec![3]);
    assert_eq!(r.columns.as_ref().unwrap().key.header, "Client ID");
    assert_chunking_is_invisible(&snap, text.as_bytes(), "blank row before the header");
    // Blank rows of every kind, with empty lines around them: a failing row says its line.
    for blank in [",,", " , ,\t", "\"\",,", "\u{a0},,"] {
        let text = format!("\n{blank}\r\n\r\n{header}\nC1,North,Sales\nC2,Nrth,Sales\n{blank}");
        let r = validate(&snap, text.as_bytes(), Options::default());
        assert_eq!(
            issues(&r),
            vec!["error TRACKING_OPTION_UNKNOWN 6:2"],
            "{blank:?}"
        );
        assert_eq!(counts(&r), (2, 1, 1), "{blank:?}");
        assert_chunking_is_invisible(&snap, text.as_bytes(), "blank rows before the header");
    }
    // A file of blank rows only has no header: said once, as for an empty file.
    let r = validate(&snap, b",,\r\n,,\r\n", Options::default());
    assert_eq!(issues(&r), vec!["error CSV_COLUMN_MISSING 1:-"]);
    assert_eq!(counts(&r), (0, 0, 0));
}

/// README ("Rows"): a stray `"` inside an unquoted field is read literally, with a warning. In
/// the last row of a file without a final line break it failed the row as a quote never
/// closed: the last record is read at the end of the file, and an odd number of quotes there
/// was taken for an open quoted field. Only a quoted field still open at the end is an error.
#[test]
fn a_stray_quote_in_the_last_row_without_a_line_break_is_a_warning() {
    let fixture = String::from_utf8(read("csv/row-malformed-quote.csv")).unwrap();
    let lines: Vec<&str> = fixture.lines().collect();
    let (header, c001, stray, c004) = (lines[0], lines[1], lines[2], lines[4]);
    assert!(stray.contains("Stray \" quote"), "{stray}");
    let mid_file = format!("{header}\n{c001}\n{stray}\n{c004}\n");
    let last = format!("{header}\n{c001}\n{c004}\n{stray}");
    let (mid, end) = (
        validate(sample(), mid_file.as_bytes(), Options::default()),
        validate(sample(), last.as_bytes(), Options::default()),
    );
    assert_eq!(issues(&mid), vec!["warning CSV_ROW_MALFORMED 3:-"]);
    assert_eq!(issues(&end), vec!["warning CSV_ROW_MALFORMED 4:-"]);
    assert_eq!(
        end.issues[0].message,
        mid.issues[0].message.replace("Row 3", "Row 4")
    );
    assert_eq!((counts(&mid), counts(&end)), ((3, 3, 0), (3, 3, 0)));
    let clients = end.assignments.as_ref().unwrap().to_clients();
    assert_eq!(clients["C002"]["Location"], "North");
    assert_chunking_is_invisible(&sample(), last.as_bytes(), "stray quote last");
    // A quoted field still open at the end is an error, whatever the count of quotes before it;
    // one closed, then followed by a stray quote, is not.
    let h = "Client ID,Xero Tracking Category 1,Xero Tracking Category 2,Note,Other";
    let (open, stray) = (
        "error CSV_ROW_MALFORMED 2:-",
        "warning CSV_ROW_MALFORMED 2:-",
    );
    for (row, want) in [
        ("C9,General,North,,\"open", vec![open]),
        ("C9,General,North,,\"op\"\"en", vec![open]),
        ("C9,General,North,st\"ray,\"open", vec![open]),
        ("C9,General,North,,\"closed\"", vec![]),
        ("C9,General,North,\"closed\"x\"y,", vec![stray]),
        ("C9,General,North,st\"ray,x", vec![stray]),
    ] {
        let text = format!("{h}\r\n{row}");
        let r = validate(sample(), text.as_bytes(), Options::default());
        assert_eq!(issues(&r), want, "{row}");
        assert_chunking_is_invisible(&sample(), text.as_bytes(), row);
    }
}

/// The one "did you mean" of a failing cell's message, as www/csv-file.js reads it:
/// `Did you mean "<option>"?`. Each message must say at most one, in that form.
fn one_suggestion(message: &str) -> Option<&str> {
    let said = message.to_lowercase().matches("did you mean").count();
    assert!(said <= 1, "{said} suggestions: {message}");
    let (_, rest) = message.split_once("Did you mean \"")?;
    rest.split_once("\"?").map(|(option, _)| option)
}

/// The lookup's near miss (an option that differs only in accents, "Orakei" for "Ōrākei")
/// put "(did you mean …?)" into the message and the CSV added its edit-distance "Did you
/// mean" too: the same option twice, or two different ones. One suggestion now: the near
/// miss when there is one (what the user surely meant), else the closest by edit distance.
#[test]
fn a_failing_cell_suggests_one_option_the_near_miss_first() {
    for (locations, cell, want) in [
        (&["Ōrākei"][..], "Orakei", Some("Ōrākei")),
        (&["Oraka", "Ōrākei"][..], "Orakei", Some("Ōrākei")),
        (&["Oraka", "Ōrākei"][..], "Orak", Some("Oraka")),
        (&["Oraka", "Ōrākei"][..], "Harbour", None),
    ] {
        let snap = two_categories(locations, &["Sales"]);
        let text = format!(
            "Client ID,Xero Tracking Category 1,Xero Tracking Category 2\r\nC1,{cell},Sales\r\n"
        );
        let r = validate(&snap, text.as_bytes(), Options::default());
        assert_eq!(
            issues(&r),
            vec!["error TRACKING_OPTION_UNKNOWN 2:2"],
            "{cell}"
        );
        let message = &r.issues[0].message;
        assert_eq!(
            one_suggestion(message),
            want,
            "{locations:?} {cell}: {message}"
        );
        assert!(message.contains("\"None\" to clear"), "{message}");
        if want.is_none() {
            assert!(
                message.contains("Active options: Oraka, Ōrākei."),
                "{message}"
            );
        }
    }
}
