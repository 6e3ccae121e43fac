//! What the host hands the sync: the documents it exported (read through the unknown-key
//! watch, so a misspelt `xero.nmuber` is reported with a did-you-mean) and the options.
//!
//! Read once here, checked once: every later part works on [`Doc`]s whose id is a UUID (or
//! absent) and whose number is trimmed, and on [`SyncLimits`] within Xero's limits.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, ErrorCode};
use crate::input::unknown::{read, Found, Log};
use crate::issues::{Issue, IssueCode, Path};
use crate::send::plan::{Limits, PlanOptions};

/// Longest URL (base URL `https://api.xero.com/api.xro/2.0` included) a sync GET may have by
/// default. Xero documents no limit, only "limited by the maximum url length" with batches of
/// about 40 ids recommended (reference §9.2); 2,048 bytes is the classic safe limit of
/// browsers, proxies and CDNs; the 40-id cap (`plan::MAX_PER_GET`) binds first.
pub const DEFAULT_MAX_URL: usize = 2048;
/// The base URL every request path is appended to (its length counts against the limit).
pub const BASE_URL: &str = "https://api.xero.com/api.xro/2.0";

/// Which collection a document lives in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize,
)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SyncDocumentKind"))]
#[serde(rename_all = "camelCase")]
pub enum ExportedKind {
    /// An invoice or bill (GET /Invoices); also read from Xero's Types, as an export's outcome
    /// gives them.
    #[default]
    #[serde(alias = "ACCREC", alias = "ACCPAY")]
    Invoice,
    /// A credit note (GET /CreditNotes).
    #[serde(alias = "ACCRECCREDIT", alias = "ACCPAYCREDIT")]
    CreditNote,
}

/// Where the document is in Xero.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields, rename = "ExportedXeroRef"))]
#[serde(rename_all = "camelCase")]
pub struct ExportedXero {
    /// InvoiceID / CreditNoteID (a UUID).
    #[serde(default)]
    pub id: Option<String>,
    /// InvoiceNumber / CreditNoteNumber, when the id is not known.
    #[serde(default)]
    pub number: Option<String>,
}

/// What the host last knew of the document; only the fields given are compared.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields, rename = "ExportedKnown"))]
#[serde(rename_all = "camelCase")]
pub struct Known {
    /// DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED.
    #[serde(default)]
    pub status: Option<String>,
    /// AmountDue (invoices).
    #[serde(default, deserialize_with = "crate::money::de_opt_decimal")]
    #[cfg_attr(test, ts(as = "Option<crate::money::Num>"))]
    pub amount_due: Option<Decimal>,
    /// AmountPaid (invoices).
    #[serde(default, deserialize_with = "crate::money::de_opt_decimal")]
    #[cfg_attr(test, ts(as = "Option<crate::money::Num>"))]
    pub amount_paid: Option<Decimal>,
    /// AmountCredited (invoices).
    #[serde(default, deserialize_with = "crate::money::de_opt_decimal")]
    #[cfg_attr(test, ts(as = "Option<crate::money::Num>"))]
    pub amount_credited: Option<Decimal>,
    /// RemainingCredit (credit notes).
    #[serde(default, deserialize_with = "crate::money::de_opt_decimal")]
    #[cfg_attr(test, ts(as = "Option<crate::money::Num>"))]
    pub remaining_credit: Option<Decimal>,
}

impl Known {
    /// Whether no field is given.
    fn is_empty(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.trim().is_empty())
            && self.amount_due.is_none()
            && self.amount_paid.is_none()
            && self.amount_credited.is_none()
            && self.remaining_credit.is_none()
    }
}

/// One document the host exported earlier.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct ExportedDocument {
    /// The host's own id of the invoice.
    pub source_id: String,
    /// `invoice` (default) or `creditNote`, or the export outcome's `kind` (Xero's Type).
    #[serde(default)]
    #[cfg_attr(test, ts(optional, type = "SyncDocumentKind | DocumentKind"))]
    pub kind: Option<ExportedKind>,
    /// Where it is in Xero.
    #[serde(default)]
    pub xero: ExportedXero,
    /// What the host last knew (absent: everything read is reported).
    #[serde(default)]
    pub known: Option<Known>,
}

