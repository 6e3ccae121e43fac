//! The host's total against Xero's, under the settings' `hostTotal.policy` (issue 18 item 1):
//! `report` (a warning), `error` (blocked), or an adjustment that makes Xero's total the host's:
//! `taxOverride` (an explicit `TaxAmount`, 0.01 more or less, on as many taxed lines as the
//! difference has cents) or `roundingLine` (one line to the rounding account).
//!
//! Why a tolerance: a host that rounds tax on the invoice total, or rounds differently, differs
//! from Xero's per-line rounding by at most half a cent per line. A larger difference is not
//! rounding (a missing line, a wrong price), and adjusting it would hide the error, so it is
//! `TOTAL_MISMATCH` as an error under every adjusting policy. The tolerance is 0.01 per line
//! with an amount (a description-only line has no rounding to differ by).
//! How far Xero accepts an overridden `TaxAmount` on invoices is UNVERIFIED (reference §3.2:
//! allowed; on bank transactions Xero refused one 0.05 off), so the override never moves a
//! line's tax by more than 0.01, never past the line amount nor to the other sign.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::build::lines::{BuiltLines, LineTax};
use crate::build::{checks, Ctx};
use crate::input::settings::{HostTotalPolicy, HostTotalSettings, Settings};
use crate::input::snapshot::Snapshot;
use crate::input::source::SourceInvoice;
use crate::issues::{Issue, IssueCode, Path};
use crate::money::fixed;
use crate::money::fixed_text;
use crate::money::totals::{LineAmountTypes, Totals};
use crate::preview::{HostAdjustment, LinePreview};
use crate::resolve::ResolvedInvoice;
use crate::xero::wire::WireLine;
use crate::Text;

/// One cent.
const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// The rounding line's description.
const ROUNDING: &str = "Rounding";

/// `(hostTotal, difference, adjustment)` for the preview, with `built` adjusted (its wire and
/// preview lines, its totals) when the policy adjusts, and the issue the policy raises.
pub(crate) fn apply(
    ctx: &Ctx<'_>,
    inv: &SourceInvoice,
    r: &mut ResolvedInvoice,
    built: &mut BuiltLines,
) -> (Option<String>, Option<String>, Option<HostAdjustment>) {
    let Some(totals) = built.totals else {
        return (None, None, None);
    };
    let policy = ctx.settings.host_total.policy;
    if policy == HostTotalPolicy::Report {
        let (host, diff) = checks::host_total(inv, r, &totals);
        return (host, diff, None);
    }
    let Some(host) = checks::read_host_total(inv, r) else {
        return (None, None, None);
    };
    let credit = r.kind.is_credit();
    let host_doc = if credit { -host } else { host };
    let shown = Some(fixed(host, 2));
    let Some(adj) = host_doc.checked_sub(totals.total).filter(|a| !a.is_zero()) else {
        return (shown, None, None);
    };
    // The difference as the preview states it: Xero's total minus the host's, host's sign.
    let diff = if credit { adj } else { -adj };
    let adjusted = known_rates(ctx)
        .and_then(|()| within_tolerance(adj, &built.taxes))
        .and_then(|()| match policy {
            HostTotalPolicy::Report | HostTotalPolicy::Error => Err(
                "the settings block a document whose total differs (hostTotal.policy \"error\")."
                    .to_owned(),
            ),
            HostTotalPolicy::TaxOverride => tax_override(ctx, built, adj),
            HostTotalPolicy::RoundingLine => rounding_line(ctx, r, built, adj),
        });
    match adjusted.and_then(|a| shifted(&totals, &a, adj).map(|t| (a, t))) {
        Ok((a, t)) => {
            built.totals = Some(t);
            (shown, None, Some(a))
        }
        Err(why) => {
            let xero = if credit { -totals.total } else { totals.total };
            r.issues.push(Issue::error(
                IssueCode::TotalMismatch,
                r.path.field("total"),
                format!("Xero will compute a total of {} but the invoice says {} (difference {}): {why}", fixed(xero, 2), fixed(host, 2), fixed(diff, 2)),
            ));
            (shown, Some(fixed(diff, 2)), None)
        }
    }
}

/// Without the snapshot's tax rates the tax is unknown (computed at 0 %), so Xero's total is
/// too: nothing is adjusted against it.
fn known_rates(ctx: &Ctx<'_>) -> Result<(), String> {
    if ctx.settings.line_amount_types != LineAmountTypes::NoTax && ctx.snapshot.tax_rates.is_empty()
    {
        return Err("the snapshot has no tax rates, so Xero's tax and total are not known here and nothing is adjusted. Pass the body of GET /TaxRates.".to_owned());
    }
    Ok(())
}

