//! Accounts and tax per line: which AccountCode and TaxType a line is sent with, and whether
//! Xero will take them.
//!
//! Account: the line's accountCode, else settings.accounts.byService, else the Xero item's
//! account, else settings.accounts.default; it must exist, be ACTIVE, not be a bank account and
//! be of the class the document needs. Tax: the line's tax code through settings.taxes.byCode
//! (or a TaxType itself), else settings.taxes.default, else the account's, else the item's; it
//! must exist, be ACTIVE and be allowed for the account's class.
//!
//! Reads the snapshot and settings only; amounts are the line module's.

use rust_decimal::Decimal;

use crate::input::settings::Settings;
use crate::input::snapshot::{Account, AccountClass, Snapshot, TaxRate};
use crate::input::source::{non_empty, non_empty_text};
use crate::issues::{Issue, IssueCode};
use crate::money::totals::LineAmountTypes;
use crate::resolve::lines::LineInput;
use crate::resolve::Ctx;
use crate::Text;

/// How many of the codes the settings name [`Known`] keeps: settings name a handful, and a
/// longer list would make its scan cost more than the search it saves.
const KNOWN_MAX: usize = 8;

/// The snapshot's account and tax rate for each code the settings name (the default account,
/// the accounts by service, the default tax type and those by tax code), looked up once per
/// exporter. Why: nearly every line's account and tax type come from the settings, so the same
/// few codes were searched for in the snapshot on every line; a scan of these few texts is far
/// cheaper. Any other code (a line's own) is searched for as before, and the results are the
/// snapshot's own lookups, so nothing changes but the time.
#[derive(Clone, Debug, Default)]
pub(crate) struct Known {
    /// Code → index in `snapshot.accounts` (`None`: not in the chart).
    accounts: Vec<(Text, Option<usize>)>,
    /// TaxType → index in `snapshot.tax_rates` (`None`: not a tax rate).
    tax_rates: Vec<(Text, Option<usize>)>,
}

impl Known {
    /// Looks up the settings' codes in `snapshot`.
    pub(crate) fn new(snapshot: &Snapshot, settings: &Settings) -> Known {
        let mut known = Known::default();
        let accounts = settings.accounts.default.iter();
        for code in accounts.chain(settings.accounts.by_service.values()) {
            remember(&mut known.accounts, code, || snapshot.account_index(code));
        }
        let tax_types = settings.taxes.default.iter();
        for tt in tax_types.chain(settings.taxes.by_code.values()) {
            remember(&mut known.tax_rates, tt, || snapshot.tax_rate_index(tt));
        }
        known
    }

    /// [`Snapshot::account`], from the settings' codes when it is one of them.
    fn account<'s>(&self, snapshot: &'s Snapshot, code: &str) -> Option<&'s Account> {
        match find(&self.accounts, code) {
            Some(i) => snapshot.accounts.get(i?),
            None => snapshot.account(code),
        }
    }

    /// [`Snapshot::tax_rate`], from the settings' tax types when it is one of them.
    fn tax_rate<'s>(&self, snapshot: &'s Snapshot, tax_type: &str) -> Option<&'s TaxRate> {
        match find(&self.tax_rates, tax_type) {
            Some(i) => snapshot.tax_rates.get(i?),
            None => snapshot.tax_rate(tax_type),
        }
    }
}

/// Adds `code` and its lookup to `list` unless it is there or the list is full.
fn remember(
    list: &mut Vec<(Text, Option<usize>)>,
    code: &Text,
    lookup: impl FnOnce() -> Option<usize>,
) {
    if list.len() < KNOWN_MAX && !list.iter().any(|(c, _)| c == code) {
        list.push((code.clone(), lookup()));
    }
}

/// `code`'s lookup in `list`, when it is there (the exact text: another spelling is searched
/// for as before).
fn find(list: &[(Text, Option<usize>)], code: &str) -> Option<Option<usize>> {
    list.iter()
        .find(|(c, _)| c.as_str() == code)
        .map(|(_, i)| *i)
}

