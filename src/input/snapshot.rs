//! The organisation's current Xero data, parsed once into lookup tables.
//!
//! Built from the raw bodies the host got from Xero's GETs (PascalCase, `/Date(...)/` dates) or
//! from xero-node's model objects (`response.body`, camelCase; `Class` is `_class` there). Each
//! part may be the whole response body (`{"Accounts": [...]}` / `{accounts: [...]}`) or just the
//! array. Parsing happens once per [`Snapshot`], so previewing 10,000 invoices does not re-read
//! it. A top-level key that is not a part is reported (`FIELD_UNKNOWN` at `snapshot.<key>`,
//! with a did-you-mean); unknown fields inside a part (Xero adds fields) are ignored; unknown
//! enum values (a status Xero adds later) never throw: they are kept as text and treated as
//! "not usable".
//!
//! Lookups use ordered maps: no hashing seeds, nothing that could make output depend on anything
//! but the input.

use crate::Text;
use rust_decimal::Decimal;
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use crate::dates::{Date, PaymentTerm, PaymentTermType};
use crate::issues::{Issue, IssueCode};
use crate::money::de_opt_decimal;
use crate::names;

/// A Xero list resource: the keys its GET body keeps the array under.
pub trait Resource: DeserializeOwned {
    /// Plural keys, PascalCase (raw body) and camelCase (xero-node).
    const KEYS: &'static [&'static str];
}

/// A list given as a whole GET body or as the bare array.
#[derive(Debug)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Resource> Deserialize<'de> for List<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Resource> Visitor<'de> for ListVisitor<T> {
            type Value = List<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(
                    f,
                    "a Xero GET body with `{}` or its array",
                    T::KEYS.join("`/`")
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(List(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<List<T>, A::Error> {
                let mut out = None;
                while let Some(key) = map.next_key::<String>()? {
                    if T::KEYS.contains(&key.as_str()) {
                        out = Some(map.next_value::<Vec<T>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                out.map(List).ok_or_else(|| {
                    de::Error::custom(format!("the body has no `{}` array", T::KEYS.join("`/`")))
                })
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

/// The host's snapshot input: one GET body (or array) per resource. A part left out (or
/// `null`) is `None`: reported and its checks skipped, unlike a part given empty (an
/// organisation without items is not one whose items are unknown).
///
/// Read by hand ([`SnapshotVisitor`]) rather than derived, so that a key it does not take
/// (`trackingCategory`) is kept in [`SnapshotInput::unknown_keys`] and reported with a
/// did-you-mean, not skipped: otherwise the part reads as missing, and the warning names
/// the key the caller did not write. Only the top level: the parts are Xero's bodies, which
/// keep fields Xero adds.
#[derive(Debug, Default)]
pub struct SnapshotInput {
    /// GET /Organisation (also `Organisation`, `organisations`, `Organisations`).
    pub organisation: Option<List<Organisation>>,
    /// GET /Accounts (also `Accounts`).
    pub accounts: Option<List<Account>>,
    /// GET /TaxRates (`taxRates`, also `TaxRates`).
    pub tax_rates: Option<List<TaxRate>>,
    /// GET /TrackingCategories?includeArchived=true (`trackingCategories`, also
    /// `TrackingCategories`).
    pub tracking_categories: Option<List<TrackingCategory>>,
    /// GET /Contacts (with includeArchived=true, so archived matches are recognised; also
    /// `Contacts`).
    pub contacts: Option<List<Contact>>,
    /// GET /Items (also `Items`).
    pub items: Option<List<Item>>,
    /// GET /Currencies (also `Currencies`).
    pub currencies: Option<List<Currency>>,
    /// Top-level keys that are none of the above, as written.
    pub unknown_keys: Vec<String>,
}

/// What a snapshot is, said when the text is another shape (an array, a number): both snapshot
/// readers, this one and the CSV's (`tracking_csv::snapshot`), refuse the same shapes alike.
pub(crate) const SNAPSHOT_SHAPE: &str =
    "the snapshot object ({organisation, accounts, taxRates, ...})";

/// The snapshot's keys, as the documentation names them (suggested for a misspelt one).
const SNAPSHOT_KEYS: [&str; 7] = [
    "organisation",
    "accounts",
    "taxRates",
    "trackingCategories",
    "contacts",
    "items",
    "currencies",
];

impl<'de> Deserialize<'de> for SnapshotInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SnapshotVisitor)
    }
}

/// Reads [`SnapshotInput`]'s keys, aliases included; any other key is recorded.
struct SnapshotVisitor;

impl<'de> Visitor<'de> for SnapshotVisitor {
    type Value = SnapshotInput;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(SNAPSHOT_SHAPE)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SnapshotInput, A::Error> {
        fn part<'de, A: MapAccess<'de>, T: Resource>(
            map: &mut A,
            slot: &mut Option<List<T>>,
            seen: &mut bool,
            key: &'static str,
        ) -> Result<(), A::Error> {
            if std::mem::replace(seen, true) {
                return Err(de::Error::duplicate_field(key));
            }
            *slot = map.next_value()?;
            Ok(())
        }
        let mut s = SnapshotInput::default();
        let mut seen = [false; 7];
        let [o, a, t, c, n, i, u] = &mut seen;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "organisation" | "Organisation" | "organisations" | "Organisations" => {
                    part(&mut map, &mut s.organisation, o, "organisation")?;
                }
                "accounts" | "Accounts" => part(&mut map, &mut s.accounts, a, "accounts")?,
                "taxRates" | "TaxRates" => part(&mut map, &mut s.tax_rates, t, "taxRates")?,
                "trackingCategories" | "TrackingCategories" => {
                    part(
                        &mut map,
                        &mut s.tracking_categories,
                        c,
                        "trackingCategories",
                    )?;
                }
                "contacts" | "Contacts" => part(&mut map, &mut s.contacts, n, "contacts")?,
                "items" | "Items" => part(&mut map, &mut s.items, i, "items")?,
                "currencies" | "Currencies" => part(&mut map, &mut s.currencies, u, "currencies")?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    s.unknown_keys.push(key);
                }
            }
        }
        Ok(s)
    }
}

impl SnapshotInput {
    /// What a top-level key the snapshot does not take is told with: the part it is closest
    /// to, or the parts there are.
    pub fn unknown_key_said(key: &str) -> String {
        let shown = crate::money::shown(key);
        match crate::tracking_csv::suggest(key, SNAPSHOT_KEYS) {
            Some(meant) => format!("\"{shown}\" is not a snapshot part: did you mean \"{meant}\"? It was not read."),
            None => format!("\"{shown}\" is not a snapshot part, so it was not read. The parts are organisation, accounts, taxRates, trackingCategories, contacts, items and currencies."),
        }
    }

    /// The parts left out, by their snapshot key.
    fn missing(&self) -> BTreeSet<&'static str> {
        [
            ("organisation", self.organisation.is_none()),
            ("accounts", self.accounts.is_none()),
            ("taxRates", self.tax_rates.is_none()),
            ("trackingCategories", self.tracking_categories.is_none()),
            ("contacts", self.contacts.is_none()),
            ("items", self.items.is_none()),
            ("currencies", self.currencies.is_none()),
        ]
        .into_iter()
        .filter_map(|(part, gone)| gone.then_some(part))
        .collect()
    }
}

