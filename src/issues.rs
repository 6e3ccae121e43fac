//! Expected problems, returned as data.
//!
//! Every feature reports what is wrong with its input as a list of [`Issue`]s rather than failing
//! on the first one: a user fixing an export wants every problem at once. The [`IssueCode`] is
//! stable API (hosts switch on it); the message is for people and says what to do.

use serde::Serialize;
use smol_str::SmolStr;

/// How bad an issue is: errors block the document they belong to, warnings never block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The document (or CSV row) it belongs to will not be sent.
    Error,
    /// Worth showing; the document is still sent.
    Warning,
}

/// The stable machine-readable code of an issue, serialised as SCREAMING_SNAKE_CASE.
///
/// New codes may be added in minor releases, so hosts should keep a default branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS, serde::Deserialize))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum IssueCode {
    // --- numbers and money ---
    /// A number is NaN or ±Infinity.
    NumberNotFinite,
    /// A string that should hold a number does not (e.g. "1,000" or "abc").
    NumberInvalid,
    /// A number has more decimal places than Xero accepts for that field.
    TooManyDecimals,
    /// A number is outside the range Xero accepts for that field.
    NumberOutOfRange,
    /// A required value is missing.
    Missing,
    /// A settings key this library does not know (a typo would silently change the export).
    SettingUnknown,
    /// A setting the library knows that has no effect with the others (a `fallback` under a
    /// stale policy that is not "fallback"): a warning, said rather than ignored.
    SettingUnused,
    /// A field of an invoice, line or payer this library does not know (a warning by default:
    /// hosts pass their own objects; `settings.unknownFields: "error"` makes it an error).
    FieldUnknown,
    /// A field the caller wrote that this document does not carry to Xero (a bill's
    /// reference, a line's tax code under NoTax): said rather than dropped without a word.
    FieldNotSent,
    /// A line's `itemCode` is not one of the organisation's Xero items.
    ItemNotFound,
    /// The same source invoice id appears twice in one batch: the second would be sent twice.
    SourceIdDuplicate,
    /// Text holds characters Xero would show to people but no one can see or trust: control
    /// characters, NUL, bidirectional overrides (which can disguise a name), lone surrogates.
    TextInvalid,
    // --- dates ---
    /// A date is not a calendar date `YYYY-MM-DD`.
    DateInvalid,
    /// The due date is before the invoice date.
    DueDateBeforeDate,
    /// SUBMITTED/AUTHORISED documents need a due date and none could be derived.
    DueDateMissing,
    /// The document date is on or before one of the organisation's lock dates: Xero saves it
    /// as DRAFT or SUBMITTED but will not approve it.
    DateLocked,
    /// A date was given with a time of day in UTC (`2026-11-03T11:00:00.000Z`, what
    /// `toISOString()` gives for midnight east of Greenwich): it is read as the date written,
    /// which may be a day off the organisation's. A warning.
    DateFromUtcTime,
    // --- text fields ---
    /// A text field is longer than Xero's limit.
    TooLong,
    /// A field holds characters Xero does not accept there (e.g. non-ASCII invoice number).
    InvalidCharacters,
    /// A template refers to a field the source invoice does not have.
    TemplateFieldUnknown,
    // --- snapshot ---
    /// A part of the Xero reference snapshot is missing or malformed.
    SnapshotInvalid,
    // --- settings ---
    /// A settings value is not usable.
    SettingsInvalid,
    // --- documents ---
    /// The invoice has no line items.
    EmptyInvoice,
    /// A line has neither a quantity/amount nor a description.
    LineEmpty,
    /// A line amount exceeds Xero's cap of 9,999,999,999.99.
    LineAmountTooLarge,
    /// Discounts are not supported by Xero on this document type; the net amount is sent.
    DiscountNotSupported,
    /// A discount is out of range (rate above 100 %, amount above the line total).
    DiscountInvalid,
    /// The invoice total is negative and the settings keep negative invoices as invoices.
    NegativeTotal,
    /// The document's total is zero: nothing is owed, and how Xero takes a zero-total
    /// document is not documented. A warning.
    ZeroTotal,
    /// The document became a credit note because its total is negative.
    ConvertedToCreditNote,
    /// The host's own total differs from the total Xero will compute.
    TotalMismatch,
    // --- accounts ---
    /// No account could be determined for a line (no mapping, no default).
    AccountMissing,
    /// The account code is not in the organisation's chart of accounts.
    AccountUnknown,
    /// The account is archived or deleted in Xero.
    AccountArchived,
    /// The account's class does not fit the document (e.g. an expense account on a sales line).
    AccountClassMismatch,
    // --- tax ---
    /// No tax type could be determined for a line.
    TaxTypeMissing,
    /// The tax type is not in the organisation's tax rates.
    TaxTypeUnknown,
    /// The tax rate is archived, deleted or pending in Xero.
    TaxTypeInactive,
    /// The tax rate cannot be used with the line's account class.
    TaxTypeNotAllowed,
    /// A host tax code has no mapping to a Xero tax type.
    TaxCodeUnmapped,
    // --- currency ---
    /// The currency is not enabled for the organisation.
    CurrencyNotEnabled,
    /// A currency without decimals (JPY, KRW, ...) gets totals with a fraction.
    CurrencyNoDecimals,
    // --- contacts ---
    /// The payer could not be matched to a Xero contact and the settings do not create one.
    ContactNotFound,
    /// More than one Xero contact matches the payer by the same rule.
    ContactAmbiguous,
    /// The matched contact is archived (or under a GDPR request) in Xero.
    ContactArchived,
    /// A contact will be created in Xero before the invoice.
    ContactWillBeCreated,
    /// The name (or contact number) of a contact to create is taken by another contact.
    ContactNameTaken,
    /// A contact to create nearly has the name of an existing Xero contact (differs only in
    /// accents, punctuation, spacing or a company suffix): likely a duplicate to be merged by
    /// hand later. A warning; the contact is still created unless the payer is linked.
    ContactNearMiss,
    /// A settings mapping still resolves (it names the account by code, or the contact, tax
    /// rate, category or option by ID) but its display name changed in Xero: a warning for the
    /// configuration screen (`staleMappings`).
    MappingNameChanged,
    /// An email address is not valid.
    EmailInvalid,
    /// A payer is missing from the invoice.
    PayerMissing,
    // --- tracking ---
    /// The tracking category is not in the snapshot.
    TrackingCategoryUnknown,
    /// The tracking category is archived or deleted.
    TrackingCategoryInactive,
    /// The tracking option is not in its category.
    TrackingOptionUnknown,
    /// The tracking option is archived.
    TrackingOptionArchived,
    /// The tracking option is deleted.
    TrackingOptionDeleted,
    /// A required tracking category got no option from any source.
    TrackingRequired,
    /// A fallback option replaced a stale one.
    TrackingFallbackUsed,
    /// More than 2 tracking entries on a line, or the same category twice.
    TrackingTooMany,
    /// The organisation has more tracking categories than Xero allows.
    TrackingCategoryLimit,
    /// Xero's response lacks tracking that was sent: Xero dropped it silently.
    TrackingDroppedByXero,
    // --- status ---
    /// Xero will not approve this document as it stands.
    ApprovalRefused,
    // --- CSV ---
    /// A required CSV column is missing from the header.
    CsvColumnMissing,
    /// A CSV row could not be read (wrong number of fields, bad encoding...).
    CsvRowMalformed,
    /// The same client key appears on more than one row.
    CsvDuplicateKey,
    /// A CSV row has no client key.
    CsvKeyMissing,
    /// A required CSV column appears more than once in the header (which one counts is unclear).
    CsvColumnDuplicate,
    // --- sending ---
    /// Xero rejected the document (its messages are in the issue).
    XeroValidationError,
    /// Xero accepted the document with a warning.
    XeroWarning,
    /// The totals Xero returned differ from the preview.
    XeroTotalsDiffer,
    /// Authentication or permission problem: stop and reconnect.
    AuthFailed,
    /// Rate limit hit: retry later.
    RateLimited,
    /// Xero's answer was lost or failed: the document may or may not exist.
    OutcomeUncertain,
    /// The document cannot be changed in Xero in its current state.
    UpdateNotAllowed,
    /// An update of a paid document without `xero.document`: which fields change cannot be
    /// known, and Xero refuses most changes to a paid document; pass the document as Xero
    /// holds it.
    UpdateDocumentNeeded,
    /// `xero.document` is not the document as Xero returns it, or is another document.
    XeroDocumentInvalid,
    /// A line's `lineItemId` is not one of the document's lines in Xero.
    LineItemUnknown,
    /// A line Xero holds is not in the update: Xero would delete it.
    LineWillBeDeleted,
    /// Xero already has a document with this number ("Invoice # must be unique.").
    DuplicateNumber,
    /// The document alone is larger than the request size limit.
    RequestTooLarge,
    /// A credit note was not allocated to its invoice (not approved, invoice paid or not found).
    AllocationSkipped,
    /// Xero refused the allocation of a credit note to its invoice.
    AllocationFailed,
    // --- status sync ---
    /// A `xero.id` of an exported document is not a Xero id (a UUID).
    XeroIdInvalid,
    /// A document could not be read back from Xero (no usable answer, or Xero refused the GET).
    SyncReadFailed,
    /// More than one Xero document has the number the host synced by.
    SyncAmbiguous,
    // --- voiding, deleting and payments (`plan({cancels, payments})`) ---
    /// A key of the work object, a cancel or a payment this library does not know (an error:
    /// a misspelt amount or status must not be guessed).
    WorkFieldUnknown,
    /// The document cannot be voided or deleted while payments, credit notes or allocations
    /// are applied to it (or it is PAID): remove them in Xero first.
    CancelHasPayments,
    /// The document's status in Xero is missing or not one Xero documents.
    CancelStatusInvalid,
    /// The same document is cancelled twice, or cancelled and created/updated in one plan.
    CancelConflict,
    /// The document a payment is for is not identified, not in this plan, or was not exported.
    PaymentTargetUnknown,
    /// The document paid is not AUTHORISED (Xero records payments on approved documents only).
    PaymentTargetNotAuthorised,
    /// A payment amount that is zero or negative.
    PaymentAmountInvalid,
    /// The payments exceed what is due on the document (Xero: "Payment amount exceeds the
    /// amount outstanding on this document").
    PaymentExceedsDue,
    /// The account cannot take payments: not a BANK account and not enabled for payments.
    PaymentAccountNotAllowed,
    /// A payment on a document in a foreign currency without its `currencyRate`.
    PaymentRateMissing,
    /// The same payment id twice in one plan (its idempotency key would be shared).
    PaymentIdDuplicate,
    // --- fidelity (issue 18) ---
    /// A line's amount rounds to 0.00 (e.g. `2 × 0.001`): Xero refuses it with a misleading
    /// "Account must be valid." or "Tax rate must be valid."; the run maps those to this code.
    LineAmountRoundsToZero,
    /// The settings' `hostTotal` policy adjusted the document so that Xero's total would be
    /// the host's, and Xero's returned total is not.
    HostTotalNotMet,
    // --- people and contacts (issue 19) ---
    /// A Xero contact could be several of the host's people, or several contacts claim one
    /// person (`importContacts`): it is not linked; set the right person's contactId.
    ContactImportAmbiguous,
    /// A line's item code is not in Xero and `settings.items.create` is `missing`: the run
    /// creates the item (PUT /Items) before this document.
    ItemWillBeCreated,
    /// Xero refused to create an item a line uses (or it could not be had): the documents
    /// that use it are not sent.
    ItemNotCreated,
    /// A Xero contact without a ContactID (`importContacts`): it cannot be linked, so it is
    /// not imported.
    ContactImportNoId,
    /// Two people of one `plan({people})` are the same Xero contact, or have the same host key
    /// (`kind:id`): the later one is not sent (two updates of one contact would race).
    PersonDuplicate,
}

