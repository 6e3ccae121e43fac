//! The host application's Xero configuration screen, as one value.
//!
//! Everything has a default that matches Xero's own (sales invoices, DRAFT, Exclusive, 2 dp), so
//! `{}` is valid settings. Unknown enum values are misuse (thrown): a typo in a setting must not
//! silently change what gets exported.

use crate::Text;
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::money::totals::LineAmountTypes;

/// Sales invoices or bills.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum InvoiceKind {
    /// Sales invoice (accounts receivable).
    #[default]
    #[serde(rename = "ACCREC")]
    Accrec,
    /// Bill (accounts payable), e.g. a time tracker paying its members.
    #[serde(rename = "ACCPAY")]
    Accpay,
}

/// Document status on export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Draft: may be incomplete; no due date needed.
    #[default]
    Draft,
    /// Awaiting approval.
    Submitted,
    /// Approved.
    Authorised,
}

impl Status {
    /// Xero's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "DRAFT",
            Status::Submitted => "SUBMITTED",
            Status::Authorised => "AUTHORISED",
        }
    }

    /// SUBMITTED or AUTHORISED: Xero checks the document completely.
    pub fn is_approval(self) -> bool {
        self != Status::Draft
    }
}

/// What to do with an invoice whose total is negative.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NegativeInvoices {
    /// Send a credit note with positive amounts (Xero cannot approve a negative invoice).
    #[default]
    CreditNote,
    /// Keep it as an invoice (DRAFT only; approval is refused by Xero).
    Keep,
}

/// Account mapping.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct AccountSettings {
    /// Account code for lines that name none and whose service has no mapping.
    pub default: Option<Text>,
    /// Host service/item code → account code.
    #[cfg_attr(test, ts(optional = nullable))]
    pub by_service: BTreeMap<String, Text>,
}

/// How an invoice's fields that the library does not know are reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum UnknownFields {
    /// A warning (default): hosts often pass their own richer objects.
    #[default]
    Warning,
    /// An error that blocks the invoice: for hosts that build the objects for this API only.
    Error,
}

/// Xero items on lines.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct ItemSettings {
    /// Send a line's service code as Xero's ItemCode when the organisation has an item with
    /// that code (and take the item's price, account and description as defaults). Off by
    /// default: an ItemCode on a tracked inventory item moves stock in Xero, so it must be
    /// chosen, never implied by a matching code. A line's own `itemCode` is always sent.
    #[cfg_attr(test, ts(optional = nullable))]
    pub from_service_code: bool,
    /// A line's own `itemCode` that is not one of the organisation's items: `never` (default,
    /// ITEM_NOT_FOUND) or `missing` (the recruitment CRM's "Invoice items that do not exist":
    /// created by the run, before the documents that use it).
    #[cfg_attr(test, ts(optional = nullable))]
    pub create: CreateItems,
}

/// Whether the run creates the items lines name that Xero does not have (issue 19).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum CreateItems {
    /// An unknown item code is an error (ITEM_NOT_FOUND): the safe default.
    #[default]
    Never,
    /// An unknown item code is created (PUT /Items) before the documents that use it; never
    /// as a tracked inventory item.
    Missing,
}

/// Tax mapping.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct TaxSettings {
    /// Xero TaxType for lines without a tax code (else the account's default tax type).
    pub default: Option<Text>,
    /// Host tax code → Xero TaxType.
    #[cfg_attr(test, ts(optional = nullable))]
    pub by_code: BTreeMap<String, Text>,
}

// Read through `DueDateInput` (one object, its `rule` saying which other key it takes), not as
// serde's internally tagged enum: that buffers the object, so a wrong `days` was said at
// `settings.dueDate` and a misspelt `dys` threw without a did-you-mean. The `tag` attribute
// stays for the TypeScript declaration (`ts_types`). Not a doc comment: that goes to the .d.ts.
/// How the due date is computed when the source invoice has none.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(tag = "rule", rename_all = "camelCase", try_from = "DueDateInput")]
pub enum DueDateRule {
    /// No rule: only an explicit due date is sent.
    #[default]
    None,
    /// A fixed number of days after the invoice date (the time tracker's offset).
    DaysAfter {
        /// Days to add.
        #[serde(deserialize_with = "crate::money::whole::required")]
        days: u32,
    },
    /// Xero's payment terms: the contact's, then the organisation's; `fallbackDays` when neither.
    #[serde(rename_all = "camelCase")]
    PaymentTerms {
        /// Days after the invoice date when no terms are set.
        #[serde(default, deserialize_with = "crate::money::whole::optional")]
        fallback_days: Option<u32>,
    },
}