/// Payment terms as Xero returns them (`{Bills: {Day, Type}, Sales: {Day, Type}}`).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct PaymentTerms {
    /// Terms for bills (ACCPAY).
    #[serde(rename = "Bills", alias = "bills", default)]
    pub bills: Option<RawTerm>,
    /// Terms for sales invoices (ACCREC).
    #[serde(rename = "Sales", alias = "sales", default)]
    pub sales: Option<RawTerm>,
}

/// One payment term as given; unknown types are ignored rather than thrown.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RawTerm {
    /// Day number.
    #[serde(rename = "Day", alias = "day", default)]
    pub day: Option<u32>,
    /// Rule name (`DAYSAFTERBILLDATE`, ...).
    #[serde(rename = "Type", alias = "type", default)]
    pub kind: Option<String>,
}

impl RawTerm {
    /// The term, if complete and of a known type.
    pub fn term(&self) -> Option<PaymentTerm> {
        let kind = match self.kind.as_deref()? {
            "DAYSAFTERBILLDATE" => PaymentTermType::DaysAfterBillDate,
            "DAYSAFTERBILLMONTH" => PaymentTermType::DaysAfterBillMonth,
            "OFCURRENTMONTH" => PaymentTermType::OfCurrentMonth,
            "OFFOLLOWINGMONTH" => PaymentTermType::OfFollowingMonth,
            _ => return None,
        };
        Some(PaymentTerm {
            day: self.day?,
            kind,
        })
    }
}

/// GET /Organisation element (the fields the library uses).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Organisation {
    /// OrganisationID.
    #[serde(rename = "OrganisationID", alias = "organisationID", default)]
    pub organisation_id: Option<String>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<String>,
    /// Base currency code.
    #[serde(rename = "BaseCurrency", alias = "baseCurrency", default)]
    pub base_currency: Option<String>,
    /// Country code.
    #[serde(rename = "CountryCode", alias = "countryCode", default)]
    pub country_code: Option<String>,
    /// Default payment terms.
    #[serde(rename = "PaymentTerms", alias = "paymentTerms", default)]
    pub payment_terms: Option<PaymentTerms>,
    /// Lock date for everyone but advisers (`/Date(...)/`, or ISO text from xero-node's `Date`).
    #[serde(rename = "PeriodLockDate", alias = "periodLockDate", default)]
    pub period_lock_date: Option<String>,
    /// Lock date for every user, advisers included.
    #[serde(rename = "EndOfYearLockDate", alias = "endOfYearLockDate", default)]
    pub end_of_year_lock_date: Option<String>,
}

/// The organisation's lock dates. Xero locks "up to and including" each date: a document dated
/// on or before one cannot be approved (see `Exporter`'s lock-date check for DRAFTs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LockDates {
    /// PeriodLockDate: binds every user except those with the Adviser role.
    pub period: Option<Date>,
    /// EndOfYearLockDate: binds every user, advisers included.
    pub end_of_year: Option<Date>,
}