impl IssueCode {
    /// The code as it appears in JSON (`"TRACKING_OPTION_ARCHIVED"`).
    pub fn as_str(self) -> String {
        self.name().to_owned()
    }

    /// [`IssueCode::as_str`] without a copy. Spelt out rather than read off the derived
    /// `Serialize` (through a `serde_json::Value`, with `Debug` as the fallback, as before):
    /// that put serde_json's `Value` serializer and every variant's Rust name into the
    /// CSV-only `.wasm`. `every_name_is_the_derived_serializers` checks each one against the
    /// derive.
    // A table, one arm per code (the compiler checks that none is missing), not logic that
    // should fit on a screen.
    #[allow(clippy::too_many_lines)]
    pub fn name(self) -> &'static str {
        match self {
            IssueCode::NumberNotFinite => "NUMBER_NOT_FINITE",
            IssueCode::NumberInvalid => "NUMBER_INVALID",
            IssueCode::TooManyDecimals => "TOO_MANY_DECIMALS",
            IssueCode::NumberOutOfRange => "NUMBER_OUT_OF_RANGE",
            IssueCode::Missing => "MISSING",
            IssueCode::SettingUnknown => "SETTING_UNKNOWN",
            IssueCode::SettingUnused => "SETTING_UNUSED",
            IssueCode::FieldUnknown => "FIELD_UNKNOWN",
            IssueCode::FieldNotSent => "FIELD_NOT_SENT",
            IssueCode::ItemNotFound => "ITEM_NOT_FOUND",
            IssueCode::SourceIdDuplicate => "SOURCE_ID_DUPLICATE",
            IssueCode::TextInvalid => "TEXT_INVALID",
            IssueCode::DateInvalid => "DATE_INVALID",
            IssueCode::DueDateBeforeDate => "DUE_DATE_BEFORE_DATE",
            IssueCode::DueDateMissing => "DUE_DATE_MISSING",
            IssueCode::DateLocked => "DATE_LOCKED",
            IssueCode::DateFromUtcTime => "DATE_FROM_UTC_TIME",
            IssueCode::TooLong => "TOO_LONG",
            IssueCode::InvalidCharacters => "INVALID_CHARACTERS",
            IssueCode::TemplateFieldUnknown => "TEMPLATE_FIELD_UNKNOWN",
            IssueCode::SnapshotInvalid => "SNAPSHOT_INVALID",
            IssueCode::SettingsInvalid => "SETTINGS_INVALID",
            IssueCode::EmptyInvoice => "EMPTY_INVOICE",
            IssueCode::LineEmpty => "LINE_EMPTY",
            IssueCode::LineAmountTooLarge => "LINE_AMOUNT_TOO_LARGE",
            IssueCode::DiscountNotSupported => "DISCOUNT_NOT_SUPPORTED",
            IssueCode::DiscountInvalid => "DISCOUNT_INVALID",
            IssueCode::NegativeTotal => "NEGATIVE_TOTAL",
            IssueCode::ZeroTotal => "ZERO_TOTAL",
            IssueCode::ConvertedToCreditNote => "CONVERTED_TO_CREDIT_NOTE",
            IssueCode::TotalMismatch => "TOTAL_MISMATCH",
            IssueCode::AccountMissing => "ACCOUNT_MISSING",
            IssueCode::AccountUnknown => "ACCOUNT_UNKNOWN",
            IssueCode::AccountArchived => "ACCOUNT_ARCHIVED",
            IssueCode::AccountClassMismatch => "ACCOUNT_CLASS_MISMATCH",
            IssueCode::TaxTypeMissing => "TAX_TYPE_MISSING",
            IssueCode::TaxTypeUnknown => "TAX_TYPE_UNKNOWN",
            IssueCode::TaxTypeInactive => "TAX_TYPE_INACTIVE",
            IssueCode::TaxTypeNotAllowed => "TAX_TYPE_NOT_ALLOWED",
            IssueCode::TaxCodeUnmapped => "TAX_CODE_UNMAPPED",
            IssueCode::CurrencyNotEnabled => "CURRENCY_NOT_ENABLED",
            IssueCode::CurrencyNoDecimals => "CURRENCY_NO_DECIMALS",
            IssueCode::ContactNotFound => "CONTACT_NOT_FOUND",
            IssueCode::ContactAmbiguous => "CONTACT_AMBIGUOUS",
            IssueCode::ContactArchived => "CONTACT_ARCHIVED",
            IssueCode::ContactWillBeCreated => "CONTACT_WILL_BE_CREATED",
            IssueCode::ContactNameTaken => "CONTACT_NAME_TAKEN",
            IssueCode::ContactNearMiss => "CONTACT_NEAR_MISS",
            IssueCode::MappingNameChanged => "MAPPING_NAME_CHANGED",
            IssueCode::EmailInvalid => "EMAIL_INVALID",
            IssueCode::PayerMissing => "PAYER_MISSING",
            IssueCode::TrackingCategoryUnknown => "TRACKING_CATEGORY_UNKNOWN",
            IssueCode::TrackingCategoryInactive => "TRACKING_CATEGORY_INACTIVE",
            IssueCode::TrackingOptionUnknown => "TRACKING_OPTION_UNKNOWN",
            IssueCode::TrackingOptionArchived => "TRACKING_OPTION_ARCHIVED",
            IssueCode::TrackingOptionDeleted => "TRACKING_OPTION_DELETED",
            IssueCode::TrackingRequired => "TRACKING_REQUIRED",
            IssueCode::TrackingFallbackUsed => "TRACKING_FALLBACK_USED",
            IssueCode::TrackingTooMany => "TRACKING_TOO_MANY",
            IssueCode::TrackingCategoryLimit => "TRACKING_CATEGORY_LIMIT",
            IssueCode::TrackingDroppedByXero => "TRACKING_DROPPED_BY_XERO",
            IssueCode::ApprovalRefused => "APPROVAL_REFUSED",
            IssueCode::CsvColumnMissing => "CSV_COLUMN_MISSING",
            IssueCode::CsvRowMalformed => "CSV_ROW_MALFORMED",
            IssueCode::CsvDuplicateKey => "CSV_DUPLICATE_KEY",
            IssueCode::CsvKeyMissing => "CSV_KEY_MISSING",
            IssueCode::CsvColumnDuplicate => "CSV_COLUMN_DUPLICATE",
            IssueCode::XeroValidationError => "XERO_VALIDATION_ERROR",
            IssueCode::XeroWarning => "XERO_WARNING",
            IssueCode::XeroTotalsDiffer => "XERO_TOTALS_DIFFER",
            IssueCode::AuthFailed => "AUTH_FAILED",
            IssueCode::RateLimited => "RATE_LIMITED",
            IssueCode::OutcomeUncertain => "OUTCOME_UNCERTAIN",
            IssueCode::UpdateNotAllowed => "UPDATE_NOT_ALLOWED",
            IssueCode::UpdateDocumentNeeded => "UPDATE_DOCUMENT_NEEDED",
            IssueCode::XeroDocumentInvalid => "XERO_DOCUMENT_INVALID",
            IssueCode::LineItemUnknown => "LINE_ITEM_UNKNOWN",
            IssueCode::LineWillBeDeleted => "LINE_WILL_BE_DELETED",
            IssueCode::DuplicateNumber => "DUPLICATE_NUMBER",
            IssueCode::RequestTooLarge => "REQUEST_TOO_LARGE",
            IssueCode::AllocationSkipped => "ALLOCATION_SKIPPED",
            IssueCode::AllocationFailed => "ALLOCATION_FAILED",
            IssueCode::XeroIdInvalid => "XERO_ID_INVALID",
            IssueCode::SyncReadFailed => "SYNC_READ_FAILED",
            IssueCode::SyncAmbiguous => "SYNC_AMBIGUOUS",
            IssueCode::WorkFieldUnknown => "WORK_FIELD_UNKNOWN",
            IssueCode::CancelHasPayments => "CANCEL_HAS_PAYMENTS",
            IssueCode::CancelStatusInvalid => "CANCEL_STATUS_INVALID",
            IssueCode::CancelConflict => "CANCEL_CONFLICT",
            IssueCode::PaymentTargetUnknown => "PAYMENT_TARGET_UNKNOWN",
            IssueCode::PaymentTargetNotAuthorised => "PAYMENT_TARGET_NOT_AUTHORISED",
            IssueCode::PaymentAmountInvalid => "PAYMENT_AMOUNT_INVALID",
            IssueCode::PaymentExceedsDue => "PAYMENT_EXCEEDS_DUE",
            IssueCode::PaymentAccountNotAllowed => "PAYMENT_ACCOUNT_NOT_ALLOWED",
            IssueCode::PaymentRateMissing => "PAYMENT_RATE_MISSING",
            IssueCode::PaymentIdDuplicate => "PAYMENT_ID_DUPLICATE",
            IssueCode::LineAmountRoundsToZero => "LINE_AMOUNT_ROUNDS_TO_ZERO",
            IssueCode::HostTotalNotMet => "HOST_TOTAL_NOT_MET",
            IssueCode::ContactImportAmbiguous => "CONTACT_IMPORT_AMBIGUOUS",
            IssueCode::ItemWillBeCreated => "ITEM_WILL_BE_CREATED",
            IssueCode::ItemNotCreated => "ITEM_NOT_CREATED",
            IssueCode::ContactImportNoId => "CONTACT_IMPORT_NO_ID",
            IssueCode::PersonDuplicate => "PERSON_DUPLICATE",
        }
    }
}