/// At most 0.01 per line with an amount, in whole cents: a line without one (a heading, a
/// note) has no rounding to differ by.
fn within_tolerance(adj: Decimal, taxes: &[LineTax]) -> Result<(), String> {
    let priced = taxes.iter().filter(|t| !t.amount.is_zero()).count();
    let lines = match priced {
        1 => "1 line with an amount".to_owned(),
        n => format!("{n} lines with an amount"),
    };
    let max = Decimal::from(priced)
        .checked_mul(CENT)
        .unwrap_or(Decimal::MAX);
    if adj.abs() > max
        || !adj
            .checked_mul(Decimal::ONE_HUNDRED)
            .is_some_and(|c| c.fract().is_zero())
    {
        return Err(format!("more than 0.01 per line with an amount ({lines}: at most {}) is not rounding, so it is not adjusted. Fix the invoice's total or its lines.", fixed(max, 2)));
    }
    Ok(())
}

/// Xero's totals once the adjustment is in: the total moves by `adj`; the tax with a tax
/// override, the subtotal with a rounding line.
fn shifted(totals: &Totals, a: &HostAdjustment, adj: Decimal) -> Result<Totals, String> {
    let beyond = || "the adjusted totals are beyond Xero's limits.".to_owned();
    let total = totals.total.checked_add(adj).ok_or_else(beyond)?;
    Ok(if a.mechanism == MECH_TAX {
        Totals {
            sub_total: totals.sub_total,
            total_tax: totals.total_tax.checked_add(adj).ok_or_else(beyond)?,
            total,
        }
    } else {
        Totals {
            sub_total: totals.sub_total.checked_add(adj).ok_or_else(beyond)?,
            total_tax: totals.total_tax,
            total,
        }
    })
}

const MECH_TAX: &str = "taxOverride";
const MECH_LINE: &str = "roundingLine";

/// 0.01 more (or less) tax on each of the first taxed lines that can take it, as many as the
/// difference has cents.
fn tax_override(
    ctx: &Ctx<'_>,
    built: &mut BuiltLines,
    adj: Decimal,
) -> Result<HostAdjustment, String> {
    if ctx.settings.line_amount_types != LineAmountTypes::Exclusive {
        return Err(format!("taxOverride changes tax, and a {} document's total is the sum of its line amounts, which tax does not change. Use hostTotal.policy \"roundingLine\".", ctx.settings.line_amount_types.as_str()));
    }
    let step = if adj.is_sign_negative() { -CENT } else { CENT };
    let cents = adj
        .abs()
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|c| c.to_usize())
        .unwrap_or(usize::MAX);
    let lines: Vec<usize> = built
        .taxes
        .iter()
        .enumerate()
        .filter(|(_, t)| can_take(t, step))
        .map(|(i, _)| i)
        .take(cents)
        .collect();
    if lines.len() < cents {
        return Err(format!("taxOverride moves at most 0.01 of tax per taxed line, and only {} lines can take it. Use hostTotal.policy \"roundingLine\".", lines.len()));
    }
    for &i in &lines {
        let Some(t) = built.taxes.get_mut(i) else {
            continue;
        };
        // `can_take` checked the sum.
        t.tax = t.tax.checked_add(step).unwrap_or(t.tax);
        let mut sent = t.tax;
        sent.rescale(2);
        if let Some(w) = built.wire.get_mut(i) {
            w.tax_amount = Some(sent);
        }
        if let Some(p) = built.preview.get_mut(i) {
            p.tax_amount = fixed_text(sent, 2);
        }
    }
    Ok(HostAdjustment {
        mechanism: MECH_TAX,
        amount: fixed_text(adj, 2),
        lines,
    })
}

/// Whether a line's tax can move by `step`: it is taxed, and the new tax stays within the line
/// amount and of its sign ("The tax amount cannot be greater than the line amount!").
fn can_take(t: &LineTax, step: Decimal) -> bool {
    let Some(new) = t.tax.checked_add(step) else {
        return false;
    };
    t.taxed
        && !t.amount.is_zero()
        && new.abs() <= t.amount.abs()
        && (new.is_zero() || new.is_sign_negative() == t.amount.is_sign_negative())
}