/// The lock a document date falls under, the stricter first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lock {
    /// On or before the end-of-year lock date.
    EndOfYear(Date),
    /// On or before the period lock date (and after any end-of-year lock date).
    Period(Date),
}

impl LockDates {
    /// The lock `date` falls under, if any.
    pub fn lock_for(&self, date: Date) -> Option<Lock> {
        match (self.end_of_year, self.period) {
            (Some(e), _) if date <= e => Some(Lock::EndOfYear(e)),
            (_, Some(p)) if date <= p => Some(Lock::Period(p)),
            _ => None,
        }
    }
}

/// A lock date as Xero sends it (`/Date(ms+hhmm)/`, read in its offset) or as xero-node gives
/// it: xero-node turns that text into a JS `Date` with the offset dropped, which JSON writes as
/// the UTC instant, `…T11:00:00.000Z` for a New Zealand midnight (+13:00) on the next day.
/// Xero's dates are the organisation's midnight, so a UTC time from 10:00 on is a midnight east
/// of UTC (+10:00 to +14:00) and the date is the next day; before 10:00 it is the same day
/// (west of UTC, or UTC itself). Between 10:00 and 12:59 it could also be a midnight at -10:00
/// to -12:00 (Hawaii, Samoa): the later day is taken, so a document can be flagged one day too
/// many but never let through on a locked day.
fn lock_date(text: &str) -> Option<Date> {
    let date = Date::parse(text)?;
    let hour = text
        .strip_suffix('Z')
        .and_then(|t| t.get(11..13))
        .and_then(|h| h.parse::<u32>().ok());
    match hour {
        Some(h) if h >= 10 => date.add_days(1),
        _ => Some(date),
    }
}

impl Resource for Organisation {
    const KEYS: &'static [&'static str] = &["Organisations", "organisations"];
}

/// GET /Accounts element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Account {
    /// AccountID.
    #[serde(rename = "AccountID", alias = "accountID", default)]
    pub account_id: Option<Text>,
    /// Code (≤ 10).
    #[serde(rename = "Code", alias = "code", default)]
    pub code: Option<Text>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<Text>,
    /// Type (REVENUE, EXPENSE, ...).
    #[serde(rename = "Type", alias = "type", default)]
    pub kind: Option<Text>,
    /// ACTIVE / ARCHIVED / DELETED. Absent (as in the spec's own example) counts as ACTIVE.
    #[serde(rename = "Status", alias = "status", default)]
    pub status: Option<Text>,
    /// The account's default tax type.
    #[serde(rename = "TaxType", alias = "taxType", default)]
    pub tax_type: Option<Text>,
    /// Class (read-only in Xero); derived from Type when absent.
    #[serde(rename = "Class", alias = "_class", alias = "class", default)]
    pub class: Option<Text>,
    /// EnablePaymentsToAccount: payments may be recorded against it although it is not a BANK
    /// account (read for `plan({payments})`).
    #[serde(
        rename = "EnablePaymentsToAccount",
        alias = "enablePaymentsToAccount",
        default
    )]
    pub enable_payments: Option<bool>,
    /// CurrencyCode of a bank account (payments into it are in that currency or the base one).
    #[serde(rename = "CurrencyCode", alias = "currencyCode", default)]
    pub currency_code: Option<Text>,
    /// DEBTORS, CREDITORS, GST, ROUNDING...: the system account this one is.
    #[serde(rename = "SystemAccount", alias = "systemAccount", default)]
    pub system_account: Option<Text>,
}

impl Resource for Account {
    const KEYS: &'static [&'static str] = &["Accounts", "accounts"];
}

/// An account class: what the account is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountClass {
    /// Assets.
    Asset,
    /// Equity.
    Equity,
    /// Expenses.
    Expense,
    /// Liabilities.
    Liability,
    /// Revenue.
    Revenue,
}

impl AccountClass {
    /// The class Xero reports, or (when absent) the class Xero assigns to the account type.
    pub fn of(account: &Account) -> Option<AccountClass> {
        let from_class = match account.class.as_deref() {
            Some("ASSET") => Some(AccountClass::Asset),
            Some("EQUITY") => Some(AccountClass::Equity),
            Some("EXPENSE") => Some(AccountClass::Expense),
            Some("LIABILITY") => Some(AccountClass::Liability),
            Some("REVENUE") => Some(AccountClass::Revenue),
            _ => None,
        };
        from_class.or(match account.kind.as_deref()? {
            "REVENUE" | "SALES" | "OTHERINCOME" => Some(AccountClass::Revenue),
            "EXPENSE" | "OVERHEADS" | "DIRECTCOSTS" | "DEPRECIATN" => Some(AccountClass::Expense),
            "BANK" | "CURRENT" | "FIXED" | "INVENTORY" | "NONCURRENT" | "PREPAYMENT" => {
                Some(AccountClass::Asset)
            }
            "CURRLIAB" | "LIABILITY" | "TERMLIAB" | "PAYG" => Some(AccountClass::Liability),
            "EQUITY" => Some(AccountClass::Equity),
            _ => None,
        })
    }

