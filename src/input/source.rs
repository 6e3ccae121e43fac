//! The host application's invoices, as it has them.
//!
//! Amounts are [`Num`]: strings or numbers, with bad values kept for reporting (never thrown).
//! Only a value of the wrong type altogether (an object where a quantity belongs) is misuse.
//!
//! ```json
//! {
//!   "id": "appt-1001", "number": "INV-1001", "reference": "Appointment 15 Jan",
//!   "date": "2024-01-15", "dueDate": "2024-02-14", "currency": "NZD",
//!   "payer": {"kind": "patient", "id": "p-17", "name": "Ana Moana", "email": "ana@example.com"},
//!   "clientId": "client-7", "total": "87.74",
//!   "lines": [{"description": "Consultation", "quantity": 1, "unitAmount": "25.06",
//!              "taxCode": "GST", "serviceCode": "CONSULT", "clinicianId": "dr-1", "locationId": "north",
//!              "tracking": {"Region": "North"}}]
//! }
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::money::{round_half_away, Num};
use crate::Text;

/// The trimmed text of an optional field, `None` when absent or blank (hosts send `""` and
/// `"  "` for "not set" as often as they omit the field).
pub fn non_empty<S: std::ops::Deref<Target = str>>(s: &Option<S>) -> Option<&str> {
    s.as_deref().map(trim).filter(|s| !s.is_empty())
}

/// `str::trim`, with the common case first: text that starts and ends with a visible ASCII
/// character (no whitespace, ASCII or Unicode, can be there) is returned as it is without
/// the Unicode whitespace search. Runs for most fields of every line.
pub fn trim(s: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| (0x21..0x7f).contains(b));
    if visible(s.as_bytes().first()) && visible(s.as_bytes().last()) {
        s
    } else {
        s.trim()
    }
}

/// [`non_empty`] as owned text: the field itself (an O(1) clone) when it needs no trimming.
pub fn non_empty_text(s: &Option<Text>) -> Option<Text> {
    let trimmed = non_empty(s)?;
    match s {
        Some(full) if full.len() == trimmed.len() => Some(full.clone()),
        _ => Some(Text::new(trimmed)),
    }
}

/// An optional text field read from the host's JSON: [`Text::new_inline`] for text that fits
/// inline (nearly every id, code and name), which copies it straight in, where `SmolStr`'s
/// own reading goes through `SmolStr::new` (a call that also checks for runs of whitespace it
/// could share) and moves the result out again (callgrind, bench workload, 30 texts an
/// invoice: ~0.5k instructions an invoice less).
fn opt_text<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<Text>, D::Error> {
    Ok(Option::<InlineText>::deserialize(de)?.map(|t| t.0))
}

/// A [`Text`] read as `SmolStr` reads itself (a string, the same words when it is not one),
/// built by [`text_of`].
struct InlineText(Text);

impl<'de> Deserialize<'de> for InlineText {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        de.deserialize_str(InlineTextVisitor)
    }
}

/// `SmolStr`'s visitor, with [`text_of`].
struct InlineTextVisitor;

impl serde::de::Visitor<'_> for InlineTextVisitor {
    type Value = InlineText;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<InlineText, E> {
        Ok(InlineText(text_of(v)))
    }

    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<InlineText, E> {
        match std::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
        }
    }
}

/// `Text::new(text)`, the same text and the same representation (inline up to
/// `Text::INLINE_CAP` bytes), with the inline case copied in directly.
fn text_of(text: &str) -> Text {
    if text.len() <= Text::INLINE_CAP {
        Text::new_inline(text)
    } else {
        Text::new(text)
    }
}

/// Who pays: resolved to a Xero contact.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Payer {
    /// patient, nextOfKin, thirdParty (insurer), client, company, member.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub kind: Option<Text>,
    /// The host's id for this payer.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<Text>,
    /// Display name (or built from first/last name).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<Text>,
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub first_name: Option<Text>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub last_name: Option<Text>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub email: Option<Text>,
    /// ContactNumber in Xero ("Contact Code").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub contact_number: Option<Text>,
    /// AccountNumber in Xero.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub account_number: Option<Text>,
    /// Postal or street address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub address: Option<Address>,
    /// Phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub phone: Option<Phone>,
    /// Tax number (GST / VAT / ABN): TaxNumber on a contact created for this payer, and what
    /// a people sync (`plan({people})`) keeps up to date.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub tax_number: Option<Text>,
    /// Default payment terms of the contact (Xero's PaymentTerms): sent when a contact is
    /// created for this payer, kept up to date by a people sync.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub payment_terms: Option<PayerTerms>,
    /// A Xero ContactID already linked to this payer.
    #[serde(rename = "contactId", alias = "contactID")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub contact_id: Option<Text>,
}