/// One line of `adj` to the rounding account, with its zero-rate tax type.
fn rounding_line(
    ctx: &Ctx<'_>,
    r: &ResolvedInvoice,
    built: &mut BuiltLines,
    adj: Decimal,
) -> Result<HostAdjustment, String> {
    if r.update.is_some() {
        return Err("a rounding line is not added to an update (a new line at every update, the last one deleted). Adjust the document in Xero or use hostTotal.policy \"taxOverride\".".to_owned());
    }
    let (account, tax_type) = rounding_account(ctx.snapshot, ctx.settings)?;
    let mut unit = adj;
    unit.rescale(2);
    built.wire.push(WireLine {
        description: Some(Text::new(ROUNDING)),
        quantity: Some(Decimal::ONE),
        unit_amount: Some(unit),
        account_code: Some(account.clone()),
        tax_type: tax_type.clone(),
        ..WireLine::default()
    });
    if ctx.keep_sent_tracking {
        built.sent_tracking.push(Vec::new());
    }
    built.taxes.push(LineTax {
        amount: adj,
        tax: Decimal::ZERO,
        taxed: false,
    });
    if ctx.options.lines {
        built.preview.push(LinePreview {
            description: Some(Text::new(ROUNDING)),
            quantity: Some(Text::new("1")),
            unit_amount: Some(fixed_text(adj, ctx.settings.unitdp())),
            discount_rate: None,
            discount_amount: None,
            item_code: None,
            account_code: Some(account),
            tax_rate: tax_type.as_ref().map(|_| Text::new("0")),
            tax_type,
            line_amount: fixed_text(adj, 2),
            tax_amount: fixed_text(Decimal::ZERO, 2),
            tracking: Vec::new(),
        });
    }
    Ok(HostAdjustment {
        mechanism: MECH_LINE,
        amount: fixed_text(adj, 2),
        lines: vec![built.wire.len().saturating_sub(1)],
    })
}

/// The rounding account's code and its tax type (`None` on NoTax documents): the settings'
/// `roundingAccount`, else the organisation's ROUNDING system account. Its tax rate must be
/// zero, or the line would carry tax and the total would still differ; the account and the
/// rate must be ACTIVE, as on any line, or Xero refuses the line (reference §7.1, §7.2).
pub(crate) fn rounding_account(
    snapshot: &Snapshot,
    settings: &Settings,
) -> Result<(Text, Option<Text>), String> {
    let HostTotalSettings {
        rounding_account, ..
    } = &settings.host_total;
    let account = match rounding_account {
        Some(code) => snapshot.account(code),
        None => snapshot.accounts.iter().find(|a| {
            a.system_account
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("ROUNDING"))
        }),
    };
    // An archived account is refused on a new line as on any other (reference §7.1).
    if let Some(status) = account
        .and_then(|a| a.status.as_deref())
        .filter(|s| *s != "ACTIVE")
    {
        return Err(format!("the rounding account \"{}\" is {status} in Xero, and Xero refuses it on new lines: use an active account.", account.and_then(|a| a.code.as_deref()).or(rounding_account.as_deref()).unwrap_or("")));
    }
    let (code, tax_type) = match (account, rounding_account) {
        (Some(a), given) => (a.code.clone().or_else(|| given.clone()), a.tax_type.clone()),
        // Without the snapshot's accounts the code is sent unchecked (reported on the snapshot).
        (None, Some(code)) if snapshot.accounts.is_empty() => (Some(code.clone()), None),
        (None, Some(code)) => return Err(format!("the rounding account \"{code}\" is not in the organisation's chart of accounts.")),
        (None, None) => return Err("no account in the snapshot is the ROUNDING system account: set hostTotal.roundingAccount.".to_owned()),
    };
    let code = code.ok_or(
        "the rounding account has no code in the snapshot: set hostTotal.roundingAccount.",
    )?;
    if settings.line_amount_types == LineAmountTypes::NoTax {
        return Ok((code, None));
    }
    let tax_type = tax_type.ok_or_else(|| format!("the rounding account \"{code}\" has no default tax type in the snapshot, so the rounding line's tax is unknown: give the account a zero-rate tax type in Xero."))?;
    match snapshot.tax_rate(&tax_type) {
        Some(t) if !t.rate().is_zero() => Err(format!("the rounding account \"{code}\"'s tax type {tax_type} has a rate of {} %: a rounding line must carry no tax. Give the account a zero-rate tax type in Xero.", t.rate().normalize())),
        // DELETED and ARCHIVED rates "cannot be used on transactions" (reference §7.2).
        Some(t) if !matches!(t.status.as_deref(), None | Some("ACTIVE")) => Err(format!("the rounding account \"{code}\"'s tax type {tax_type} is {} in Xero and cannot be used on transactions. Give the account an active zero-rate tax type in Xero.", t.status.as_deref().unwrap_or(""))),
        None if !snapshot.tax_rates.is_empty() => Err(format!("the rounding account \"{code}\"'s tax type {tax_type} is not one of the organisation's tax rates. Give the account an active zero-rate tax type in Xero.")),
        _ => Ok((code, Some(tax_type))),
    }
}

/// Settings problems of the policy, once per exporter: a `roundingLine` policy needs a rounding
/// account with a zero-rate tax type.
pub(crate) fn check_settings(
    snapshot: &Snapshot,
    settings: &Settings,
    at: &Path,
    issues: &mut Vec<Issue>,
) {
    if settings.host_total.policy != HostTotalPolicy::RoundingLine {
        return;
    }
    if let Err(why) = rounding_account(snapshot, settings) {
        issues.push(Issue::error(
            IssueCode::SettingsInvalid,
            at.field("hostTotal").field("roundingAccount"),
            format!("hostTotal.policy \"roundingLine\" cannot be used: {why}"),
        ));
    }
}