    /// Lower-case name for messages.
    pub fn name(self) -> &'static str {
        match self {
            AccountClass::Asset => "asset",
            AccountClass::Equity => "equity",
            AccountClass::Expense => "expense",
            AccountClass::Liability => "liability",
            AccountClass::Revenue => "revenue",
        }
    }
}

/// GET /TaxRates element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TaxRate {
    /// Display name ("15% GST on Income").
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<Text>,
    /// The code used on lines (OUTPUT2, TAX001...).
    #[serde(rename = "TaxType", alias = "taxType", default)]
    pub tax_type: Option<Text>,
    /// ACTIVE / DELETED / ARCHIVED / PENDING.
    #[serde(rename = "Status", alias = "status", default)]
    pub status: Option<Text>,
    /// Effective rate in percent (compound components included).
    #[serde(
        rename = "EffectiveRate",
        alias = "effectiveRate",
        default,
        deserialize_with = "de_opt_decimal"
    )]
    pub effective_rate: Option<Decimal>,
    /// Display rate in percent.
    #[serde(
        rename = "DisplayTaxRate",
        alias = "displayTaxRate",
        default,
        deserialize_with = "de_opt_decimal"
    )]
    pub display_rate: Option<Decimal>,
    /// Usable on asset accounts.
    #[serde(rename = "CanApplyToAssets", alias = "canApplyToAssets", default)]
    pub can_apply_to_assets: Option<bool>,
    /// Usable on equity accounts.
    #[serde(rename = "CanApplyToEquity", alias = "canApplyToEquity", default)]
    pub can_apply_to_equity: Option<bool>,
    /// Usable on expense accounts.
    #[serde(rename = "CanApplyToExpenses", alias = "canApplyToExpenses", default)]
    pub can_apply_to_expenses: Option<bool>,
    /// Usable on liability accounts.
    #[serde(
        rename = "CanApplyToLiabilities",
        alias = "canApplyToLiabilities",
        default
    )]
    pub can_apply_to_liabilities: Option<bool>,
    /// Usable on revenue accounts.
    #[serde(rename = "CanApplyToRevenue", alias = "canApplyToRevenue", default)]
    pub can_apply_to_revenue: Option<bool>,
}

impl Resource for TaxRate {
    const KEYS: &'static [&'static str] = &["TaxRates", "taxRates"];
}

impl TaxRate {
    /// The rate used for computing tax: EffectiveRate, else DisplayTaxRate, else 0.
    pub fn rate(&self) -> Decimal {
        self.effective_rate
            .or(self.display_rate)
            .unwrap_or_default()
    }

    /// Whether Xero allows this rate on an account of `class`. An absent flag is taken as
    /// allowed: the snapshot does not say, and Xero will have the last word.
    pub fn allowed_for(&self, class: AccountClass) -> bool {
        let flag = match class {
            AccountClass::Asset => self.can_apply_to_assets,
            AccountClass::Equity => self.can_apply_to_equity,
            AccountClass::Expense => self.can_apply_to_expenses,
            AccountClass::Liability => self.can_apply_to_liabilities,
            AccountClass::Revenue => self.can_apply_to_revenue,
        };
        flag.unwrap_or(true)
    }
}

/// GET /TrackingCategories option.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TrackingOption {
    /// TrackingOptionID.
    #[serde(rename = "TrackingOptionID", alias = "trackingOptionID", default)]
    pub id: Option<String>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<String>,
    /// ACTIVE / ARCHIVED / DELETED.
    #[serde(rename = "Status", alias = "status", default)]
    pub status: Option<String>,
}

/// GET /TrackingCategories element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TrackingCategory {
    /// TrackingCategoryID.
    #[serde(rename = "TrackingCategoryID", alias = "trackingCategoryID", default)]
    pub id: Option<String>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<String>,
    /// ACTIVE / ARCHIVED / DELETED.
    #[serde(rename = "Status", alias = "status", default)]
    pub status: Option<String>,
    /// Options.
    #[serde(rename = "Options", alias = "options", default)]
    pub options: Vec<TrackingOption>,
}

impl Resource for TrackingCategory {
    const KEYS: &'static [&'static str] = &["TrackingCategories", "trackingCategories"];
}