/// An address (Xero's STREET or POBOX).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct Address {
    /// STREET (default) or POBOX.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    /// Address lines 1-4.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    pub lines: Vec<Text>,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<Text>,
    /// Region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
    /// Postal code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<Text>,
    /// Country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<Text>,
    /// Attention to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention_to: Option<Text>,
}

/// A contact's default payment terms: for sales invoices and for bills.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct PayerTerms {
    /// Terms of the sales invoices (ACCREC) to this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sales: Option<PayerTerm>,
    /// Terms of the bills (ACCPAY) from this contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bills: Option<PayerTerm>,
}

/// One payment term: `{day: 20, type: "OFFOLLOWINGMONTH"}`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct PayerTerm {
    /// The day (of the month for OFCURRENTMONTH / OFFOLLOWINGMONTH, else a number of days).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "crate::money::whole::optional")]
    pub day: Option<u32>,
    /// DAYSAFTERBILLDATE, DAYSAFTERBILLMONTH, OFCURRENTMONTH or OFFOLLOWINGMONTH.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
}

/// A phone (Xero's DEFAULT, DDI, MOBILE or FAX).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct Phone {
    /// DEFAULT (default), DDI, MOBILE, FAX.
    #[serde(rename = "type")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Text>,
    /// Number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<Text>,
    /// Area code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_code: Option<Text>,
    /// Country code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<Text>,
}

/// One line of a source invoice.
// `#[serde(default)]` field by field here, on `Payer` and on `SourceInvoice`, not on the
// container: the container's builds a whole default value for every struct read and drops what
// is not taken from it (callgrind, bench input: 1,624 instructions an invoice, 5 % of reading it).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SourceLine {
    /// Description (Xero: 1-4000 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub description: Option<Text>,
    /// Quantity (≤ 4 dp).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub quantity: Option<Num>,
    /// Unit price (≤ unitdp).
    #[serde(alias = "unitPrice")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub unit_amount: Option<Num>,
    /// Percentage discount.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub discount_rate: Option<Num>,
    /// Fixed discount amount.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub discount_amount: Option<Num>,
    /// Host tax code (mapped by settings.taxes).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub tax_code: Option<Text>,
    /// Xero account code, overriding the mappings.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub account_code: Option<Text>,
    /// Host service code: mapped to an account by `settings.accounts.byService`, and sent as
    /// Xero's ItemCode only when `settings.items.fromServiceCode` says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub service_code: Option<Text>,
    /// Xero item code to send as the line's ItemCode: an explicit choice, because Xero moves
    /// stock for a tracked inventory item. Must be one of the organisation's items.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub item_code: Option<Text>,
    /// Clinician (a tracking source).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub clinician_id: Option<Text>,
    /// Location (a tracking source).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub location_id: Option<Text>,
    /// Per-line tracking overrides: category (name or ID) → option (name or ID).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    #[serde(default)]
    pub tracking: BTreeMap<String, String>,
    /// LineItemID when updating an exported invoice.
    #[serde(rename = "lineItemId")]
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub line_item_id: Option<Text>,
}

/// The invoice as it stands in Xero, for updates.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct XeroState {
    /// InvoiceID (or CreditNoteID) in Xero.
    #[serde(rename = "id", alias = "invoiceId")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// Its current status (DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Text>,
    /// Amount paid so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_paid: Option<Num>,
    /// Amount credited so far (credit notes, overpayments, prepayments allocated to it): a
    /// document paid with credit cannot change its contact either (reference §2.6).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_credited: Option<Num>,
    /// The document as Xero holds it: the `Invoices[0]` (or `CreditNotes[0]`) element of
    /// `GET /Invoices/{id}` as Xero returns it (PascalCase), or xero-node's model object
    /// (camelCase). With it an update is compared with what Xero has: unchanged documents are
    /// not sent, and on a paid document each changed field Xero refuses is reported. (`object`:
    /// xero-node's models are classes, which `Record<string, unknown>` would refuse.)
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(type = "object", optional))]
    pub document: Option<serde_json::Value>,
}

