//! Stale mappings: every settings entry that no longer resolves against a fresh snapshot, found
//! before any export rather than when an invoice fails.
//!
//! Checked with the export's own rules: accounts (`accounts.default`, `accounts.byService`) must
//! exist, be ACTIVE, not be a bank account and fit the invoice kind's class; tax rates
//! (`taxes.default`, `taxes.byCode`) must exist, be ACTIVE and be allowed on that class; mapped
//! contacts (`contacts.mapping`) must exist and be ACTIVE; tracking categories must be ACTIVE and
//! among the two numbered ones; every mapped option (clinicians, locations, services, the
//! fallback, per-client options) must be an ACTIVE option ([`tracking::lookup`]).
//!
//! Each finding has the settings path, the issue code the export would raise, the reason and a
//! suggestion: with the previous snapshot, an entry that named something since renamed is
//! found by its ID ("renamed to …"); else the closest ACTIVE name by edit distance; else
//! "choose another". Entries that name things by ID (or accounts by code) keep working after a
//! rename: they are reported as warnings (MAPPING_NAME_CHANGED) so the screen can show the new
//! display name.

use serde::Serialize;

use crate::input::settings::{InvoiceKind, Settings};
use crate::input::snapshot::{AccountClass, Snapshot, TrackingCategory};
use crate::issues::{IssueCode, Severity};
use crate::resolve::tracking::{self, find_category, Stale};
use crate::tracking_csv::suggest;

/// Why a mapping entry is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum StaleReason {
    /// Nothing by that code, name or ID in the snapshot (deleted, or renamed).
    Unknown,
    /// ARCHIVED in Xero.
    Archived,
    /// DELETED in Xero.
    Deleted,
    /// Another status that is not ACTIVE.
    Inactive,
    /// A bank account: never on lines.
    BankAccount,
    /// The account's class does not fit the invoice kind.
    WrongClass,
    /// The tax rate is not allowed on the account's class.
    NotAllowedForClass,
    /// The tracking category is ACTIVE but not one of the two numbered ones.
    NotNumbered,
    /// Still resolves (by ID or code), but its display name changed since the previous snapshot.
    DisplayNameChanged,
}

/// What the suggestion is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum SuggestionKind {
    /// The same thing under its new name or code (found by its ID in the previous snapshot).
    Renamed,
    /// The closest ACTIVE name (edit distance), or an ACTIVE contact of the same name.
    CloseName,
    /// Nothing close: the user has to choose another.
    ChooseAnother,
    /// Nothing to change (the entry still works).
    Keep,
}

/// A suggested replacement value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// What it is.
    pub kind: SuggestionKind,
    /// The value to put in the settings instead, when there is one.
    pub value: Option<String>,
}

/// One settings entry that no longer resolves (error) or whose display name changed (warning).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StaleMapping {
    /// Error: the export would fail or drop it; warning: it still works.
    pub severity: Severity,
    /// The code the export raises for it.
    pub code: IssueCode,
    /// Where in the settings (`settings.tracking.categories[0].locations["loc-1"]`).
    pub path: String,
    /// The value the settings hold.
    pub value: String,
    /// Why.
    pub reason: StaleReason,
    /// For people: what is wrong and what to do.
    pub message: String,
    /// What to put instead.
    pub suggestion: Suggestion,
}

/// `base["key"]`, the key written as a JSON string.
fn keyed(base: &str, key: &str) -> String {
    crate::issues::Path::root(base).key(key).into()
}

/// The checks' shared state.
struct Check<'a> {
    snapshot: &'a Snapshot,
    previous: Option<&'a Snapshot>,
    /// The class the invoice kind's lines need.
    class: AccountClass,
    sales: bool,
    out: Vec<StaleMapping>,
}