/// GET /Contacts element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Contact {
    /// ContactID.
    #[serde(rename = "ContactID", alias = "contactID", default)]
    pub contact_id: Option<Text>,
    /// ContactNumber (the "Contact Code").
    #[serde(rename = "ContactNumber", alias = "contactNumber", default)]
    pub contact_number: Option<Text>,
    /// AccountNumber.
    #[serde(rename = "AccountNumber", alias = "accountNumber", default)]
    pub account_number: Option<Text>,
    /// ACTIVE / ARCHIVED / GDPRREQUEST.
    #[serde(rename = "ContactStatus", alias = "contactStatus", default)]
    pub status: Option<Text>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<Text>,
    /// Email address.
    #[serde(rename = "EmailAddress", alias = "emailAddress", default)]
    pub email: Option<Text>,
    /// The contact's own payment terms.
    #[serde(rename = "PaymentTerms", alias = "paymentTerms", default)]
    pub payment_terms: Option<PaymentTerms>,
    /// Tax number (read to tell a person's changes apart, `people::sync`).
    #[serde(rename = "TaxNumber", alias = "taxNumber", default)]
    pub tax_number: Option<Text>,
    /// First name (read to tell a person's changes apart, `people::sync`).
    #[serde(rename = "FirstName", alias = "firstName", default)]
    pub first_name: Option<Text>,
    /// Last name (as `first_name`).
    #[serde(rename = "LastName", alias = "lastName", default)]
    pub last_name: Option<Text>,
    /// Addresses as Xero gave them, kept as JSON: only `people::sync` compares them, and a
    /// malformed one must not make the whole snapshot unreadable.
    #[serde(rename = "Addresses", alias = "addresses", default)]
    pub addresses: Option<serde_json::Value>,
    /// Phones, as `addresses`.
    #[serde(rename = "Phones", alias = "phones", default)]
    pub phones: Option<serde_json::Value>,
    /// UpdatedDateUTC in milliseconds, when readable: which of two copies of a contact (pages
    /// read while it was edited) is newer.
    #[serde(
        rename = "UpdatedDateUTC",
        alias = "updatedDateUTC",
        default,
        deserialize_with = "crate::people::pages::updated"
    )]
    pub updated: Option<i64>,
    /// Set when this element is a whole `GET /Contacts` page (`contacts: [page1, page2]`, the
    /// array `importContacts` takes): its contacts, read in its place ([`page_contacts`]).
    #[serde(rename = "Contacts", alias = "contacts", default)]
    page: Option<Vec<Contact>>,
}

impl Resource for Contact {
    const KEYS: &'static [&'static str] = &["Contacts", "contacts"];
}

impl Contact {
    /// ACTIVE (or no status given).
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_deref(), None | Some("ACTIVE"))
    }
}

/// Sales or purchase details of an item.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemDetails {
    /// Default unit price.
    #[serde(
        rename = "UnitPrice",
        alias = "unitPrice",
        default,
        deserialize_with = "de_opt_decimal"
    )]
    pub unit_price: Option<Decimal>,
    /// Default account code.
    #[serde(rename = "AccountCode", alias = "accountCode", default)]
    pub account_code: Option<Text>,
    /// Default tax type.
    #[serde(rename = "TaxType", alias = "taxType", default)]
    pub tax_type: Option<Text>,
}

/// GET /Items element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Item {
    /// ItemID.
    #[serde(rename = "ItemID", alias = "itemID", default)]
    pub item_id: Option<Text>,
    /// Code (≤ 30).
    #[serde(rename = "Code", alias = "code", default)]
    pub code: Option<Text>,
    /// Name.
    #[serde(rename = "Name", alias = "name", default)]
    pub name: Option<Text>,
    /// Sold (sales invoices may use it).
    #[serde(rename = "IsSold", alias = "isSold", default)]
    pub is_sold: Option<bool>,
    /// Purchased (bills may use it).
    #[serde(rename = "IsPurchased", alias = "isPurchased", default)]
    pub is_purchased: Option<bool>,
    /// Sales defaults.
    #[serde(rename = "SalesDetails", alias = "salesDetails", default)]
    pub sales: Option<ItemDetails>,
    /// Purchase defaults.
    #[serde(rename = "PurchaseDetails", alias = "purchaseDetails", default)]
    pub purchases: Option<ItemDetails>,
}

impl Resource for Item {
    const KEYS: &'static [&'static str] = &["Items", "items"];
}

/// GET /Currencies element.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Currency {
    /// ISO code.
    #[serde(rename = "Code", alias = "code", default)]
    pub code: Option<String>,
}

impl Resource for Currency {
    const KEYS: &'static [&'static str] = &["Currencies", "currencies"];
}

const EXACT_ACCOUNT: usize = 0;
const EXACT_TAX: usize = 1;
const EXACT_ITEM: usize = 2;

/// Where a name or number points in a list that may hold duplicates.
pub type Matches = Vec<usize>;

