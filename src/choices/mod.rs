//! The configuration screen: what each setting may take, which contacts a payer may be mapped
//! to, and which mappings went stale — before any export.
//!
//! Every seed product has a Xero configuration screen: sales accounts to map services to, tax
//! rates, the two tracking categories with their options as dropdowns, the contacts payers are
//! mapped to. A front-end used to derive all of that from the raw snapshot, and learned that a
//! mapping went stale only when an invoice failed. This module exposes the library's own rules:
//! - [`choices`]: the entries each dropdown may offer, in Xero's order, with the ones left out
//!   and why (`notOffered`: archived, wrong class, third active category, no options yet);
//! - [`search::search_contacts`]: contacts by name, email, contact or account number, matched
//!   with the export's normalisation ([`crate::names`]), near misses flagged, never merged;
//! - [`stale::stale_mappings`]: every settings entry that no longer resolves against a fresh
//!   snapshot, with its settings path, code, reason and a suggestion.
//!
//! Reads the snapshot and settings only (like `resolve`, of which it reuses the rules: the
//! account class checks, [`TaxRate::allowed_for`], the tracking numbering of
//! [`crate::tracking_csv`] and [`crate::resolve::tracking::lookup`]); never builds a request.

pub mod search;
pub mod stale;

use serde::Serialize;

use crate::input::snapshot::{
    Account, AccountClass, Contact, Item, PaymentTerms, RawTerm, Snapshot, TaxRate,
    TrackingCategory,
};
use crate::Text;

/// An account a line may be mapped to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AccountChoice {
    /// Code (what settings and lines name it by).
    pub code: Text,
    /// Name.
    pub name: Option<Text>,
    /// AccountID.
    pub account_id: Option<Text>,
    /// Class: `revenue`, `expense`, `asset`, `liability` or `equity`.
    #[cfg_attr(
        test,
        ts(type = "\"revenue\" | \"expense\" | \"asset\" | \"liability\" | \"equity\"")
    )]
    pub class: &'static str,
    /// Xero's Type (REVENUE, SALES, EXPENSE, ...).
    #[serde(rename = "type")]
    pub kind: Option<Text>,
    /// The account's default TaxType.
    pub tax_type: Option<Text>,
}

/// A tax rate, with the rate Xero computes with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaxRateChoice {
    /// TaxType (what settings and lines name it by).
    pub tax_type: Text,
    /// Display name ("15% GST on Income").
    pub name: Option<Text>,
    /// EffectiveRate in percent, as exact decimal text ("15", "12.5").
    pub effective_rate: String,
}

/// The tax rates allowed on accounts of each class (ACTIVE, and allowed for the class).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TaxRatesByClass {
    /// On revenue accounts (sales lines).
    pub revenue: Vec<TaxRateChoice>,
    /// On expense accounts (bill lines).
    pub expense: Vec<TaxRateChoice>,
    /// On asset accounts.
    pub asset: Vec<TaxRateChoice>,
    /// On liability accounts.
    pub liability: Vec<TaxRateChoice>,
    /// On equity accounts.
    pub equity: Vec<TaxRateChoice>,
}

/// A tracking option.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct OptionChoice {
    /// Name (Xero's spelling).
    pub name: Option<String>,
    /// TrackingOptionID: map by it and a rename keeps working.
    pub id: Option<String>,
}

/// A tracking category offered as a numbered dropdown, with its ACTIVE options.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TrackingChoice {
    /// 1 or 2: "Xero Tracking Category 1/2" of the CSV template, in Xero's order.
    pub number: u8,
    /// Name.
    pub name: Option<String>,
    /// TrackingCategoryID.
    pub id: Option<String>,
    /// ACTIVE options in Xero's order (may be empty: see `notOffered`).
    pub options: Vec<OptionChoice>,
}

/// One payment term (`{day, type}` as Xero gives it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TermChoice {
    /// Day number.
    pub day: Option<u32>,
    /// DAYSAFTERBILLDATE, DAYSAFTERBILLMONTH, OFCURRENTMONTH or OFFOLLOWINGMONTH.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Payment terms of the organisation or of one contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TermsChoice {
    /// ContactID (absent for the organisation's own terms).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub contact_id: Option<Text>,
    /// The contact's name (absent for the organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional))]
    pub name: Option<Text>,
    /// Terms of sales invoices.
    pub sales: Option<TermChoice>,
    /// Terms of bills.
    pub bills: Option<TermChoice>,
}