/// The account a line is sent with, and what its tax depends on.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineAccount {
    /// AccountCode as sent (the chart's own spelling when it is there).
    pub(crate) code: Option<Text>,
    /// Its class in the chart (for the tax rate's check).
    class: Option<AccountClass>,
    /// Its default tax type in the chart.
    tax: Option<Text>,
}

/// Where a line's account code or tax type came from: what an issue about it tells the user to
/// change (a line that names none is not the line's to fix).
#[derive(Clone, Copy, Debug)]
enum Origin<'a> {
    /// The line's own accountCode or taxCode (a TaxType as is).
    Line,
    /// A settings map's entry: the map's path and the key.
    Mapped(&'static str, &'a str),
    /// A setting: its path.
    Setting(&'static str),
    /// Xero's own default (the item's account, the account's tax type): what it is.
    Xero(&'static str),
}

impl Origin<'_> {
    /// ` (from settings.accounts.default)`, or nothing for the line's own.
    fn said(self) -> String {
        match self {
            Origin::Line => String::new(),
            Origin::Mapped(map, key) => {
                let at = crate::issues::Path::root(map).key(key);
                format!(" (from {})", at.as_str())
            }
            Origin::Setting(at) => format!(" (from {at})"),
            Origin::Xero(what) => format!(" ({what})"),
        }
    }

    /// What to do: change where it came from to `what` (`an active account`).
    fn fix(self, what: &str) -> String {
        match self {
            Origin::Line => format!("Map the line to {what}."),
            Origin::Mapped(..) | Origin::Setting(_) => format!("Change that setting to {what}."),
            Origin::Xero(_) => {
                format!("Give the line its own code, or change that default in Xero to {what}.")
            }
        }
    }
}

/// The line's account code, and where it came from.
fn account_code<'a>(s: &'a Settings, li: &LineInput<'a>) -> Option<(Text, Origin<'a>)> {
    if let Some(code) = non_empty_text(&li.line.account_code) {
        return Some((code, Origin::Line));
    }
    let mapped = li
        .service_code
        .and_then(|c| Some((c, s.accounts.by_service.get(c)?)));
    if let Some((service, code)) = mapped {
        return Some((
            code.clone(),
            Origin::Mapped("settings.accounts.byService", service),
        ));
    }
    let item = li.item_details.and_then(|d| d.account_code.clone());
    if let Some(code) = item {
        return Some((code, Origin::Xero("the item's account in Xero")));
    }
    let default = s.accounts.default.clone();
    default.map(|code| (code, Origin::Setting("settings.accounts.default")))
}

/// The line's account, checked against the chart of accounts.
pub(crate) fn account(ctx: &Ctx<'_>, li: &LineInput<'_>, issues: &mut Vec<Issue>) -> LineAccount {
    let s = ctx.settings;
    let (account, origin) = match account_code(s, li) {
        Some((code, origin)) => (Some(code), origin),
        None => (None, Origin::Line),
    };
    let mut out = LineAccount {
        code: account.clone(),
        ..LineAccount::default()
    };
    match &account {
        None => {
            if li.amount_given {
                let msg = "No account for this line: give the line an accountCode, map its service in settings.accounts.byService, or set settings.accounts.default.";
                issues.push(if s.status.is_approval() {
                    Issue::error(IssueCode::AccountMissing, li.path.field("accountCode"), msg)
                } else {
                    Issue::warning(IssueCode::AccountMissing, li.path.field("accountCode"), format!("{msg} (A DRAFT can be saved without one; approval needs it.)"))
                });
            }
        }
        Some(code) if !ctx.snapshot.accounts.is_empty() => match ctx.known.account(ctx.snapshot, code) {
            None => issues.push(Issue::error(IssueCode::AccountUnknown, li.path.field("accountCode"), format!("Account \"{code}\"{} is not in the organisation's chart of accounts. Check the mapping, or refresh the snapshot (GET /Accounts).", origin.said()))),
            Some(acc) => {
                out.code = acc.code.clone().or(out.code);
                out.tax = acc.tax_type.clone();
                out.class = AccountClass::of(acc);
                check_account(ctx, li, (code, origin), acc, out.class, issues);
            }
        },
        Some(_) => {}
    }
    out
}

