//! The invoice's own header fields: its id, its date (checked against the organisation's lock
//! dates) and its currency (enabled in the organisation or not).
//!
//! Owns only what is read from the invoice itself before its lines; the contact, due date and
//! numbering are their own modules.

use crate::dates::Date;
use crate::input::settings::Status;
use crate::input::snapshot::Lock;
use crate::input::source::{non_empty, non_empty_text};
use crate::issues::{Issue, IssueCode, Path};
use crate::resolve::Doc;
use crate::Text;

/// The header as the rest of the flow reads it, each field cleaned once.
pub(crate) struct Header {
    /// The host's id (or `#index` when it gave none, which is an error).
    pub(crate) source_id: Text,
    /// The invoice date, when readable.
    pub(crate) date: Option<Date>,
    /// The currency code as given, upper-cased (`None`: the base currency).
    pub(crate) currency: Option<Text>,
}

/// Reads the header, in the order its issues are reported: id, date, lock dates, currency.
/// A date the host wrote (an invoice's `date` or `dueDate`, a payment's `date`): its calendar
/// date, or `DATE_INVALID`. One with a time of day in UTC is read as the date written, with
/// `DATE_FROM_UTC_TIME`: a date converted to UTC (`toISOString()`) can be the day before or
/// after the organisation's, and Xero would keep that day (reference §2.8).
pub(crate) fn host_date(raw: &str, at: Path, issues: &mut Vec<Issue>) -> Option<Date> {
    let Some(date) = Date::parse(raw) else {
        issues.push(Issue::error(
            IssueCode::DateInvalid,
            at,
            format!(
                "\"{}\" is not a calendar date YYYY-MM-DD.",
                crate::money::shown(raw)
            ),
        ));
        return None;
    };
    if crate::dates::has_utc_time_of_day(raw) {
        issues.push(Issue::warning(
            IssueCode::DateFromUtcTime,
            at,
            format!("\"{}\" is a time in UTC; the date sent is {date}, as written. If it was converted from a local date (toISOString()), it may be a day off: send the calendar date, YYYY-MM-DD.", crate::money::shown(raw)),
        ));
    }
    Some(date)
}

pub(crate) fn resolve(doc: &Doc<'_>, index: usize, issues: &mut Vec<Issue>) -> Header {
    let (inv, path) = (doc.inv, doc.path);
    let source_id = match non_empty_text(&inv.id) {
        Some(id) => id,
        None => {
            issues.push(Issue::error(IssueCode::Missing, path.field("id"), "The invoice has no id: give every invoice the host's stable id (it keys idempotency and outcomes)."));
            Text::from(format!("#{index}"))
        }
    };
    let date = match non_empty(&inv.date) {
        None => {
            issues.push(Issue::error(IssueCode::Missing, path.field("date"), "The invoice has no date: the library reads no clock, so every invoice needs `date` as YYYY-MM-DD."));
            None
        }
        // The text as written: " 2024-01-15" or "2024-01-15\n" is not a date, it is a date
        // with something around it that the host should not be sending.
        Some(_) => host_date(
            inv.date.as_deref().unwrap_or_default(),
            path.field("date"),
            issues,
        ),
    };
    if let Some(d) = date {
        check_lock_dates(doc, d, issues);
    }
    let currency = currency(doc, issues);
    Header {
        source_id,
        date,
        currency,
    }
}

fn currency(doc: &Doc<'_>, issues: &mut Vec<Issue>) -> Option<Text> {
    let snapshot = doc.ctx.snapshot;
    let currency = non_empty(&doc.inv.currency).map(smol_str::StrExt::to_ascii_uppercase_smolstr);
    if let Some(c) = &currency {
        if !snapshot.currency_enabled(c) {
            let base = snapshot.base_currency().unwrap_or("its base currency");
            issues.push(Issue::error(
                IssueCode::CurrencyNotEnabled,
                doc.path.field("currency"),
                format!("{c} is not enabled for this organisation (base currency {base}). Add the currency in Xero (needs a plan with multi-currency) or invoice in {base}."),
            ));
        }
    }
    currency
}

/// A document dated on or before a lock date: Xero refuses to approve it ("The document
/// date cannot be before the end of year lock date, currently set at …"), or to change it
/// once approved (reference §2.6: no edits in a locked period).
///
/// - AUTHORISED (sent so, or already so in Xero and updated) under the end-of-year lock,
///   which binds every user: an error, since the request cannot succeed.
/// - The same under the period lock, which does not bind users with the Adviser role: a
///   warning. Which role connected the app is not in the snapshot; blocking would stop an
///   adviser's valid export for good, while a refused request comes back as a per-document
///   outcome (`DATE_LOCKED`) from the reconciliation.
/// - DRAFT and SUBMITTED are not posted to the ledger, and Xero saves them before a lock
///   date (UNVERIFIED in Xero's own docs; third-party export tools' help pages say so): a
///   warning that approval will be refused later.
fn check_lock_dates(doc: &Doc<'_>, date: Date, issues: &mut Vec<Issue>) {
    let (inv, path) = (doc.inv, doc.path);
    let Some(lock) = doc.ctx.snapshot.lock_dates.lock_for(date) else {
        return;
    };
    let at = || path.field("date");
    let status = doc.ctx.settings.status;
    let authorised_in_xero = inv
        .xero
        .as_ref()
        .and_then(|x| non_empty(&x.status))
        .is_some_and(|s| s.eq_ignore_ascii_case("AUTHORISED"));
    let posted = status == Status::Authorised || authorised_in_xero;
    match lock {
        Lock::EndOfYear(l) if posted => issues.push(Issue::error(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's end-of-year lock date {l}: Xero lets no one approve or change an AUTHORISED document dated there. Date the invoice after {l}, export it as a DRAFT, or ask the organisation's adviser to move the lock date."))),
        Lock::Period(l) if posted => issues.push(Issue::warning(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's period lock date {l}: Xero refuses to approve or change an AUTHORISED document dated there unless the user who connected the app has the Adviser role. Date the invoice after {l}, export it as a DRAFT, or ask the adviser to move the lock date."))),
        Lock::EndOfYear(l) | Lock::Period(l) => issues.push(Issue::warning(IssueCode::DateLocked, at(), format!("The date {date} is on or before the organisation's lock date {l}: Xero saves it as {} but will not approve it until the lock date moves.", status.as_str()))),
    }
}