/// An item, with the accounts and tax its lines take by default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ItemChoice {
    /// Code.
    pub code: Text,
    /// Name.
    pub name: Option<Text>,
    /// ItemID.
    pub item_id: Option<Text>,
    /// Sold (may be used on sales invoices).
    pub is_sold: bool,
    /// Purchased (may be used on bills).
    pub is_purchased: bool,
    /// Sales account code.
    pub sales_account: Option<Text>,
    /// Sales TaxType.
    pub sales_tax_type: Option<Text>,
    /// Purchase account code.
    pub purchase_account: Option<Text>,
    /// Purchase TaxType.
    pub purchase_tax_type: Option<Text>,
}

/// Why an entry of the snapshot is not offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NotOfferedReason {
    /// ARCHIVED in Xero.
    Archived,
    /// DELETED in Xero.
    Deleted,
    /// Another status that is not ACTIVE (a PENDING tax rate).
    Inactive,
    /// A bank account: never on invoice lines.
    BankAccount,
    /// Of a class that list does not take (sales lines need revenue, bills anything else).
    WrongClass,
    /// Neither Class nor a known Type: the snapshot does not say what it is for.
    ClassUnknown,
    /// A tax rate Xero does not allow on accounts of that class.
    NotAllowedForClass,
    /// An ACTIVE tracking category after the first two (Xero allows two active).
    ThirdActiveCategory,
    /// A tracking category with no ACTIVE option yet: its dropdown is empty.
    NoActiveOptions,
}

/// An entry of the snapshot that a list leaves out, for a "why don't I see X?" help text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NotOffered {
    /// The list it is left out of: `accounts` (every list of accounts), `salesAccounts`,
    /// `purchaseAccounts`, `taxRates` (every class), `taxRates.<class>`, `tracking`, or
    /// `tracking[<i>].options` (`i` the index in `tracking`: number − 1).
    pub list: String,
    /// Code, TaxType or name: what the user looks for.
    pub name: String,
    /// Its ID when it has one.
    pub id: Option<String>,
    /// Why.
    pub reason: NotOfferedReason,
    /// The reason for people.
    pub message: String,
}

/// Everything a configuration screen's dropdowns may offer, in Xero's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Choices {
    /// Accounts for sales invoice and credit note lines (ACTIVE revenue accounts).
    pub sales_accounts: Vec<AccountChoice>,
    /// Accounts for bill lines (ACTIVE, not revenue, not bank).
    pub purchase_accounts: Vec<AccountChoice>,
    /// Tax rates allowed per account class.
    pub tax_rates: TaxRatesByClass,
    /// The ACTIVE tracking categories numbered 1 and 2, with their ACTIVE options.
    pub tracking: Vec<TrackingChoice>,
    /// The organisation's base currency.
    pub base_currency: Option<String>,
    /// Enabled currency codes (the base one included), sorted.
    pub currencies: Vec<String>,
    /// The organisation's payment terms.
    pub payment_terms: TermsChoice,
    /// ACTIVE contacts with payment terms of their own, in Xero's order.
    pub contact_payment_terms: Vec<TermsChoice>,
    /// Items, in Xero's order.
    pub items: Vec<ItemChoice>,
    /// What is left out of the lists above, and why.
    pub not_offered: Vec<NotOffered>,
}

/// What each setting of a configuration screen may take, from the snapshot alone.
pub fn choices(snapshot: &Snapshot) -> Choices {
    let mut out = Choices::default();
    accounts(snapshot, &mut out);
    tax_rates(snapshot, &mut out);
    tracking(snapshot, &mut out);
    out.base_currency = snapshot.base_currency().map(str::to_owned);
    out.currencies = snapshot.currencies.iter().cloned().collect();
    out.payment_terms = terms(
        snapshot
            .organisation
            .as_ref()
            .and_then(|o| o.payment_terms.as_ref()),
    );
    out.contact_payment_terms = snapshot
        .contacts
        .iter()
        .filter(|c| c.is_active())
        .filter_map(contact_terms)
        .collect();
    out.items = snapshot.items.iter().filter_map(item).collect();
    out
}

/// `ARCHIVED`, `DELETED` or another status that is not ACTIVE (absent counts as ACTIVE).
fn inactive(status: Option<&str>) -> Option<NotOfferedReason> {
    match status {
        None | Some("ACTIVE") => None,
        Some("ARCHIVED") => Some(NotOfferedReason::Archived),
        Some("DELETED") => Some(NotOfferedReason::Deleted),
        Some(_) => Some(NotOfferedReason::Inactive),
    }
}