/// One expected problem: where it is, what it is, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields))]
#[serde(rename_all = "camelCase")]
pub struct Issue {
    /// Errors block their document (or CSV row); warnings do not.
    pub severity: Severity,
    /// Stable machine-readable code.
    pub code: IssueCode,
    /// Where in the input, e.g. `invoices[3].lines[1].tracking.Location`.
    pub path: String,
    /// For people: what is wrong and what to do.
    pub message: String,
    /// 1-based CSV row (the header is row 1), for CSV issues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// 1-based CSV column, for CSV issues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u64>,
    /// The row's key (its client id), for CSV issues on a row that has one: rows move when a
    /// file is sorted or edited, the key says which client to fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Issue {
    /// An error at `path`.
    pub fn error(code: IssueCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            severity: Severity::Error,
            code,
            path: path.into(),
            message: message.into(),
            row: None,
            column: None,
            key: None,
        }
    }

    /// A warning at `path`.
    pub fn warning(code: IssueCode, path: impl Into<String>, message: impl Into<String>) -> Self {
        Issue {
            severity: Severity::Warning,
            ..Issue::error(code, path, message)
        }
    }

    /// The same issue with its CSV row's key.
    pub fn with_key(mut self, key: Option<&str>) -> Self {
        self.key = key.map(str::to_owned);
        self
    }

    /// The same issue placed at a CSV row and column (both 1-based).
    pub fn at(mut self, row: u64, column: Option<u64>) -> Self {
        self.row = Some(row);
        self.column = column;
        self
    }

    /// Whether this issue blocks its document.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Builds issue paths like `invoices[3].lines[1].tracking.Location` without repeated