/// ACTIVE, not a bank account, and of the class the document's direction needs.
fn check_account(
    ctx: &Ctx<'_>,
    li: &LineInput<'_>,
    (code, origin): (&str, Origin<'_>),
    acc: &Account,
    class: Option<AccountClass>,
    issues: &mut Vec<Issue>,
) {
    if !matches!(acc.status.as_deref(), None | Some("ACTIVE")) {
        issues.push(Issue::error(IssueCode::AccountArchived, li.path.field("accountCode"), format!("Account \"{code}\"{} is {} in Xero: \"Each line item must reference a valid account\". {}", origin.said(), acc.status.as_deref().unwrap_or(""), origin.fix("an active account"))));
    }
    let kind = acc.kind.as_deref().unwrap_or("");
    let wrong = if kind == "BANK" {
        Some("a bank account, which cannot be used on invoice lines".to_owned())
    } else {
        match (ctx.sales(), class) {
            (true, Some(c)) if c != AccountClass::Revenue => Some(format!(
                "a{} {} account; sales lines need a revenue account",
                if c == AccountClass::Asset
                    || c == AccountClass::Equity
                    || c == AccountClass::Expense
                {
                    "n"
                } else {
                    ""
                },
                c.name()
            )),
            (false, Some(AccountClass::Revenue)) => {
                Some("a revenue account; bills need an expense (or asset) account".to_owned())
            }
            _ => None,
        }
    };
    if let Some(why) = wrong {
        issues.push(Issue::error(
            IssueCode::AccountClassMismatch,
            li.path.field("accountCode"),
            format!("Account \"{code}\"{} is {why}.", origin.said()),
        ));
    }
}

/// The line's TaxType and rate (none and 0 under NoTax), checked against the tax rates.
pub(crate) fn tax(
    ctx: &Ctx<'_>,
    li: &LineInput<'_>,
    account: &LineAccount,
    issues: &mut Vec<Issue>,
) -> (Option<Text>, Decimal) {
    let s = ctx.settings;
    let tax_code = non_empty(&li.line.tax_code);
    if s.line_amount_types == LineAmountTypes::NoTax {
        if let Some(code) = tax_code {
            let shown = crate::money::shown(code);
            issues.push(Issue::warning(IssueCode::FieldNotSent, li.path.field("taxCode"), format!("Tax code \"{shown}\" is not sent: under settings.lineAmountTypes \"NoTax\" lines carry no tax. Leave taxCode out, or use \"Exclusive\" or \"Inclusive\" if these lines are taxed.")));
        }
        return (None, Decimal::ZERO);
    }
    let from_code = match tax_code {
        Some(code) => match s.taxes.by_code.get(code) {
            Some(tt) => Some((tt.clone(), Origin::Mapped("settings.taxes.byCode", code))),
            None if ctx.known.tax_rate(ctx.snapshot, code).is_some() => {
                Some((Text::new(code), Origin::Line))
            }
            None => {
                issues.push(Issue::error(IssueCode::TaxCodeUnmapped, li.path.field("taxCode"), format!("Tax code \"{code}\" has no mapping: add it to settings.taxes.byCode (host code → Xero TaxType, e.g. \"OUTPUT2\").")));
                None
            }
        },
        None => default_tax(s, account, li),
    };
    match &from_code {
        None if tax_code.is_none() && li.amount_given => {
            let msg = "No tax type for this line: map its tax code, set settings.taxes.default, or give the account a default tax type in Xero.";
            issues.push(if s.status.is_approval() {
                Issue::error(IssueCode::TaxTypeMissing, li.path.field("taxCode"), msg)
            } else {
                Issue::warning(IssueCode::TaxTypeMissing, li.path.field("taxCode"), msg)
            });
            (None, Decimal::ZERO)
        }
        None => (None, Decimal::ZERO),
        Some((tt, _)) if ctx.snapshot.tax_rates.is_empty() => (Some(tt.clone()), Decimal::ZERO),
        Some((tt, origin)) => check_tax(ctx, li, (tt, *origin), account, issues),
    }
}

/// The tax type of a line without a tax code, and where it came from.
fn default_tax<'a>(
    s: &Settings,
    account: &LineAccount,
    li: &LineInput<'a>,
) -> Option<(Text, Origin<'a>)> {
    let default = s.taxes.default.clone();
    let default = default.map(|tt| (tt, Origin::Setting("settings.taxes.default")));
    let of_account = || {
        let tt = account.tax.clone()?;
        Some((tt, Origin::Xero("the account's default tax type in Xero")))
    };
    let of_item = || {
        let tt = li.item_details.and_then(|d| d.tax_type.clone())?;
        Some((tt, Origin::Xero("the item's tax type in Xero")))
    };
    default.or_else(of_account).or_else(of_item)
}

