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

use crate::input::snapshot::{Account, AccountClass};
use crate::input::source::{non_empty, non_empty_text};
use crate::issues::{Issue, IssueCode};
use crate::money::totals::LineAmountTypes;
use crate::resolve::lines::LineInput;
use crate::resolve::Ctx;
use crate::Text;

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

/// The line's account, checked against the chart of accounts.
pub(crate) fn account(ctx: &Ctx<'_>, li: &LineInput<'_>, issues: &mut Vec<Issue>) -> LineAccount {
    let s = ctx.settings;
    let account = non_empty_text(&li.line.account_code)
        .or_else(|| {
            li.service_code
                .and_then(|c| s.accounts.by_service.get(c))
                .cloned()
        })
        .or_else(|| li.item_details.and_then(|d| d.account_code.clone()))
        .or_else(|| s.accounts.default.clone());
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
        Some(code) if !ctx.snapshot.accounts.is_empty() => match ctx.snapshot.account(code) {
            None => issues.push(Issue::error(IssueCode::AccountUnknown, li.path.field("accountCode"), format!("Account \"{code}\" is not in the organisation's chart of accounts. Check the mapping, or refresh the snapshot (GET /Accounts)."))),
            Some(acc) => {
                out.code = acc.code.clone().or(out.code);
                out.tax = acc.tax_type.clone();
                out.class = AccountClass::of(acc);
                check_account(ctx, li, code, acc, out.class, issues);
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
    code: &str,
    acc: &Account,
    class: Option<AccountClass>,
    issues: &mut Vec<Issue>,
) {
    if !matches!(acc.status.as_deref(), None | Some("ACTIVE")) {
        issues.push(Issue::error(IssueCode::AccountArchived, li.path.field("accountCode"), format!("Account \"{code}\" is {} in Xero: \"Each line item must reference a valid account\". Map the line to an active account.", acc.status.as_deref().unwrap_or(""))));
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
            format!("Account \"{code}\" is {why}."),
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
    if s.line_amount_types == LineAmountTypes::NoTax {
        return (None, Decimal::ZERO);
    }
    let tax_code = non_empty(&li.line.tax_code);
    let from_code = match tax_code {
        Some(code) => match s.taxes.by_code.get(code) {
            Some(tt) => Some(tt.clone()),
            None if ctx.snapshot.tax_rate(code).is_some() => Some(Text::new(code)),
            None => {
                issues.push(Issue::error(IssueCode::TaxCodeUnmapped, li.path.field("taxCode"), format!("Tax code \"{code}\" has no mapping: add it to settings.taxes.byCode (host code → Xero TaxType, e.g. \"OUTPUT2\").")));
                None
            }
        },
        None => s
            .taxes
            .default
            .clone()
            .or_else(|| account.tax.clone())
            .or_else(|| li.item_details.and_then(|d| d.tax_type.clone())),
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
        Some(tt) if ctx.snapshot.tax_rates.is_empty() => (Some(tt.clone()), Decimal::ZERO),
        Some(tt) => check_tax(ctx, li, tt, account, issues),
    }
}

/// The tax rate must exist, be ACTIVE and be allowed with the account's class.
fn check_tax(
    ctx: &Ctx<'_>,
    li: &LineInput<'_>,
    tt: &Text,
    account: &LineAccount,
    issues: &mut Vec<Issue>,
) -> (Option<Text>, Decimal) {
    let Some(r) = ctx.snapshot.tax_rate(tt) else {
        issues.push(Issue::error(IssueCode::TaxTypeUnknown, li.path.field("taxCode"), format!("Tax type \"{tt}\" is not one of the organisation's tax rates (use the TaxType code such as OUTPUT2, not the display name).")));
        return (None, Decimal::ZERO);
    };
    if !matches!(r.status.as_deref(), None | Some("ACTIVE")) {
        issues.push(Issue::error(IssueCode::TaxTypeInactive, li.path.field("taxCode"), format!("Tax rate \"{tt}\" is {} in Xero and cannot be used on transactions. Map the code to an active tax rate.", r.status.as_deref().unwrap_or(""))));
    }
    if let Some(class) = account.class {
        if !r.allowed_for(class) {
            issues.push(Issue::error(IssueCode::TaxTypeNotAllowed, li.path.field("taxCode"), format!("Tax rate \"{tt}\" cannot be used with {} account \"{}\" (Xero: \"The TaxType code cannot be used with account code\").", class.name(), account.code.as_deref().unwrap_or(""))));
        }
    }
    (r.tax_type.clone().or(Some(tt.clone())), r.rate())
}