/// How the host wants the sync run. Only `tenantId` is required.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SyncOptions {
    /// The `xero-tenant-id` of the organisation.
    pub tenant_id: String,
    /// The host's last sync time, an ISO-8601 UTC timestamp (`2024-05-01T10:00:00Z`): sent as
    /// `If-Modified-Since` for documents the host already knows (the library reads no clock).
    #[serde(default)]
    pub since: Option<String>,
    /// `true`: ask Xero for summaries (`summaryOnly=true`) and do not read payments, credit
    /// notes or allocations; status and amounts are still read. Default `false`.
    #[serde(default)]
    pub summary_only: Option<bool>,
    /// Longest URL, base URL included, 1,024 to 8,192 (default 2,048).
    #[serde(default, deserialize_with = "crate::money::whole::optional")]
    pub max_url_length: Option<usize>,
    /// Requests in flight at once, 1-5 (default 5).
    #[serde(default, deserialize_with = "crate::money::whole::optional")]
    pub max_concurrent: Option<usize>,
    /// Sends of one GET that may end without an answer before its documents are reported
    /// unread (default 8).
    #[serde(default, deserialize_with = "crate::money::whole::optional")]
    pub max_attempts: Option<u32>,
    /// First delay after a 5xx or lost answer, doubled per failure up to a minute (default 1000).
    #[serde(default, deserialize_with = "crate::money::whole::optional")]
    pub backoff_ms: Option<u64>,
}

/// [`SyncOptions`] checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncLimits {
    /// Tenant, concurrency, attempts and backoff, checked as a sending run checks them.
    pub run: Limits,
    /// `If-Modified-Since` value (`YYYY-MM-DDThh:mm:ssZ`), when given.
    pub since: Option<String>,
    /// Summaries only.
    pub summary_only: bool,
    /// Longest URL, base URL included.
    pub max_url: usize,
}

/// A document as the sync works on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    /// Position in the host's list.
    pub index: usize,
    /// The host's id.
    pub source_id: String,
    /// Collection.
    pub kind: ExportedKind,
    /// Xero's id, lower case, when it is a UUID.
    pub id: Option<String>,
    /// Xero's number, trimmed, when the id is not usable.
    pub number: Option<String>,
    /// What the host knew.
    pub known: Option<KnownState>,
}

/// [`Known`] with the status upper-cased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KnownState {
    /// Status.
    pub status: Option<String>,
    /// AmountDue.
    pub amount_due: Option<Decimal>,
    /// AmountPaid.
    pub amount_paid: Option<Decimal>,
    /// AmountCredited.
    pub amount_credited: Option<Decimal>,
    /// RemainingCredit.
    pub remaining_credit: Option<Decimal>,
}

/// Reads the host's exported documents (a JSON array) with their unknown keys recorded as
/// `FIELD_UNKNOWN` warnings. A value of the wrong type is misuse, said at its path.
pub fn read_exported(json: &str) -> Result<(Vec<ExportedDocument>, Vec<Issue>), Error> {
    let log = Log::default();
    let root = Path::root("exported");
    let mut de = serde_json::Deserializer::from_str(json);
    let docs: Vec<ExportedDocument> = read(&mut de, &root, &log)
        .and_then(|d| de.end().map(|()| d))
        .map_err(|e| misfit("exported", &log, &e))?;
    let issues = log
        .into_found()
        .iter()
        .map(|f| unknown_key(f, "field of an exported document"))
        .collect();
    Ok((docs, issues))
}

/// Reads the options; an unknown key is misuse (a misspelt `since` would silently re-read
/// everything), thrown with a did-you-mean.
pub fn read_options(json: &str) -> Result<SyncOptions, Error> {
    let log = Log::default();
    let root = Path::root("options");
    let mut de = serde_json::Deserializer::from_str(json);
    let options: SyncOptions = read(&mut de, &root, &log)
        .and_then(|o| de.end().map(|()| o))
        .map_err(|e| misfit("options", &log, &e))?;
    // Every unknown key at once (a caller fixing one typo should not meet the next one only
    // on the next run), said at the first one's path, cut short as caller text is shown.
    let found = log.into_found();
    let Some(first) = found.first() else {
        return Ok(options);
    };
    let messages: Vec<String> = found.iter().map(|f| f.describe("sync option")).collect();
    Err(Error::new(
        ErrorCode::InvalidInput,
        &crate::money::shown(first.path.as_str()),
        messages.join(" "),
    ))
}