/// formatting at every call site.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(SmolStr);

impl Path {
    /// A path starting at `root`.
    pub fn root(root: &str) -> Self {
        Path(SmolStr::new(root))
    }

    /// `self[index]`.
    pub fn index(&self, index: usize) -> Self {
        let mut buf = [0u8; 20];
        Path(concat(&[&self.0, "[", digits(index, &mut buf), "]"]))
    }

    /// `self.field`.
    pub fn field(&self, field: &str) -> Self {
        if self.0.is_empty() {
            return Path(SmolStr::new(field));
        }
        Path(concat(&[&self.0, ".", field]))
    }

    /// `self["key"]`: an entry of a map the caller keys (a client id, a service code), the key
    /// written as a JSON string so that any key reads back unambiguously.
    pub fn key(&self, key: &str) -> Self {
        let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
        Path(concat(&[&self.0, "[", &quoted, "]"]))
    }

    /// The path as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<Path> for String {
    fn from(p: Path) -> String {
        p.0.into()
    }
}

impl From<&Path> for String {
    fn from(p: &Path) -> String {
        p.0.as_str().to_owned()
    }
}

/// The path of one line, `invoices[i].lines[j]`, as the invoice's path and the line's index:
/// the text is built only when an issue is raised there. Most lines raise nothing, and building
/// every line's path cost about 5 % of a preview in wasm (from invoice 10,000 on it no longer
/// fits inline and allocates).
#[derive(Clone, Copy, Debug)]
pub struct LinePath<'a> {
    invoice: &'a Path,
    line: usize,
}