/// A source invoice.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct SourceInvoice {
    /// The host's id (stable: idempotency keys and outcomes refer to it).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub id: Option<Text>,
    /// The host's invoice number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub number: Option<Text>,
    /// The host's reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub reference: Option<Text>,
    /// Invoice date `YYYY-MM-DD` (required: the library reads no clock).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub date: Option<Text>,
    /// Due date `YYYY-MM-DD`, overriding the settings' rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub due_date: Option<Text>,
    /// ISO currency code (default: the organisation's base currency).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub currency: Option<Text>,
    /// Who pays.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub payer: Option<Payer>,
    /// Client id (a tracking source).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub client_id: Option<Text>,
    /// The host's own total, compared with Xero's.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub total: Option<Num>,
    /// For a negative invoice: the number of the invoice it corrects (credit note reference and
    /// allocation target).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "opt_text")]
    pub credits_invoice_number: Option<Text>,
    /// Extra fields for templates (`{fields.x}` is not needed: any key here is `{x}`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(test, ts(optional = nullable))]
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Set when the invoice was already exported (updates go by POST).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default)]
    pub xero: Option<XeroState>,
    /// Lines.
    #[serde(deserialize_with = "read_lines")]
    #[serde(default)]
    pub lines: Vec<SourceLine>,
    /// Keys of this invoice (its lines and payer too) the library does not know, found when it
    /// was read with [`SourceInvoice::read`]; reported by the preview.
    #[serde(skip)]
    #[cfg_attr(test, ts(skip))]
    pub unknown_keys: Vec<crate::input::unknown::Found>,
}

/// Room for this many lines is made when an invoice's lines start: most invoices have a few,
/// and growing a `Vec` of 344-byte lines from 4 to 8 copies every line read so far.
const LINES_RESERVED: usize = 8;

/// `Vec<SourceLine>`'s own reading (the same visitor words and errors), with [`LINES_RESERVED`]
/// lines of room from the start and the room not used given back at the end (a batch read
/// whole keeps its invoices).
fn read_lines<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<SourceLine>, D::Error> {
    struct Lines;
    impl<'de> serde::de::Visitor<'de> for Lines {
        type Value = Vec<SourceLine>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut lines = Vec::with_capacity(LINES_RESERVED);
            while seq.next_element_seed(Push(&mut lines))?.is_some() {}
            lines.shrink_to_fit();
            Ok(lines)
        }
    }
    de.deserialize_seq(Lines)
}

/// Reads one line straight onto the end of the lines: handed back out through every layer
/// of the read (the watch's, serde_json's, the `Option` of `next_element`), a 344-byte line
/// was copied at each.
struct Push<'a>(&'a mut Vec<SourceLine>);

impl<'de> serde::de::DeserializeSeed<'de> for Push<'_> {
    type Value = ();

    /// The line is asked for as the derived reading asks (`deserialize_struct`, its name and
    /// fields), and the derived reading then runs on the map (or array) inside, so the line
    /// is pushed from there: serde_json's `deserialize_struct` hands its visitor's value back
    /// through three matches, each a copy of the 344-byte line (callgrind, bench workload:
    /// bodies 67.92k → 66.61k instr/invoice).
    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_struct("SourceLine", LINE_FIELDS, PushLine(self.0))
    }
}

/// The field names `SourceLine`'s derived reading names (its aliases too, in its order): what
/// the unknown-key watch suggests a misspelt key's name from. Public only for the test that
/// holds it to the derive's own list (tests/hostile.rs).
#[doc(hidden)]
pub const LINE_FIELDS: &[&str] = &[
    "description",
    "quantity",
    "unitAmount",
    "unitPrice",
    "discountRate",
    "discountAmount",
    "taxCode",
    "accountCode",
    "serviceCode",
    "itemCode",
    "clinicianId",
    "locationId",
    "tracking",
    "lineItemId",
];