fn misfit(argument: &str, log: &Log, e: &serde_json::Error) -> Error {
    let text = e.to_string();
    let message = crate::input::source::without_position(&text);
    match log.misfit() {
        Some(at) => Error::new(
            ErrorCode::InvalidInput,
            at.as_str(),
            format!("`{}`: {message}", at.as_str()),
        ),
        None => Error::new(ErrorCode::InvalidInput, argument, message.into_owned()),
    }
}

/// An unknown key of an exported document: a warning, since hosts pass their own records.
fn unknown_key(f: &Found, what: &str) -> Issue {
    Issue::warning(IssueCode::FieldUnknown, f.path.as_str(), f.describe(what))
}

impl SyncOptions {
    /// Checks the options; values beyond Xero's limits are misuse, not clamped.
    pub fn limits(&self) -> Result<SyncLimits, Error> {
        let run = PlanOptions {
            tenant_id: self.tenant_id.clone(),
            max_concurrent: self.max_concurrent,
            max_attempts: self.max_attempts,
            backoff_ms: self.backoff_ms,
            ..PlanOptions::default()
        }
        .limits()?;
        let max_url = self.max_url_length.unwrap_or(DEFAULT_MAX_URL);
        if !(1024..=8192).contains(&max_url) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "options.maxUrlLength",
                format!("maxUrlLength must be 1024 to 8192 bytes (got {max_url}); the default 2048 is safe everywhere."),
            ));
        }
        let since = match self.since.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(since_header(s).ok_or_else(|| {
                Error::new(
                    ErrorCode::InvalidInput,
                    "options.since",
                    format!("`since` must be an ISO-8601 UTC timestamp such as 2024-05-01T10:00:00Z (the time of the host's last sync; got \"{}\").", crate::money::shown(s)),
                )
            })?),
        };
        Ok(SyncLimits {
            run,
            since,
            summary_only: self.summary_only.unwrap_or(false),
            max_url,
        })
    }
}

/// `YYYY-MM-DDThh:mm:ss[.fff][Z]` (UTC) → `YYYY-MM-DDThh:mm:ssZ` for `If-Modified-Since`: Xero
/// documents a UTC `yyyy-mm-ddThh:mm:ss`, its OpenAPI file declares `format: date-time` (which
/// needs the zone) and xero-node sends `toISOString()`; the `Z` form satisfies all three. The
/// fraction is dropped, which moves the time earlier: Xero then returns a little more, never
/// less. An offset other than `Z` is refused rather than converted.
pub fn since_header(text: &str) -> Option<String> {
    let t = text.strip_suffix('Z').unwrap_or(text);
    let (date, time) = t.split_once('T')?;
    crate::dates::Date::parse(date)?;
    let (hms, fraction) = match time.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (time, None),
    };
    if fraction.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let parts: Vec<&str> = hms.split(':').collect();
    let ok = parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()));
    let num = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    if !ok || num(0)? > 23 || num(1)? > 59 || num(2)? > 59 {
        return None;
    }
    Some(format!("{date}T{hms}Z"))
}

/// Whether `text` is a UUID in Xero's form (8-4-4-4-12 hex digits).
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.bytes().enumerate().all(|(i, b)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                b == b'-'
            } else {
                b.is_ascii_hexdigit()
            }
        })
}