/// Every mapping of `settings` that does not resolve against `snapshot`; `previous` (the
/// snapshot the settings were made with) lets renames be told apart from deletions.
pub fn stale_mappings(
    settings: &Settings,
    snapshot: &Snapshot,
    previous: Option<&Snapshot>,
) -> Vec<StaleMapping> {
    let sales = settings.invoice_type == InvoiceKind::Accrec;
    let mut c = Check {
        snapshot,
        previous,
        class: if sales {
            AccountClass::Revenue
        } else {
            AccountClass::Expense
        },
        sales,
        out: Vec::new(),
    };
    let accounts = &settings.accounts;
    if let Some(code) = &accounts.default {
        c.account("settings.accounts.default".into(), code);
    }
    for (k, code) in &accounts.by_service {
        c.account(keyed("settings.accounts.byService", k), code);
    }
    let tax_class = accounts
        .default
        .as_deref()
        .and_then(|code| snapshot.account(code))
        .and_then(AccountClass::of)
        // The default account's class when it fits the invoice kind (a wrong default is
        // reported once, not again through every tax rate).
        .filter(|class| (*class == AccountClass::Revenue) == sales)
        .unwrap_or(c.class);
    if let Some(tt) = &settings.taxes.default {
        c.tax("settings.taxes.default".into(), tt, tax_class);
    }
    for (k, tt) in &settings.taxes.by_code {
        c.tax(keyed("settings.taxes.byCode", k), tt, tax_class);
    }
    for (k, id) in &settings.contacts.mapping {
        c.contact(keyed("settings.contacts.mapping", k), id);
    }
    c.tracking(settings);
    c.out
}