/// [`Push`]'s visitor: the derived reading of the line over what the deserializer found, the
/// same words when it is neither a map nor an array.
struct PushLine<'a>(&'a mut Vec<SourceLine>);

impl<'de> serde::de::Visitor<'de> for PushLine<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("struct SourceLine")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let de = serde::de::value::MapAccessDeserializer::new(map);
        self.0.push(SourceLine::deserialize(de)?);
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let de = serde::de::value::SeqAccessDeserializer::new(seq);
        self.0.push(SourceLine::deserialize(de)?);
        Ok(())
    }
}

/// One time entry of a time tracker.
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct TimeEntry {
    /// Member (person) id or name.
    pub member: Option<Text>,
    /// Date worked.
    pub date: Option<Text>,
    /// Hours worked.
    pub hours: Option<Num>,
    /// Hourly rate.
    pub rate: Option<Num>,
    /// Project.
    pub project: Option<Text>,
}

/// How time entries become lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum GroupBy {
    /// One line per project and rate.
    #[default]
    Project,
    /// One line per member and rate.
    Member,
}

/// Input of [`timesheet_invoice`].
#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(default, rename_all = "camelCase")]
pub struct TimesheetInput {
    /// Source invoice id.
    pub id: Option<Text>,
    /// Number (for a bill: the member's invoice number, shown as Reference in Xero).
    pub number: Option<Text>,
    /// Invoice date.
    pub date: Option<Text>,
    /// Due date, if fixed (else the settings' rule, e.g. days after).
    pub due_date: Option<Text>,
    /// Currency.
    pub currency: Option<Text>,
    /// Who is paid (for bills: the member, as a supplier contact).
    pub payer: Option<Payer>,
    /// Grouping.
    #[cfg_attr(test, ts(optional = nullable))]
    pub group_by: GroupBy,
    /// Account code for every line.
    pub account_code: Option<Text>,
    /// Host tax code for every line.
    pub tax_code: Option<Text>,
    /// The entries.
    #[cfg_attr(test, ts(optional = nullable))]
    pub entries: Vec<TimeEntry>,
}

/// Turns time entries into a source invoice: one line per group (project or member) and rate,
/// hours summed and rounded to 2 dp (half away from zero), unit amount = the rate.
///
/// Entries with invalid hours or rate keep their raw values on a line of their own, so the
/// preview reports them with a path instead of this helper guessing. Lines come out sorted by
/// group then rate: the same entries always give the same invoice.
pub fn timesheet_invoice(input: &TimesheetInput) -> SourceInvoice {
    let mut groups: BTreeMap<(Text, String), (Decimal, Decimal, Vec<Text>)> = BTreeMap::new();
    let mut invalid = Vec::new();
    for entry in &input.entries {
        let group = match input.group_by {
            GroupBy::Project => entry.project.clone(),
            GroupBy::Member => entry.member.clone(),
        }
        .unwrap_or_else(|| Text::new_static("(none)"));
        let own_line = || SourceLine {
            description: Some(Text::from(format!(
                "{group}: time entry {}",
                entry.date.as_deref().unwrap_or("")
            ))),
            // Absent hours are kept as empty text, which the preview reports as an invalid
            // quantity at this line: left absent, the line would be read as quantity 1 (the
            // rule for a priced line without one) and bill an hour nobody recorded.
            quantity: Some(entry.hours.clone().unwrap_or_else(|| {
                Num::Invalid(crate::money::NumError::NotANumber(String::new()))
            })),
            unit_amount: entry.rate.clone(),
            account_code: input.account_code.clone(),
            tax_code: input.tax_code.clone(),
            ..SourceLine::default()
        };
        let (Some(hours), Some(rate)) = (
            entry.hours.as_ref().and_then(Num::value),
            entry.rate.as_ref().and_then(Num::value),
        ) else {
            invalid.push(own_line());
            continue;
        };
        let slot = groups
            .entry((group.clone(), rate.normalize().to_string()))
            .or_insert((Decimal::ZERO, rate, Vec::new()));
        // Hours beyond Decimal's range cannot be summed: such an entry keeps a line of its
        // own, whose quantity the preview reports as out of Xero's range.
        let Some(sum) = slot.0.checked_add(hours) else {
            invalid.push(own_line());
            continue;
        };
        slot.0 = sum;
        let who = match input.group_by {
            GroupBy::Project => entry.member.clone(),
            GroupBy::Member => entry.project.clone(),
        };
        if let Some(w) = who {
            if !slot.2.contains(&w) {
                slot.2.push(w);
            }
        }
    }
    let mut lines: Vec<SourceLine> = groups
        .into_iter()
        .map(|((group, _), (hours, rate, mut who))| {
            let hours = round_half_away(hours, 2);
            who.sort();
            let summary = format!(": {} h at {}", crate::money::fixed(hours, 2), rate);
            let detail = who_detail(&group, &who, &summary);
            SourceLine {
                description: Some(Text::from(format!("{group}{detail}{summary}"))),
                quantity: Some(Num::Value(hours)),
                unit_amount: Some(Num::Value(rate)),
                account_code: input.account_code.clone(),
                tax_code: input.tax_code.clone(),
                ..SourceLine::default()
            }
        })
        .collect();
    lines.extend(invalid);
    SourceInvoice {
        id: input.id.clone(),
        number: input.number.clone(),
        date: input.date.clone(),
        due_date: input.due_date.clone(),
        currency: input.currency.clone(),
        payer: input.payer.clone(),
        lines,
        ..SourceInvoice::default()
    }
}