/// Checks each document: the ones the sync can look up, and the issues of the others (all
/// at once). A duplicate source id, no id and no number, or an id that is not a UUID (without
/// a number to fall back on) leave the document out, with an error.
pub fn check(exported: &[ExportedDocument]) -> (Vec<Doc>, Vec<Issue>) {
    let mut docs: Vec<Doc> = Vec::with_capacity(exported.len());
    let mut issues = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (index, e) in exported.iter().enumerate() {
        let at = Path::root("exported").index(index);
        let source_id = e.source_id.trim();
        if source_id.is_empty() {
            issues.push(Issue::error(IssueCode::Missing, at.field("sourceId"), "`sourceId` is empty: give the host's own id of the invoice, so the change can be matched back to it."));
            continue;
        }
        if !seen.insert(source_id.to_owned()) {
            issues.push(Issue::error(
                IssueCode::SourceIdDuplicate,
                at.field("sourceId"),
                format!(
                    "\"{}\" appears more than once; it is synced once, from its first entry.",
                    crate::money::shown(source_id)
                ),
            ));
            continue;
        }
        if let Some(doc) = check_one(index, source_id, e, &at, &mut issues) {
            docs.push(doc);
        }
    }
    (docs, issues)
}

fn check_one(
    index: usize,
    source_id: &str,
    e: &ExportedDocument,
    at: &Path,
    issues: &mut Vec<Issue>,
) -> Option<Doc> {
    let number = e
        .xero
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    let raw_id = e
        .xero
        .id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let id = match raw_id {
        Some(id) if is_uuid(id) => Some(id.to_ascii_lowercase()),
        Some(id) => {
            let fallback = if number.is_some() {
                " It is looked up by its number instead."
            } else {
                " It is not synced."
            };
            let message = format!("\"{}\" is not a Xero id (a UUID such as 243c8f5e-...-b5a1): Xero would refuse the whole GET it is in.{fallback}", crate::money::shown(id));
            issues.push(if number.is_some() {
                Issue::warning(
                    IssueCode::XeroIdInvalid,
                    at.field("xero").field("id"),
                    message,
                )
            } else {
                Issue::error(
                    IssueCode::XeroIdInvalid,
                    at.field("xero").field("id"),
                    message,
                )
            });
            None
        }
        None => None,
    };
    if id.is_none() && number.is_none() {
        if raw_id.is_none() {
            issues.push(Issue::error(IssueCode::Missing, at.field("xero"), "Neither `xero.id` nor `xero.number` is given: the sync cannot find this document in Xero. Store the InvoiceID the export returned."));
        }
        return None;
    }
    let kind = e.kind.unwrap_or_default();
    if let Some(k) = &e.known {
        not_of_kind(k, kind, at, issues);
    }
    Some(Doc {
        index,
        source_id: source_id.to_owned(),
        kind,
        number: if id.is_some() { None } else { number },
        id,
        // `known: {}` says nothing: treated as absent (a first sync, read in full, reported).
        known: e
            .known
            .as_ref()
            .filter(|k| !k.is_empty())
            .map(|k| KnownState {
                status: k
                    .status
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_ascii_uppercase),
                amount_due: k.amount_due,
                amount_paid: k.amount_paid,
                amount_credited: k.amount_credited,
                remaining_credit: k.remaining_credit,
            }),
    })
}

/// `known` amounts the kind has no field for in Xero (a credit note has no AmountDue,
/// AmountPaid or AmountCredited; an invoice no RemainingCredit) are never compared: a warning
/// each, since a host that passed one to hear of part payments would otherwise hear nothing.
fn not_of_kind(k: &Known, kind: ExportedKind, at: &Path, issues: &mut Vec<Issue>) {
    let (fields, instead): (&[(&str, bool)], &str) = match kind {
        ExportedKind::Invoice => (
            &[("remainingCredit", k.remaining_credit.is_some())],
            "an invoice's are amountDue, amountPaid and amountCredited",
        ),
        ExportedKind::CreditNote => (
            &[
                ("amountDue", k.amount_due.is_some()),
                ("amountPaid", k.amount_paid.is_some()),
                ("amountCredited", k.amount_credited.is_some()),
            ],
            "a credit note's is remainingCredit (set kind: 'invoice' if this is an invoice)",
        ),
    };
    let what = match kind {
        ExportedKind::Invoice => "an invoice",
        ExportedKind::CreditNote => "a credit note",
    };
    for (field, given) in fields {
        if *given {
            issues.push(Issue::warning(
                IssueCode::FieldUnknown,
                at.field("known").field(field),
                format!("Xero has no {field} on {what}, so it is not compared: {instead}."),
            ));
        }
    }
}