/// The parsed snapshot with its lookup tables.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The organisation, when given.
    pub organisation: Option<Organisation>,
    /// Accounts in Xero's order.
    pub accounts: Vec<Account>,
    /// Tax rates in Xero's order.
    pub tax_rates: Vec<TaxRate>,
    /// Tracking categories in Xero's order (category 1 and 2 are the first two ACTIVE ones).
    pub tracking_categories: Vec<TrackingCategory>,
    /// Contacts in Xero's order.
    pub contacts: Vec<Contact>,
    /// Items in Xero's order.
    pub items: Vec<Item>,
    /// Enabled currency codes.
    pub currencies: BTreeSet<String>,
    /// The parts the host left out (`"currencies"`, `"items"`...): their checks are skipped.
    pub missing: BTreeSet<&'static str>,
    /// The organisation's lock dates, parsed.
    pub lock_dates: LockDates,
    /// Exact spellings first (no allocation on the common path), then comparison keys.
    exact: [BTreeMap<String, usize>; 3],
    account_by_code: BTreeMap<String, usize>,
    account_by_id: BTreeMap<String, usize>,
    tax_by_type: BTreeMap<String, usize>,
    item_by_code: BTreeMap<String, usize>,
    /// Contact indexes (multi-valued: duplicates are ambiguity, reported by the resolver).
    pub(crate) contact_by_id: BTreeMap<String, usize>,
    pub(crate) contact_by_number: BTreeMap<String, Matches>,
    pub(crate) contact_by_account_number: BTreeMap<String, Matches>,
    pub(crate) contact_by_email: BTreeMap<String, Matches>,
    pub(crate) contact_by_name: BTreeMap<String, Matches>,
    /// Contacts by [`names::loose_key`] of their name: near misses (reported, never matched)
    /// and the configuration screen's contact search. Built on first use
    /// ([`Snapshot::contact_by_loose_name`]): an exporter that never creates a contact or
    /// searches does not pay for it.
    contact_by_loose_name: std::cell::OnceCell<BTreeMap<String, Matches>>,
    /// Problems found in the snapshot itself.
    pub issues: Vec<Issue>,
}

impl Snapshot {
    /// Whether the host gave this part (`"items"`, `"currencies"`...), even empty.
    pub fn has_part(&self, part: &str) -> bool {
        !self.missing.contains(part)
    }
}

/// The sample organisation (tests/fixtures/sample/snapshot.json), for the unit tests that
/// check a lookup against a real snapshot. Panics (failing the test) if it does not read.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn sample() -> Snapshot {
    let text = include_str!("../../tests/fixtures/sample/snapshot.json");
    Snapshot::new(serde_json::from_str(text).unwrap())
}

/// The contacts, each page body among them (`[{Contacts: [...]}, ...]`) replaced by its
/// contacts: a page read as one contact would be a blank one, and every payer unmatched.
fn page_contacts(contacts: Vec<Contact>) -> Vec<Contact> {
    if contacts.iter().all(|c| c.page.is_none()) {
        return contacts;
    }
    let mut out = Vec::with_capacity(contacts.len());
    for mut c in contacts {
        match c.page.take() {
            Some(page) => out.extend(page_contacts(page)),
            None => out.push(c),
        }
    }
    out
}

/// The contacts with one copy of each ContactID: pages read in Xero's order (`UpdatedDateUTC
/// ASC`) hold a contact edited while paging twice, and both copies would be two contacts with
/// one id (ambiguity, or a stale status). The newer copy (by UpdatedDateUTC when both have it,
/// else the later one) at the place first seen, as `importContacts` reads pages.
fn one_copy_each(contacts: Vec<Contact>) -> Vec<Contact> {
    let mut at: BTreeMap<String, usize> = BTreeMap::new();
    let mut out: Vec<Contact> = Vec::with_capacity(contacts.len());
    for c in contacts {
        let id = c
            .contact_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty());
        let Some(k) = id.map(names::key) else {
            out.push(c);
            continue;
        };
        match at.get(&k).and_then(|i| out.get_mut(*i)) {
            Some(earlier) => {
                if crate::people::pages::replaces(c.updated, earlier.updated) {
                    *earlier = c;
                }
            }
            None => {
                at.insert(k, out.len());
                out.push(c);
            }
        }
    }
    out
}

fn index_unique(map: &mut BTreeMap<String, usize>, key: Option<&str>, i: usize, fold: bool) {
    if let Some(k) = key.map(str::trim).filter(|k| !k.is_empty()) {
        let k = if fold { names::key(k) } else { k.to_owned() };
        map.entry(k).or_insert(i);
    }
}

fn index_multi(map: &mut BTreeMap<String, Matches>, key: Option<String>, i: usize) {
    if let Some(k) = key.filter(|k| !k.is_empty()) {
        map.entry(k).or_default().push(i);
    }
}