/// A not-offered entry.
fn left_out(
    list: &str,
    name: &str,
    id: Option<&str>,
    reason: NotOfferedReason,
    message: String,
) -> NotOffered {
    NotOffered {
        list: list.to_owned(),
        name: name.to_owned(),
        id: id.map(str::to_owned),
        reason,
        message,
    }
}

/// Sales and purchase accounts, as the line resolver accepts them: ACTIVE, not BANK, revenue
/// for sales, anything but revenue for bills. An account of unknown class is offered in
/// neither (the safe side: the resolver cannot check it either).
fn accounts(snapshot: &Snapshot, out: &mut Choices) {
    for a in &snapshot.accounts {
        let Some(code) = a.code.clone() else { continue };
        let id = a.account_id.as_deref();
        let status = a.status.as_deref();
        if let Some(reason) = inactive(status) {
            let msg = format!("Account {code} is {} in Xero: documents cannot use it. Restore it in Xero or choose another.", status.unwrap_or(""));
            out.not_offered
                .push(left_out("accounts", &code, id, reason, msg));
            continue;
        }
        if a.kind.as_deref() == Some("BANK") {
            let msg = format!("Account {code} is a bank account, which Xero never takes on invoice or bill lines.");
            out.not_offered.push(left_out(
                "accounts",
                &code,
                id,
                NotOfferedReason::BankAccount,
                msg,
            ));
            continue;
        }
        let Some(class) = AccountClass::of(a) else {
            let msg = format!("Account {code} has neither a Class nor a Type this library knows: refresh the snapshot (GET /Accounts).");
            out.not_offered.push(left_out(
                "accounts",
                &code,
                id,
                NotOfferedReason::ClassUnknown,
                msg,
            ));
            continue;
        };
        let choice = account_choice(a, code.clone(), class);
        if class == AccountClass::Revenue {
            out.sales_accounts.push(choice);
            let msg = format!(
                "Account {code} is a revenue account; bills need an expense (or asset) account."
            );
            out.not_offered.push(left_out(
                "purchaseAccounts",
                &code,
                id,
                NotOfferedReason::WrongClass,
                msg,
            ));
        } else {
            out.purchase_accounts.push(choice);
            let msg = format!("Account {code} is a{} {} account; Xero only takes revenue accounts on sales lines (\"other account types cannot be directly mapped to\").", if matches!(class, AccountClass::Asset | AccountClass::Equity | AccountClass::Expense) { "n" } else { "" }, class.name());
            out.not_offered.push(left_out(
                "salesAccounts",
                &code,
                id,
                NotOfferedReason::WrongClass,
                msg,
            ));
        }
    }
}

fn account_choice(a: &Account, code: Text, class: AccountClass) -> AccountChoice {
    AccountChoice {
        code,
        name: a.name.clone(),
        account_id: a.account_id.clone(),
        class: class.name(),
        kind: a.kind.clone(),
        tax_type: a.tax_type.clone(),
    }
}

/// The classes in the order [`TaxRatesByClass`] lists them, with their list names.
const CLASSES: [(AccountClass, &str); 5] = [
    (AccountClass::Revenue, "taxRates.revenue"),
    (AccountClass::Expense, "taxRates.expense"),
    (AccountClass::Asset, "taxRates.asset"),
    (AccountClass::Liability, "taxRates.liability"),
    (AccountClass::Equity, "taxRates.equity"),
];

fn tax_rates(snapshot: &Snapshot, out: &mut Choices) {
    for t in &snapshot.tax_rates {
        let Some(tax_type) = t.tax_type.clone() else {
            continue;
        };
        let status = t.status.as_deref();
        if let Some(reason) = inactive(status) {
            let msg = format!(
                "Tax rate {tax_type} is {} in Xero: documents cannot use it.",
                status.unwrap_or("")
            );
            out.not_offered
                .push(left_out("taxRates", &tax_type, None, reason, msg));
            continue;
        }
        for (class, list) in CLASSES {
            if t.allowed_for(class) {
                by_class(&mut out.tax_rates, class).push(tax_choice(t, tax_type.clone()));
            } else {
                let msg = format!(
                    "Xero does not allow tax rate {tax_type} on {} accounts.",
                    class.name()
                );
                out.not_offered.push(left_out(
                    list,
                    &tax_type,
                    None,
                    NotOfferedReason::NotAllowedForClass,
                    msg,
                ));
            }
        }
    }
}

fn by_class(rates: &mut TaxRatesByClass, class: AccountClass) -> &mut Vec<TaxRateChoice> {
    match class {
        AccountClass::Revenue => &mut rates.revenue,
        AccountClass::Expense => &mut rates.expense,
        AccountClass::Asset => &mut rates.asset,
        AccountClass::Liability => &mut rates.liability,
        AccountClass::Equity => &mut rates.equity,
    }
}