/// Xero's limit on a line's Description, in characters (reference §2.4).
const DESCRIPTION_CHARS: usize = 4000;

/// ` (a, b, c)`: who worked on a timesheet line (members, or projects when grouped by
/// member), as many as keep the description (`group`, this, `summary`) within Xero's limit,
/// then `and N more`. The list is the helper's own text, not the caller's: written in full
/// (a hundred members named by their ids) it made the preview block a bill whose entries
/// were all valid.
fn who_detail(group: &str, who: &[Text], summary: &str) -> String {
    if who.is_empty() {
        return String::new();
    }
    let full = format!(" ({})", who.join(", "));
    let room = DESCRIPTION_CHARS.saturating_sub(group.chars().count() + summary.chars().count());
    if full.chars().count() <= room {
        return full;
    }
    // Room kept for the longest ending, `, and N more)` with N all of them.
    let ending = format!(", and {} more)", who.len()).len();
    let mut out = String::from(" (");
    let mut used = out.len();
    let mut shown = 0;
    for w in who {
        let separator = if shown == 0 { 0 } else { 2 };
        let next = used + separator + w.chars().count();
        if next + ending > room {
            break;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        out.push_str(w);
        used = next;
        shown += 1;
    }
    let rest = who.len().saturating_sub(shown);
    if shown == 0 {
        out.push_str(&format!("{rest} more)"));
    } else {
        out.push_str(&format!(", and {rest} more)"));
    }
    out
}

impl SourceInvoice {
    /// Reads the invoice at `invoices[index]`, recording the keys it does not know.
    pub fn read<'de, D: serde::Deserializer<'de>>(de: D, index: usize) -> Result<Self, D::Error> {
        let log = crate::input::unknown::Log::default();
        let root = crate::issues::Path::root("invoices");
        let mut inv: SourceInvoice = crate::input::unknown::read_element(de, &root, index, &log)
            .map_err(|e| misfit(e, &root.index(index), &log))?;
        inv.unknown_keys = log.into_found();
        Ok(inv)
    }
}

/// A value of the wrong type, said at its path in the caller's terms (`invoices[3].lines[0]
/// .quantity`), not at a line and column of JSON text the caller never wrote.
fn misfit<E: serde::de::Error>(
    e: E,
    root: &crate::issues::Path,
    log: &crate::input::unknown::Log,
) -> E {
    let at = log.misfit().unwrap_or_else(|| root.clone());
    E::custom(format_args!(
        "`{}`: {}",
        at.as_str(),
        without_position(&e.to_string())
    ))
}

/// serde_json's message without its " at line L column C" (the position in text the caller
/// did not write; the path says where), and without the Rust type names serde's derived
/// structs give (`expected struct SourceInvoice`: the caller wrote an object).
pub fn without_position(message: &str) -> std::borrow::Cow<'_, str> {
    let message = match message.rfind(" at line ") {
        Some(i) if message.get(i..).is_some_and(|t| t.contains(" column ")) => {
            message.get(..i).unwrap_or(message)
        }
        _ => message,
    };
    crate::error::in_callers_terms(message)
}