/// `settings.dueDate` as written: read field by field through the path watch, so each key is
/// said at its own path and a misspelt one is `SETTING_UNKNOWN` with its did-you-mean.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct DueDateInput {
    rule: Option<DueDateRuleName>,
    #[serde(deserialize_with = "crate::money::whole::optional")]
    days: Option<u32>,
    #[serde(deserialize_with = "crate::money::whole::optional")]
    fallback_days: Option<u32>,
}

/// A due-date rule's name.
#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
enum DueDateRuleName {
    None,
    DaysAfter,
    PaymentTerms,
}

impl TryFrom<DueDateInput> for DueDateRule {
    type Error = &'static str;

    fn try_from(input: DueDateInput) -> Result<Self, Self::Error> {
        use DueDateRuleName as R;
        match (input.rule, input.days, input.fallback_days) {
            (None, ..) => Err("missing field `rule`: \"daysAfter\" (with days), \"paymentTerms\" or \"none\""),
            (Some(R::None), None, None) => Ok(DueDateRule::None),
            (Some(R::DaysAfter), Some(days), None) => Ok(DueDateRule::DaysAfter { days }),
            (Some(R::DaysAfter), None, _) => Err("missing field `days`: rule \"daysAfter\" adds that many days to the invoice date"),
            (Some(R::PaymentTerms), None, fallback_days) => {
                Ok(DueDateRule::PaymentTerms { fallback_days })
            }
            (Some(_), Some(_), _) => Err("`days` is read only with rule \"daysAfter\"; rule \"paymentTerms\" takes `fallbackDays`"),
            (Some(_), None, Some(_)) => Err("`fallbackDays` is read only with rule \"paymentTerms\"; rule \"daysAfter\" takes `days`"),
        }
    }
}

/// Templates for invoice number, reference and Url, with `{field}` placeholders.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct Templates {
    /// InvoiceNumber (default `{number}`).
    pub invoice_number: Option<String>,
    /// Reference (default `{reference}`).
    pub reference: Option<String>,
    /// Url, "Go to \[app\]" link (default none).
    pub url: Option<String>,
}

/// What to do when a payer matches no Xero contact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum OnMissingContact {
    /// Report CONTACT_NOT_FOUND and block the invoice.
    #[default]
    Error,
    /// Plan a PUT /Contacts ahead of the invoice.
    Create,
}

/// What to do when the name of a contact to create is taken by another active contact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum NameCollision {
    /// Append ` (<contact number or host id>)` to make it distinct.
    #[default]
    Suffix,
    /// Report CONTACT_NAME_TAKEN.
    Error,
}

/// Contact resolution settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(default, rename_all = "camelCase")]
pub struct ContactSettings {
    /// Host `kind:id` → Xero ContactID.
    #[cfg_attr(test, ts(optional = nullable))]
    pub mapping: BTreeMap<String, String>,
    /// Create or fail when nothing matches.
    #[cfg_attr(test, ts(optional = nullable))]
    pub on_missing: OnMissingContact,
    /// How to handle a taken name for a contact to create.
    #[cfg_attr(test, ts(optional = nullable))]
    pub name_collision: NameCollision,
    /// Use the payer's host id as ContactNumber (for matching and creation) when the payer has
    /// no contact number of its own. The ids must then be unique across payer kinds: a payer
    /// of another kind with an id seen earlier in the batch is `CONTACT_NAME_TAKEN`.
    #[cfg_attr(test, ts(optional = nullable))]
    pub contact_number_from_id: bool,
}

/// Where a tracking option may come from, in the order the settings list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum TrackingSource {
    /// The line's own `tracking` override.
    Line,
    /// The line's clinician (clinician id → option).
    Clinician,
    /// The line's location (location id → option).
    Location,
    /// The line's service/item code (service → option).
    Service,
    /// The invoice's client default (client id → {category → option}).
    Client,
    /// The fallback option of the stale policy.
    Fallback,
}