fn tax_choice(t: &TaxRate, tax_type: Text) -> TaxRateChoice {
    TaxRateChoice {
        tax_type,
        name: t.name.clone(),
        effective_rate: t.rate().normalize().to_string(),
    }
}

/// The two numbered categories (the CSV template's numbering) and what is left out.
fn tracking(snapshot: &Snapshot, out: &mut Choices) {
    let numbered: Vec<&TrackingCategory> = crate::tracking_csv::numbered(snapshot).collect();
    for (i, c) in numbered.iter().enumerate() {
        let label = c.name.as_deref().or(c.id.as_deref()).unwrap_or("");
        let Some(number) = u8::try_from(i + 1).ok().filter(|n| *n <= 2) else {
            let msg = format!("Tracking category \"{label}\" is a third ACTIVE category; Xero uses only two. Archive one in Xero.");
            out.not_offered.push(left_out(
                "tracking",
                label,
                c.id.as_deref(),
                NotOfferedReason::ThirdActiveCategory,
                msg,
            ));
            continue;
        };
        out.tracking
            .push(tracking_choice(c, number, label, &mut out.not_offered));
    }
    for c in &snapshot.tracking_categories {
        let label = c.name.as_deref().or(c.id.as_deref()).unwrap_or("");
        if let Some(reason) = inactive(c.status.as_deref()) {
            let msg = format!(
                "Tracking category \"{label}\" is {} in Xero.",
                c.status.as_deref().unwrap_or("")
            );
            out.not_offered
                .push(left_out("tracking", label, c.id.as_deref(), reason, msg));
        }
    }
}

fn tracking_choice(
    c: &TrackingCategory,
    number: u8,
    label: &str,
    not_offered: &mut Vec<NotOffered>,
) -> TrackingChoice {
    let list = format!("tracking[{}].options", number - 1);
    let mut options = Vec::new();
    for o in &c.options {
        let name = o.name.as_deref().or(o.id.as_deref()).unwrap_or("");
        match inactive(o.status.as_deref()) {
            None => options.push(OptionChoice {
                name: o.name.clone(),
                id: o.id.clone(),
            }),
            Some(reason) => {
                let msg = format!(
                    "Option \"{name}\" of \"{label}\" is {} in Xero.",
                    o.status.as_deref().unwrap_or("")
                );
                not_offered.push(left_out(&list, name, o.id.as_deref(), reason, msg));
            }
        }
    }
    if options.is_empty() {
        let msg =
            format!("Tracking category \"{label}\" has no ACTIVE option yet: add options in Xero.");
        not_offered.push(left_out(
            &list,
            label,
            c.id.as_deref(),
            NotOfferedReason::NoActiveOptions,
            msg,
        ));
    }
    TrackingChoice {
        number,
        name: c.name.clone(),
        id: c.id.clone(),
        options,
    }
}

fn term(raw: Option<&RawTerm>) -> Option<TermChoice> {
    let raw = raw?;
    (raw.day.is_some() || raw.kind.is_some()).then(|| TermChoice {
        day: raw.day,
        kind: raw.kind.clone(),
    })
}

fn terms(t: Option<&PaymentTerms>) -> TermsChoice {
    TermsChoice {
        contact_id: None,
        name: None,
        sales: term(t.and_then(|t| t.sales.as_ref())),
        bills: term(t.and_then(|t| t.bills.as_ref())),
    }
}

fn contact_terms(c: &Contact) -> Option<TermsChoice> {
    let t = terms(c.payment_terms.as_ref());
    (t.sales.is_some() || t.bills.is_some()).then(|| TermsChoice {
        contact_id: c.contact_id.clone(),
        name: c.name.clone(),
        ..t
    })
}

fn item(it: &Item) -> Option<ItemChoice> {
    let code = it.code.clone()?;
    let sales = it.sales.as_ref();
    let purchases = it.purchases.as_ref();
    Some(ItemChoice {
        code,
        name: it.name.clone(),
        item_id: it.item_id.clone(),
        is_sold: it.is_sold.unwrap_or(sales.is_some()),
        is_purchased: it.is_purchased.unwrap_or(purchases.is_some()),
        sales_account: sales.and_then(|d| d.account_code.clone()),
        sales_tax_type: sales.and_then(|d| d.tax_type.clone()),
        purchase_account: purchases.and_then(|d| d.account_code.clone()),
        purchase_tax_type: purchases.and_then(|d| d.tax_type.clone()),
    })
}