impl Snapshot {
    /// Parses the host's snapshot input and builds every lookup table once.
    pub fn new(mut input: SnapshotInput) -> Snapshot {
        let missing = input.missing();
        let unknown_keys = std::mem::take(&mut input.unknown_keys);
        let mut s = Snapshot {
            organisation: input.organisation.and_then(|l| l.0.into_iter().next()),
            accounts: input.accounts.map(|l| l.0).unwrap_or_default(),
            tax_rates: input.tax_rates.map(|l| l.0).unwrap_or_default(),
            tracking_categories: input.tracking_categories.map(|l| l.0).unwrap_or_default(),
            contacts: one_copy_each(page_contacts(
                input.contacts.map(|l| l.0).unwrap_or_default(),
            )),
            items: input.items.map(|l| l.0).unwrap_or_default(),
            missing,
            ..Snapshot::default()
        };
        for (i, a) in s.accounts.iter().enumerate() {
            if let Some(c) = &a.code {
                if let Some(m) = s.exact.get_mut(EXACT_ACCOUNT) {
                    m.entry(c.to_string()).or_insert(i);
                }
            }
            index_unique(&mut s.account_by_code, a.code.as_deref(), i, true);
            index_unique(&mut s.account_by_id, a.account_id.as_deref(), i, true);
        }
        for (i, t) in s.tax_rates.iter().enumerate() {
            if let Some(c) = &t.tax_type {
                if let Some(m) = s.exact.get_mut(EXACT_TAX) {
                    m.entry(c.to_string()).or_insert(i);
                }
            }
            index_unique(&mut s.tax_by_type, t.tax_type.as_deref(), i, true);
        }
        for (i, it) in s.items.iter().enumerate() {
            if let Some(c) = &it.code {
                if let Some(m) = s.exact.get_mut(EXACT_ITEM) {
                    m.entry(c.to_string()).or_insert(i);
                }
            }
            index_unique(&mut s.item_by_code, it.code.as_deref(), i, true);
        }
        for (i, c) in s.contacts.iter().enumerate() {
            index_unique(&mut s.contact_by_id, c.contact_id.as_deref(), i, true);
            index_multi(
                &mut s.contact_by_number,
                c.contact_number.as_deref().map(names::key),
                i,
            );
            index_multi(
                &mut s.contact_by_account_number,
                c.account_number.as_deref().map(names::key),
                i,
            );
            index_multi(
                &mut s.contact_by_email,
                c.email.as_deref().map(names::key),
                i,
            );
            index_multi(&mut s.contact_by_name, c.name.as_deref().map(names::key), i);
        }
        s.currencies = input
            .currencies
            .map(|l| l.0)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.code.map(|c| c.trim().to_ascii_uppercase()))
            .collect();
        if let Some(base) = s.base_currency() {
            s.currencies.insert(base.to_owned());
        }
        s.lock_dates = s.parse_lock_dates();
        s.report_unknown_keys(&unknown_keys);
        s.check();
        s
    }

    /// Reports the snapshot's keys it does not take (`snapshot.trackingCategory`, did you
    /// mean `trackingCategories`?): the part meant reads as missing, reported too.
    fn report_unknown_keys(&mut self, keys: &[String]) {
        for key in keys {
            self.issues.push(Issue::warning(
                IssueCode::FieldUnknown,
                format!("snapshot.{}", crate::money::shown(key)),
                SnapshotInput::unknown_key_said(key),
            ));
        }
    }

    /// Reports what is missing or beyond Xero's limits in the snapshot itself.
    fn check(&mut self) {
        if self.organisation.is_none() {
            self.issues.push(Issue::warning(
                IssueCode::SnapshotInvalid,
                "snapshot.organisation",
                "No GET /Organisation body in the snapshot: the base currency and the organisation's payment terms are unknown, so currency checks and term-based due dates are skipped. Pass the body of GET /Organisation.",
            ));
        }
        for (part, empty) in [
            ("accounts", self.accounts.is_empty()),
            ("taxRates", self.tax_rates.is_empty()),
        ] {
            if empty {
                self.issues.push(Issue::warning(
                    IssueCode::SnapshotInvalid,
                    format!("snapshot.{part}"),
                    format!("The snapshot has no {part}: lines cannot be checked against them. Pass the body of the matching Xero GET."),
                ));
            }
        }
        self.check_missing_lists();
    }

    /// The lists an organisation may hold empty (tracking, contacts, items, currencies): only
    /// a part left out is reported, with the checks it skips.
    fn check_missing_lists(&mut self) {
        for (part, skipped) in [
            ("trackingCategories", "tracking is sent by the names the settings give, unchecked (Xero drops an unknown category or option silently; the run reports TRACKING_DROPPED_BY_XERO when it does). Pass the body of GET /TrackingCategories?includeArchived=true."),
            ("contacts", "contact ids are sent unchecked, and payers without one cannot be matched to an existing contact, so a contact to create may duplicate one Xero has. Pass the body of GET /Contacts?includeArchived=true."),
            ("items", "item codes are sent unchecked (Xero refuses an unknown one) and no item defaults (description, account, tax) are used. Pass the body of GET /Items."),
            ("currencies", "documents in another currency than the organisation's are not checked against the enabled currencies (Xero refuses one not enabled). Pass the body of GET /Currencies."),
        ] {
            if self.missing.contains(part) {
                self.issues.push(Issue::warning(
                    IssueCode::SnapshotInvalid,
                    format!("snapshot.{part}"),
                    format!("The snapshot has no {part}: {skipped}"),
                ));
            }
        }
    }

    /// The organisation's lock dates; one that is set but unreadable is reported and skipped.
    fn parse_lock_dates(&mut self) -> LockDates {
        let Some(org) = &self.organisation else {
            return LockDates::default();
        };
        let mut read = |field: &str, text: &Option<String>| {
            let text = text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
            let date = lock_date(text);
            if date.is_none() {
                self.issues.push(Issue::warning(
                    IssueCode::SnapshotInvalid,
                    format!("snapshot.organisation.{field}"),
                    format!("{field} \"{text}\" is not a date (`/Date(ms+hhmm)/` or YYYY-MM-DD): documents are not checked against this lock date. Pass the GET /Organisation body as Xero sent it."),
                ));
            }
            date
        };
        LockDates {
            period: read("PeriodLockDate", &org.period_lock_date),
            end_of_year: read("EndOfYearLockDate", &org.end_of_year_lock_date),
        }
    }

    fn exact_index(&self, kind: usize, text: &str) -> Option<usize> {
        self.exact.get(kind)?.get(text).copied()
    }

    /// The organisation's base currency.
    pub fn base_currency(&self) -> Option<&str> {
        self.organisation.as_ref()?.base_currency.as_deref()
    }

    /// An account by code (case-insensitive) or AccountID.
    pub fn account(&self, code_or_id: &str) -> Option<&Account> {
        self.accounts.get(self.account_index(code_or_id)?)
    }

    /// [`Snapshot::account`]'s position in `accounts`.
    pub(crate) fn account_index(&self, code_or_id: &str) -> Option<usize> {
        if let Some(i) = self.exact_index(EXACT_ACCOUNT, code_or_id) {
            return Some(i);
        }
        let k = names::key_ref(code_or_id);
        self.account_by_code
            .get(k.as_ref())
            .or_else(|| self.account_by_id.get(k.as_ref()))
            .copied()
    }

    /// A tax rate by TaxType (case-insensitive).
    pub fn tax_rate(&self, tax_type: &str) -> Option<&TaxRate> {
        self.tax_rates.get(self.tax_rate_index(tax_type)?)
    }

    /// [`Snapshot::tax_rate`]'s position in `tax_rates`.
    pub(crate) fn tax_rate_index(&self, tax_type: &str) -> Option<usize> {
        if let Some(i) = self.exact_index(EXACT_TAX, tax_type) {
            return Some(i);
        }
        self.tax_by_type
            .get(names::key_ref(tax_type).as_ref())
            .copied()
    }

    /// An item by code (case-insensitive).
    pub fn item(&self, code: &str) -> Option<&Item> {
        if let Some(i) = self.exact_index(EXACT_ITEM, code) {
            return self.items.get(i);
        }
        self.items
            .get(*self.item_by_code.get(names::key_ref(code).as_ref())?)
    }

    /// A contact by ContactID.
    pub fn contact_by_id(&self, id: &str) -> Option<&Contact> {
        self.contacts
            .get(*self.contact_by_id.get(names::key_ref(id).as_ref())?)
    }

    /// Contacts by [`names::loose_key`] of their name, built on first use.
    pub(crate) fn contact_by_loose_name(&self) -> &BTreeMap<String, Matches> {
        self.contact_by_loose_name.get_or_init(|| {
            let mut map = BTreeMap::new();
            for (i, c) in self.contacts.iter().enumerate() {
                index_multi(&mut map, c.name.as_deref().map(names::loose_key), i);
            }
            map
        })
    }

    /// Whether documents in `code` can be created (base currency or an enabled currency).
    /// Unknown when the currencies were not given (the base currency alone says nothing
    /// about the others): then `true`, the check skipped and the missing part reported.
    pub fn currency_enabled(&self, code: &str) -> bool {
        if self.currencies.is_empty() || self.missing.contains("currencies") {
            return true;
        }
        self.currencies.contains(&code.trim().to_ascii_uppercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn bodies_arrays_and_camel_case_all_parse() {
        let raw: SnapshotInput = serde_json::from_str(
            r#"{"accounts":{"Id":"x","Accounts":[{"Code":"200","Type":"REVENUE","TaxType":"OUTPUT2"}]},
                "taxRates":[{"TaxType":"OUTPUT2","EffectiveRate":15.0,"Status":"ACTIVE","CanApplyToRevenue":true}],
                "contacts":{"contacts":[{"contactID":"C1","name":"Acme","contactStatus":"ACTIVE"}]},
                "organisation":{"organisations":[{"baseCurrency":"NZD","paymentTerms":{"sales":{"day":20,"type":"OFFOLLOWINGMONTH"}}}]}}"#,
        )
        .unwrap();
        let s = Snapshot::new(raw);
        let a = s.account("200").unwrap();
        assert_eq!(AccountClass::of(a), Some(AccountClass::Revenue));
        assert_eq!(s.tax_rate("output2").unwrap().rate(), Decimal::from(15));
        assert_eq!(s.contact_by_id("c1").unwrap().name.as_deref(), Some("Acme"));
        assert_eq!(s.base_currency(), Some("NZD"));
        assert!(s.currency_enabled("nzd"));
        // No GET /Currencies: other currencies are unchecked, not refused.
        assert!(!s.has_part("currencies") && s.currency_enabled("USD"));
        let terms = s
            .organisation
            .as_ref()
            .unwrap()
            .payment_terms
            .as_ref()
            .unwrap();
        assert_eq!(terms.sales.as_ref().unwrap().term().unwrap().day, 20);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_body_without_its_array_is_misuse() {
        let err =
            serde_json::from_str::<SnapshotInput>(r#"{"accounts":{"Status":"OK"}}"#).unwrap_err();
        assert!(err.to_string().contains("Accounts"), "{err}");
    }
}