/// What to do with a stale option (archived, deleted, renamed or unknown in Xero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum StalePolicy {
    /// Drop it with a warning and still export (the clinic system's rule).
    #[default]
    Ignore,
    /// Block the document.
    Error,
    /// Use the category's fallback option, with a warning.
    Fallback,
}

/// Settings for one tracking category.
#[derive(Clone, Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct TrackingCategorySettings {
    /// Category name or TrackingCategoryID.
    pub category: String,
    /// Sources in order; the first that yields an option wins. (`fallback` is not one: the
    /// fallback option is the `stale` policy's.)
    #[serde(default = "default_sources")]
    #[cfg_attr(
        test,
        ts(optional, type = "Array<Exclude<TrackingSource, \"fallback\">>")
    )]
    pub sources: Vec<TrackingSource>,
    /// Clinician id → option (name or TrackingOptionID).
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub clinicians: BTreeMap<String, String>,
    /// Location id → option.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub locations: BTreeMap<String, String>,
    /// Service/item code → option.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub services: BTreeMap<String, String>,
    /// Stale option policy.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub stale: StalePolicy,
    /// Option used by the `fallback` policy.
    #[serde(default)]
    pub fallback: Option<String>,
    /// A line must get an option for this category.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub required: bool,
}

fn default_sources() -> Vec<TrackingSource> {
    vec![
        TrackingSource::Line,
        TrackingSource::Clinician,
        TrackingSource::Location,
        TrackingSource::Service,
        TrackingSource::Client,
    ]
}

/// Tracking settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct TrackingSettings {
    /// At most 2 categories (Xero's limit per line).
    #[cfg_attr(test, ts(optional = nullable))]
    pub categories: Vec<TrackingCategorySettings>,
    /// Client id → {category → option}: the billing tool's per-client defaults.
    #[cfg_attr(test, ts(optional = nullable))]
    pub clients: BTreeMap<String, BTreeMap<String, String>>,
    /// Option names longer than 50 characters are reported unless this is 100 (Xero's current
    /// documented limit; an older copy of the docs says 50).
    #[cfg_attr(test, ts(optional, type = "50 | 100"))]
    #[serde(deserialize_with = "crate::money::whole::optional")]
    pub option_name_limit: Option<usize>,
}

/// What to do when the host's own total differs from the one Xero will compute (issue 18).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum HostTotalPolicy {
    /// Report the difference (`TOTAL_MISMATCH` warning) and send Xero's arithmetic.
    #[default]
    Report,
    /// Send an explicit `TaxAmount` on taxed lines, 0.01 each at most, so that Xero's total is
    /// the host's (Exclusive documents only: an Inclusive or NoTax total is the sum of the line
    /// amounts, which tax does not change).
    TaxOverride,
    /// Add one line to the rounding account for the difference.
    RoundingLine,
    /// Block the document.
    Error,
}

/// Host totals that must match Xero's. A difference is only ever adjusted within 0.01 per line
/// of the document: more than that is not rounding, and is an error under every policy but
/// `report`.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct HostTotalSettings {
    /// report (default), taxOverride, roundingLine or error.
    #[cfg_attr(test, ts(optional = nullable))]
    pub policy: HostTotalPolicy,
    /// The account code of the rounding line; by default the organisation's account whose
    /// `SystemAccount` is `ROUNDING` (reference §3.2: 860 is only a common code).
    pub rounding_account: Option<Text>,
}