/// Reads `invoices[index]` with [`SourceInvoice::read`], as an element of a sequence.
pub struct InvoiceSeed {
    /// Its position in the batch.
    pub index: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for InvoiceSeed {
    type Value = SourceInvoice;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<SourceInvoice, D::Error> {
        SourceInvoice::read(de, self.index)
    }
}

/// Reads a JSON array of invoices, each with [`SourceInvoice::read`].
pub fn read_invoices(json: &str) -> Result<Vec<SourceInvoice>, serde_json::Error> {
    struct All;
    impl<'de> serde::de::Visitor<'de> for All {
        type Value = Vec<SourceInvoice>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(inv) = seq.next_element_seed(InvoiceSeed { index: out.len() })? {
                out.push(inv);
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let out = serde::Deserializer::deserialize_seq(&mut de, All)?;
    de.end()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`text_of`] makes what `Text::new` makes (the same representation, inline up to the
    /// cap and not beyond, whitespace runs included), and a text field refuses what `SmolStr`
    /// refuses, in the same words.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn text_of_is_text_new() {
        let mut cases: Vec<String> = (0..=40)
            .map(|n| "é".repeat(n / 2) + &"x".repeat(n % 2))
            .collect();
        cases.extend((0..=40).map(|n| "a".repeat(n)));
        cases.extend((0..=40).map(|n| "\n".repeat(n / 3) + &" ".repeat(n)));
        for c in &cases {
            let (fast, slow) = (text_of(c), Text::new(c));
            assert_eq!(fast, slow, "{c:?}");
            assert_eq!(fast.is_heap_allocated(), slow.is_heap_allocated(), "{c:?}");
        }
        for json in ["1", "true", "[]", "{}", "\"\\ud800\"", "null"] {
            let ours = serde_json::from_str::<InlineText>(json)
                .err()
                .map(|e| e.to_string());
            let theirs = serde_json::from_str::<Text>(json)
                .err()
                .map(|e| e.to_string());
            assert_eq!(ours, theirs, "{json}");
        }
        let value = serde_json::json!("Ana Moana");
        assert_eq!(InlineText::deserialize(&value).unwrap().0, "Ana Moana");
    }

    /// [`Push`] reads what the derive reads, in the same words when it cannot (that it asks
    /// with the derive's name and fields is checked in tests/hostile.rs, which may name the
    /// float methods a probing deserializer must have).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn push_reads_a_line_as_the_derive_does() {
        for json in [
            r#"{"description": "Consultation", "quantity": 1, "unitPrice": "25.06", "tracking": {"Region": "North"}}"#,
            r#"["Consultation", 2]"#,
            r#"{"quantity": 1, "quantity": 2}"#,
            r#"{"quantity": true}"#,
            "true",
            "null",
            "[]",
            r#""line""#,
        ] {
            let lines = format!("[{json}, {json}]");
            let derived = serde_json::from_str::<Vec<SourceLine>>(&lines).map(|l| format!("{l:?}"));
            let mut de = serde_json::Deserializer::from_str(&lines);
            let pushed = read_lines(&mut de).map(|l| format!("{l:?}"));
            assert_eq!(
                pushed.map_err(|e| e.to_string()),
                derived.map_err(|e| e.to_string()),
                "{json}"
            );
        }
    }

    /// The fast path of [`trim`] agrees with `str::trim` on every ASCII edge and on Unicode
    /// whitespace (which it leaves to `str::trim`).
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn trim_is_str_trim() {
        let edges: Vec<String> = (0u8..0x80)
            .map(|b| char::from(b).to_string())
            .chain(["\u{a0}", "\u{85}", "\u{2003}", "\u{3000}", "é", ""].map(String::from))
            .collect();
        for a in &edges {
            assert_eq!(trim(a), a.trim(), "{a:?}");
            for b in &edges {
                let s = format!("{a}x y{b}");
                assert_eq!(trim(&s), s.trim(), "{s:?}");
            }
        }
    }
}