impl Check<'_> {
    fn push(
        &mut self,
        path: String,
        value: &str,
        (code, reason): (IssueCode, StaleReason),
        message: String,
        suggestion: Suggestion,
    ) {
        let severity = if reason == StaleReason::DisplayNameChanged {
            Severity::Warning
        } else {
            Severity::Error
        };
        self.out.push(StaleMapping {
            severity,
            code,
            path,
            value: value.to_owned(),
            reason,
            message,
            suggestion,
        });
    }

    /// The ACTIVE accounts the invoice kind's lines may take (codes and names, for suggestions).
    fn eligible_accounts(&self) -> Vec<(&str, &str)> {
        self.snapshot
            .accounts
            .iter()
            .filter(|a| matches!(a.status.as_deref(), None | Some("ACTIVE")))
            .filter(|a| a.kind.as_deref() != Some("BANK"))
            .filter(|a| {
                AccountClass::of(a).is_some_and(|c| (c == AccountClass::Revenue) == self.sales)
            })
            .filter_map(|a| Some((a.code.as_deref()?, a.name.as_deref().unwrap_or(""))))
            .collect()
    }

    /// The eligible account whose name is closest to `name` (edit distance), else whose code is
    /// closest to `code` when there is no name to go by (codes are numbers: "310" is not a
    /// misspelt "210", so a named account is never suggested by code).
    fn close_account(&self, code: &str, name: Option<&str>) -> Suggestion {
        let eligible = self.eligible_accounts();
        let hit = match name {
            Some(n) => suggest(n, eligible.iter().map(|(_, n)| *n))
                .and_then(|hit| eligible.iter().find(|(_, en)| *en == hit).map(|(c, _)| *c)),
            None => suggest(code, eligible.iter().map(|(c, _)| *c)),
        };
        close(hit)
    }

    fn account(&mut self, path: String, code: &str) {
        let Some(acc) = self.snapshot.account(code) else {
            if self.snapshot.accounts.is_empty() {
                return;
            }
            let before = self.previous.and_then(|p| p.account(code));
            let moved = before
                .and_then(|b| b.account_id.as_deref())
                .and_then(|id| self.snapshot.account(id))
                .and_then(|a| a.code.as_deref());
            let (msg, suggestion) = match moved {
                Some(new_code) => (format!("Account \"{code}\" is not in the chart of accounts any more: its code changed to \"{new_code}\" in Xero. Map to \"{new_code}\"."), renamed(new_code)),
                None => (format!("Account \"{code}\" is not in the chart of accounts (deleted in Xero?). Choose another account."), self.close_account(code, before.and_then(|b| b.name.as_deref()))),
            };
            return self.push(
                path,
                code,
                (IssueCode::AccountUnknown, StaleReason::Unknown),
                msg,
                suggestion,
            );
        };
        let status = acc.status.as_deref();
        let name = acc.name.as_deref();
        let broken = match (status, acc.kind.as_deref(), AccountClass::of(acc)) {
            (Some(s), _, _) if s != "ACTIVE" => Some((IssueCode::AccountArchived, status_reason(s), format!("Account \"{code}\" is {s} in Xero: documents cannot use it. Restore it in Xero or choose another account."))),
            (_, Some("BANK"), _) => Some((IssueCode::AccountClassMismatch, StaleReason::BankAccount, format!("Account \"{code}\" is a bank account, which Xero never takes on lines. Choose another account."))),
            (_, _, Some(class)) if (class == AccountClass::Revenue) != self.sales => Some((IssueCode::AccountClassMismatch, StaleReason::WrongClass, format!("Account \"{code}\" is a {} account; {} Choose another account.", class.name(), if self.sales { "sales lines need a revenue account." } else { "bills need an expense (or asset) account." }))),
            _ => None,
        };
        if let Some((issue, reason, msg)) = broken {
            let suggestion = self.close_account(code, name);
            return self.push(path, code, (issue, reason), msg, suggestion);
        }
        let old_name = self
            .previous
            .and_then(|p| p.account(acc.account_id.as_deref().unwrap_or(code)))
            .and_then(|a| a.name.as_deref());
        if let (Some(old), Some(new)) = (old_name, name) {
            if old != new {
                let msg = format!("Account \"{code}\" was renamed in Xero from \"{old}\" to \"{new}\"; the mapping still works (it names the account by code).");
                self.push(
                    path,
                    code,
                    (
                        IssueCode::MappingNameChanged,
                        StaleReason::DisplayNameChanged,
                    ),
                    msg,
                    keep(),
                );
            }
        }
    }

    fn tax(&mut self, path: String, tax_type: &str, class: AccountClass) {
        let active: Vec<&str> = self
            .snapshot
            .tax_rates
            .iter()
            .filter(|t| {
                matches!(t.status.as_deref(), None | Some("ACTIVE")) && t.allowed_for(class)
            })
            .filter_map(|t| t.tax_type.as_deref())
            .collect();
        let Some(rate) = self.snapshot.tax_rate(tax_type) else {
            if self.snapshot.tax_rates.is_empty() {
                return;
            }
            let msg = format!("Tax rate \"{tax_type}\" is not among the organisation's tax rates (deleted in Xero?). Choose another.");
            let suggestion = close(suggest(tax_type, active.iter().copied()));
            return self.push(
                path,
                tax_type,
                (IssueCode::TaxTypeUnknown, StaleReason::Unknown),
                msg,
                suggestion,
            );
        };
        let status = rate.status.as_deref().unwrap_or("ACTIVE");
        let broken = if status != "ACTIVE" {
            Some((
                IssueCode::TaxTypeInactive,
                status_reason(status),
                format!("Tax rate \"{tax_type}\" is {status} in Xero. Choose another."),
            ))
        } else if !rate.allowed_for(class) {
            Some((
                IssueCode::TaxTypeNotAllowed,
                StaleReason::NotAllowedForClass,
                format!(
                    "Xero no longer allows tax rate \"{tax_type}\" on {} accounts. Choose another.",
                    class.name()
                ),
            ))
        } else {
            None
        };
        if let Some((code, reason, msg)) = broken {
            let by_name = rate.name.as_deref().and_then(|n| {
                let names = active
                    .iter()
                    .filter_map(|tt| self.snapshot.tax_rate(tt)?.name.as_deref());
                let hit = suggest(n, names)?;
                self.snapshot
                    .tax_rates
                    .iter()
                    .find(|t| t.name.as_deref() == Some(hit))?
                    .tax_type
                    .as_deref()
            });
            return self.push(path, tax_type, (code, reason), msg, close(by_name));
        }
        let old = self
            .previous
            .and_then(|p| p.tax_rate(tax_type))
            .and_then(|t| t.name.as_deref());
        if let (Some(old), Some(new)) = (old, rate.name.as_deref()) {
            if old != new {
                let msg = format!("Tax rate \"{tax_type}\" was renamed in Xero from \"{old}\" to \"{new}\"; the mapping still works.");
                self.push(
                    path,
                    tax_type,
                    (
                        IssueCode::MappingNameChanged,
                        StaleReason::DisplayNameChanged,
                    ),
                    msg,
                    keep(),
                );
            }
        }
    }

    fn contact(&mut self, path: String, id: &str) {
        let Some(contact) = self.snapshot.contact_by_id(id) else {
            if self.snapshot.contacts.is_empty() {
                return;
            }
            let msg = format!("Contact {id} is not among the snapshot's contacts (deleted or merged in Xero?). Map this payer to another contact.");
            return self.push(
                path,
                id,
                (IssueCode::ContactNotFound, StaleReason::Unknown),
                msg,
                choose_another(),
            );
        };
        let name = contact.name.as_deref().unwrap_or("");
        if !contact.is_active() {
            let status = contact.status.as_deref().unwrap_or("ARCHIVED");
            // An ACTIVE contact of the same name (an archived duplicate's survivor).
            let same = super::search::search_contacts(self.snapshot, name, 5)
                .into_iter()
                .find(|h| !h.archived && h.matched == super::search::SearchMatch::Exact)
                .and_then(|h| h.contact_id.map(|i| i.to_string()));
            let msg = format!("Contact \"{name}\" ({id}) is {status} in Xero: the export refuses it. Map this payer to another contact.");
            let suggestion = close(same.as_deref());
            return self.push(
                path,
                id,
                (IssueCode::ContactArchived, status_reason(status)),
                msg,
                suggestion,
            );
        }
        let old = self
            .previous
            .and_then(|p| p.contact_by_id(id))
            .and_then(|c| c.name.as_deref());
        if let Some(old) = old.filter(|o| *o != name) {
            let msg = format!("Contact {id} was renamed in Xero from \"{old}\" to \"{name}\"; the mapping still works (it is by ContactID).");
            self.push(
                path,
                id,
                (
                    IssueCode::MappingNameChanged,
                    StaleReason::DisplayNameChanged,
                ),
                msg,
                keep(),
            );
        }
    }

    fn tracking(&mut self, settings: &Settings) {
        let numbered: Vec<&TrackingCategory> = crate::tracking_csv::numbered(self.snapshot)
            .take(2)
            .collect();
        for (i, cat) in settings.tracking.categories.iter().enumerate() {
            let base = format!("settings.tracking.categories[{i}]");
            if !self.category(format!("{base}.category"), &cat.category, &numbered) {
                continue;
            }
            for (field, map) in [
                ("clinicians", &cat.clinicians),
                ("locations", &cat.locations),
                ("services", &cat.services),
            ] {
                for (k, v) in map {
                    self.option(keyed(&format!("{base}.{field}"), k), &cat.category, v);
                }
            }
            if let Some(f) = &cat.fallback {
                self.option(format!("{base}.fallback"), &cat.category, f);
            }
        }
        for (client, by_category) in &settings.tracking.clients {
            let base = keyed("settings.tracking.clients", client);
            for (category, v) in by_category {
                let path = keyed(&base, category);
                if find_category(self.snapshot, category)
                    .is_some_and(|c| numbered.iter().any(|n| std::ptr::eq(*n, c)))
                {
                    self.option(path, category, v);
                } else {
                    self.category(path, category, &numbered);
                }
            }
        }
    }

    /// The configured category; `false` when it does not resolve (its options are not checked).
    fn category(&mut self, path: String, name: &str, numbered: &[&TrackingCategory]) -> bool {
        if self.snapshot.tracking_categories.is_empty() {
            return false;
        }
        let Some(cat) = find_category(self.snapshot, name) else {
            let renamed_to = self
                .previous
                .and_then(|p| find_category(p, name))
                .and_then(|old| old.id.as_deref())
                .and_then(|id| find_category(self.snapshot, id))
                .filter(|c| numbered.iter().any(|n| std::ptr::eq(*n, *c)))
                .and_then(|c| c.name.as_deref());
            let (msg, suggestion) = match renamed_to {
                Some(new) => (format!("Tracking category \"{name}\" was renamed in Xero to \"{new}\". Map to \"{new}\" (or by its ID, which survives renames)."), renamed(new)),
                None => (format!("Tracking category \"{name}\" is not in Xero (deleted?). Choose one of the active categories."), close(suggest(name, numbered.iter().filter_map(|c| c.name.as_deref())))),
            };
            self.push(
                path,
                name,
                (IssueCode::TrackingCategoryUnknown, StaleReason::Unknown),
                msg,
                suggestion,
            );
            return false;
        };
        let label = cat.name.as_deref().unwrap_or(name);
        if let Some(status) = cat.status.as_deref().filter(|s| *s != "ACTIVE") {
            let msg = format!("Tracking category \"{label}\" is {status} in Xero: Xero drops its options from lines. Choose an active category.");
            let suggestion = close(suggest(
                label,
                numbered.iter().filter_map(|c| c.name.as_deref()),
            ));
            self.push(
                path,
                name,
                (IssueCode::TrackingCategoryInactive, status_reason(status)),
                msg,
                suggestion,
            );
            return false;
        }
        if !numbered.iter().any(|n| std::ptr::eq(*n, cat)) {
            let msg = format!("Tracking category \"{label}\" is ACTIVE but not one of the first two ACTIVE categories (Xero uses two). Archive the extra category in Xero or choose another.");
            self.push(
                path,
                name,
                (IssueCode::TrackingCategoryLimit, StaleReason::NotNumbered),
                msg,
                choose_another(),
            );
            return false;
        }
        self.renamed_by_id(path, name, cat.name.as_deref(), |p| {
            find_category(p, name).and_then(|c| c.name.clone())
        });
        true
    }

    /// A warning when `value` named something by ID whose name changed since `previous`.
    fn renamed_by_id(
        &mut self,
        path: String,
        value: &str,
        now: Option<&str>,
        then: impl Fn(&Snapshot) -> Option<String>,
    ) {
        let old = self.previous.and_then(then);
        if let (Some(old), Some(now)) = (old, now) {
            if old != now {
                let msg = format!("\"{value}\" was renamed in Xero from \"{old}\" to \"{now}\"; the mapping still works (it is by ID).");
                self.push(
                    path,
                    value,
                    (
                        IssueCode::MappingNameChanged,
                        StaleReason::DisplayNameChanged,
                    ),
                    msg,
                    keep(),
                );
            }
        }
    }

    fn option(&mut self, path: String, category: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let err = match tracking::lookup(self.snapshot, category, value) {
            Ok(found) => {
                return self.renamed_by_id(path, value, Some(&found.option), |p| {
                    tracking::lookup(p, category, value).ok().map(|f| f.option)
                });
            }
            Err(e) => e,
        };
        let Some(cat) = find_category(self.snapshot, category) else {
            return;
        };
        let label = cat.name.as_deref().unwrap_or(category);
        let active: Vec<&str> = cat
            .options
            .iter()
            .filter(|o| matches!(o.status.as_deref(), None | Some("ACTIVE")))
            .filter_map(|o| o.name.as_deref())
            .collect();
        let renamed_to = self
            .previous
            .and_then(|p| tracking::lookup(p, category, value).ok())
            .and_then(|old| old.option_id)
            .and_then(|id| tracking::lookup(self.snapshot, category, &id).ok())
            .map(|f| f.option)
            .filter(|new| new != value);
        let reason = match &err {
            Stale::OptionArchived => StaleReason::Archived,
            Stale::OptionDeleted => StaleReason::Deleted,
            _ => StaleReason::Unknown,
        };
        let (msg, suggestion) = match (&err, renamed_to) {
            (Stale::OptionUnknown(_), Some(new)) => (format!("Option \"{value}\" of \"{label}\" was renamed in Xero to \"{new}\". Map to \"{new}\" (or by its ID, which survives renames)."), renamed(&new)),
            _ => (err.describe(label, value), close(suggest(value, active.iter().copied()))),
        };
        self.push(path, value, (err.code(), reason), msg, suggestion);
    }
}

fn status_reason(status: &str) -> StaleReason {
    match status {
        "ARCHIVED" => StaleReason::Archived,
        "DELETED" => StaleReason::Deleted,
        _ => StaleReason::Inactive,
    }
}

fn renamed(value: &str) -> Suggestion {
    Suggestion {
        kind: SuggestionKind::Renamed,
        value: Some(value.to_owned()),
    }
}

fn close(value: Option<&str>) -> Suggestion {
    match value {
        Some(v) => Suggestion {
            kind: SuggestionKind::CloseName,
            value: Some(v.to_owned()),
        },
        None => choose_another(),
    }
}

fn choose_another() -> Suggestion {
    Suggestion {
        kind: SuggestionKind::ChooseAnother,
        value: None,
    }
}

fn keep() -> Suggestion {
    Suggestion {
        kind: SuggestionKind::Keep,
        value: None,
    }
}