/// The tax rate must exist, be ACTIVE and be allowed with the account's class.
fn check_tax(
    ctx: &Ctx<'_>,
    li: &LineInput<'_>,
    (tt, origin): (&Text, Origin<'_>),
    account: &LineAccount,
    issues: &mut Vec<Issue>,
) -> (Option<Text>, Decimal) {
    let Some(r) = ctx.known.tax_rate(ctx.snapshot, tt) else {
        issues.push(Issue::error(IssueCode::TaxTypeUnknown, li.path.field("taxCode"), format!("Tax type \"{tt}\"{} is not one of the organisation's tax rates (use the TaxType code such as OUTPUT2, not the display name).", origin.said())));
        return (None, Decimal::ZERO);
    };
    if !matches!(r.status.as_deref(), None | Some("ACTIVE")) {
        issues.push(Issue::error(
            IssueCode::TaxTypeInactive,
            li.path.field("taxCode"),
            format!(
                "Tax rate \"{tt}\"{} is {} in Xero and cannot be used on transactions. {}",
                origin.said(),
                r.status.as_deref().unwrap_or(""),
                origin.fix("an active tax rate")
            ),
        ));
    }
    if let Some(class) = account.class {
        if !r.allowed_for(class) {
            issues.push(Issue::error(IssueCode::TaxTypeNotAllowed, li.path.field("taxCode"), format!("Tax rate \"{tt}\"{} cannot be used with {} account \"{}\" (Xero: \"The TaxType code cannot be used with account code\").", origin.said(), class.name(), account.code.as_deref().unwrap_or(""))));
        }
    }
    (r.tax_type.clone().or(Some(tt.clone())), r.rate())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Known`] answers exactly what the snapshot's own lookups answer (the same account or
    /// tax rate, or none) for the settings' codes in every spelling they may take (case,
    /// spaces, an AccountID, unknown and archived codes) and for codes the settings do not name.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn known_codes_are_the_snapshots_lookups() {
        let snapshot = crate::input::snapshot::sample();
        let codes = [
            "200",
            "210",
            " 200",
            "200 ",
            "260",
            "091",
            "999",
            "",
            "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80",
            "7D05A53D-613D-4EB2-A2FC-DCB6ADB80B80",
            "OUTPUT2",
            "output2",
            "Output2 ",
            "NONE",
            "TAX001",
            "INPUT2",
            "GST",
            "nope",
        ];
        let settings: Settings = serde_json::from_value(serde_json::json!({
            "accounts": {"default": "200", "byService": {"a": "210", "b": "260", "c": "999", "d": "7d05a53d-613d-4eb2-a2fc-dcb6adb80b80", "e": " 200", "f": "091"}},
            "taxes": {"default": "OUTPUT2", "byCode": {"GST": "output2", "EX": "NONE", "OLD": "TAX001", "BAD": "nope"}}
        }))
        .unwrap();
        let known = Known::new(&snapshot, &settings);
        assert!(known.accounts.len() >= 6 && known.tax_rates.len() >= 4);
        for code in codes {
            assert_eq!(
                known.account(&snapshot, code).map(std::ptr::from_ref),
                snapshot.account(code).map(std::ptr::from_ref),
                "account {code:?}"
            );
            assert_eq!(
                known.tax_rate(&snapshot, code).map(std::ptr::from_ref),
                snapshot.tax_rate(code).map(std::ptr::from_ref),
                "tax rate {code:?}"
            );
        }
    }
}