/// The host's Xero settings.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// ACCREC (default) or ACCPAY.
    #[cfg_attr(test, ts(optional = nullable))]
    pub invoice_type: InvoiceKind,
    /// DRAFT (default), SUBMITTED or AUTHORISED.
    #[cfg_attr(test, ts(optional = nullable))]
    pub status: Status,
    /// Exclusive (default), Inclusive, NoTax.
    #[cfg_attr(test, ts(optional = nullable))]
    pub line_amount_types: LineAmountTypes,
    /// Unit amount decimals: 2 (default) or 4.
    #[cfg_attr(test, ts(optional, type = "2 | 4"))]
    #[serde(deserialize_with = "crate::money::whole::optional")]
    pub unitdp: Option<u32>,
    /// Negative invoices become credit notes (default) or stay invoices.
    #[cfg_attr(test, ts(optional = nullable))]
    pub negative_invoices: NegativeInvoices,
    /// Account mapping.
    #[cfg_attr(test, ts(optional = nullable))]
    pub accounts: AccountSettings,
    /// Tax mapping.
    #[cfg_attr(test, ts(optional = nullable))]
    pub taxes: TaxSettings,
    /// Xero items on lines.
    #[cfg_attr(test, ts(optional = nullable))]
    pub items: ItemSettings,
    /// Due date rule.
    #[cfg_attr(test, ts(optional = nullable))]
    pub due_date: DueDateRule,
    /// Number / reference / Url templates.
    #[cfg_attr(test, ts(optional = nullable))]
    pub templates: Templates,
    /// Contact resolution.
    #[cfg_attr(test, ts(optional = nullable))]
    pub contacts: ContactSettings,
    /// Tracking per line.
    #[cfg_attr(test, ts(optional = nullable))]
    pub tracking: TrackingSettings,
    /// BrandingThemeID to set on every document.
    #[serde(rename = "brandingThemeId")]
    pub branding_theme_id: Option<Text>,
    /// Unknown keys on invoices, lines and payers: warnings (default) or errors.
    #[cfg_attr(test, ts(optional = nullable))]
    pub unknown_fields: UnknownFields,
    /// The host's total against Xero's: report, adjust (taxOverride, roundingLine) or block.
    #[cfg_attr(test, ts(optional = nullable))]
    pub host_total: HostTotalSettings,
    /// Keys of the settings the library does not know, found by [`Settings::read`]; the
    /// exporter reports each as an error.
    #[serde(skip)]
    #[cfg_attr(test, ts(skip))]
    pub unknown_keys: Vec<crate::input::unknown::Found>,
}

impl Settings {
    /// Reads settings from JSON text (`null` gives the defaults), recording unknown keys.
    pub fn read(json: &str) -> Result<Settings, serde_json::Error> {
        let root = crate::issues::Path::root("settings");
        let (settings, found) = crate::input::unknown::read_json::<Option<Settings>>(json, &root)?;
        let mut settings = settings.unwrap_or_default();
        settings.unknown_keys = found;
        Ok(settings)
    }

    /// Unit decimals actually used (2 or 4; anything else is reported by the exporter).
    pub fn unitdp(&self) -> u32 {
        match self.unitdp {
            Some(4) => 4,
            _ => 2,
        }
    }
}

impl Settings {
    /// Settings that have no effect with the others, each a `SETTING_UNUSED` warning at its
    /// path (`at`: `settings`): the caller wrote them meaning something, and nothing the caller
    /// writes is silently ignored.
    pub(crate) fn unused(&self, at: &crate::issues::Path) -> Vec<crate::issues::Issue> {
        use crate::issues::{Issue, IssueCode};
        let mut issues = Vec::new();
        let mut said = |path: crate::issues::Path, why: String| {
            issues.push(Issue::warning(IssueCode::SettingUnused, path, why));
        };
        let rounding = self.host_total.policy != HostTotalPolicy::RoundingLine;
        if let (true, Some(code)) = (rounding, &self.host_total.rounding_account) {
            said(at.field("hostTotal").field("roundingAccount"), format!("roundingAccount \"{}\" is not used: only policy \"roundingLine\" adds a rounding line. Set that policy, or remove it.", crate::money::shown(code)));
        }
        let categories = at.field("tracking").field("categories");
        for (i, c) in self.tracking.categories.iter().enumerate() {
            let here = categories.index(i);
            if let (false, Some(f)) = (c.stale == StalePolicy::Fallback, &c.fallback) {
                said(here.field("fallback"), format!("The fallback option \"{}\" is not used: only stale: \"fallback\" uses it. Set that policy, or remove it.", crate::money::shown(f)));
            }
            if c.sources.is_empty() {
                said(here.field("sources"), format!("No source is listed, so category \"{}\" is never set on a line. List its sources (\"line\", \"clinician\", \"location\", \"service\", \"client\"), or remove the category.", crate::money::shown(&c.category)));
            }
        }
        issues
    }
}