impl<'a> LinePath<'a> {
    /// Line `line` of the invoice at `invoice`.
    pub fn new(invoice: &'a Path, line: usize) -> Self {
        LinePath { invoice, line }
    }

    /// The line's path.
    pub fn path(&self) -> Path {
        self.invoice.field("lines").index(self.line)
    }

    /// `line.field`.
    pub fn field(&self, field: &str) -> Path {
        self.path().field(field)
    }
}

impl From<LinePath<'_>> for String {
    fn from(p: LinePath<'_>) -> String {
        p.path().into()
    }
}

/// `n` in decimal, written into `buf` without the formatting machinery (paths and the
/// preview's indexes are written for every invoice).
pub(crate) fn digits(n: usize, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    let mut v = n;
    while start > 0 {
        start -= 1;
        if let Some(slot) = buf.get_mut(start) {
            *slot = b'0' + (v % 10) as u8;
        }
        v /= 10;
        if v == 0 {
            break;
        }
    }
    std::str::from_utf8(buf.get(start..).unwrap_or_default()).unwrap_or_default()
}

/// The parts joined, without a heap allocation when the result fits inline (a path is built
/// for every invoice, and nearly all are short).
fn concat(parts: &[&str]) -> SmolStr {
    let mut buf = [0u8; 23];
    let mut len = 0;
    for part in parts {
        match buf.get_mut(len..len + part.len()) {
            Some(slot) => slot.copy_from_slice(part.as_bytes()),
            None => return SmolStr::from(parts.concat()),
        }
        len += part.len();
    }
    // Whole strings joined: always UTF-8, and at most the 23 bytes `new_inline` takes.
    SmolStr::new_inline(std::str::from_utf8(buf.get(..len).unwrap_or_default()).unwrap_or_default())
}

/// True when any issue in the list is an error.
pub fn has_errors(issues: &[Issue]) -> bool {
    issues.iter().any(Issue::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn paths_join_short_and_long() {
        let p = Path::root("invoices").index(0).field("lines").index(12_345);
        assert_eq!(p.as_str(), "invoices[0].lines[12345]");
        let long = p.field("tracking").field("A category with a long name");
        assert_eq!(
            long.as_str(),
            "invoices[0].lines[12345].tracking.A category with a long name"
        );
        assert_eq!(
            Path::default().field("x").index(usize::MAX).as_str(),
            format!("x[{}]", usize::MAX)
        );
        // A line's lazy path reads the same as one built eagerly.
        let invoice = Path::root("invoices").index(10_000);
        let line = LinePath::new(&invoice, 4);
        assert_eq!(line.path().as_str(), "invoices[10000].lines[4]");
        assert_eq!(String::from(line), "invoices[10000].lines[4]");
        assert_eq!(
            line.field("taxCode").as_str(),
            "invoices[10000].lines[4].taxCode"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn codes_serialise_screaming_snake_case() {
        assert_eq!(
            IssueCode::TrackingOptionArchived.as_str(),
            "TRACKING_OPTION_ARCHIVED"
        );
        assert_eq!(IssueCode::TooManyDecimals.as_str(), "TOO_MANY_DECIMALS");
    }

    /// Every code (the TypeScript union ts-rs derives from the enum lists them all) read back
    /// through the derived names: [`IssueCode::name`] says the name it was read from.
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn every_name_is_the_derived_serializers() {
        use ts_rs::TS;
        let union = IssueCode::inline(&ts_rs::Config::default());
        let names: Vec<&str> = union
            .split('|')
            .map(|n| n.trim().trim_matches('"'))
            .collect();
        assert!(names.len() > 50, "{union}");
        for name in names {
            let code: IssueCode = serde_json::from_value(serde_json::Value::from(name)).unwrap();
            assert_eq!(code.name(), name);
            assert_eq!(serde_json::to_value(code).unwrap(), name);
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn issue_json_shape_omits_absent_row_and_column() {
        let issue = Issue::error(
            IssueCode::TrackingOptionArchived,
            Path::root("invoices")
                .index(3)
                .field("lines")
                .index(1)
                .field("tracking.Location"),
            "Option archived",
        );
        let json = serde_json::to_string(&issue).unwrap();
        assert_eq!(
            json,
            r#"{"severity":"error","code":"TRACKING_OPTION_ARCHIVED","path":"invoices[3].lines[1].tracking.Location","message":"Option archived"}"#
        );
        let csv = Issue::warning(IssueCode::CsvRowMalformed, "csv", "bad").at(4, Some(2));
        let json = serde_json::to_string(&csv).unwrap();
        assert!(json.ends_with(r#""row":4,"column":2}"#), "{json}");
    }
}
