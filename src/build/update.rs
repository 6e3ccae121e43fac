//! Updates against the document as Xero holds it (reference §2.5, §2.6): which fields the
//! update changes, whether Xero accepts the change in the document's state, which lines it
//! would delete, and whether it changes anything at all (an unchanged document is not sent).
//!
//! The state (status, paid, the held document) was read by `resolve::updates`; this step has
//! the document as it would be sent, so it owns every rule that compares the two. Values are
//! compared the way Xero stores them: decimals by value, dates as dates, tracking by category
//! and option names as Xero compares names, an absent field as its default (no discount is a
//! zero discount, no quantity a zero quantity, no tax type or account "whatever Xero holds").

use rust_decimal::Decimal;

use crate::build::Ctx;
use crate::input::snapshot::Lock;
use crate::issues::{Issue, IssueCode, Path};
use crate::names;
use crate::resolve::updates::UpdateState;
use crate::xero::held::{HeldDocument, HeldLine};
use crate::xero::kind::DocumentKind;
use crate::xero::status::{normalise, transition, Transition};
use crate::xero::wire::{WireContactRef, WireDocument, WireLine};

/// A field an update changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    Kind,
    Contact,
    Date,
    DueDate,
    LineAmountTypes,
    Number,
    Reference,
    Url,
    Currency,
    Status,
    BrandingTheme,
    NewLine,
    Description,
    Quantity,
    UnitAmount,
    ItemCode,
    AccountCode,
    TaxType,
    TaxAmount,
    DiscountRate,
    DiscountAmount,
    Tracking,
}

impl Field {
    /// Whether Xero accepts changing it on a paid ACCREC document (reference §2.6: "only
    /// Reference, DueDate, InvoiceNumber, BrandingThemeID, Contact (unless paid with a credit
    /// note), URL, LineItems' Description, AccountCode (not CIS codes) and Tracking"). ACCPAY
    /// accepts nothing. Credit notes: the same rule, UNVERIFIED (Xero documents none; the
    /// invoice's is the safe reading).
    fn paid_accrec_allows(self, credited: bool) -> bool {
        match self {
            Field::Reference
            | Field::DueDate
            | Field::Number
            | Field::BrandingTheme
            | Field::Url
            | Field::Description
            | Field::AccountCode
            | Field::Tracking => true,
            Field::Contact => !credited,
            _ => false,
        }
    }

    /// Its path in the caller's terms: the invoice's field, the line's, or the setting that
    /// decides it.
    fn path(self, inv: &Path, line: Option<usize>) -> Path {
        let on_line = |f: &str| match line {
            Some(j) => inv.field("lines").index(j).field(f),
            None => inv.field("lines"),
        };
        match self {
            Field::Kind => inv.clone(),
            Field::Contact => inv.field("payer"),
            Field::Date => inv.field("date"),
            Field::DueDate => inv.field("dueDate"),
            Field::LineAmountTypes => Path::root("settings.lineAmountTypes"),
            Field::Number => inv.field("number"),
            Field::Reference => inv.field("reference"),
            Field::Url => Path::root("settings.templates.url"),
            Field::Currency => inv.field("currency"),
            Field::Status => Path::root("settings.status"),
            Field::BrandingTheme => Path::root("settings.brandingThemeId"),
            Field::NewLine => match line {
                Some(j) => inv.field("lines").index(j),
                None => inv.field("lines"),
            },
            Field::Description => on_line("description"),
            Field::Quantity => on_line("quantity"),
            Field::UnitAmount => on_line("unitAmount"),
            Field::ItemCode => on_line("itemCode"),
            Field::AccountCode => on_line("accountCode"),
            Field::TaxType => on_line("taxCode"),
            // No input field of the host's is the TaxAmount: its total is what moves it
            // (`hostTotal.policy` "taxOverride").
            Field::TaxAmount => inv.field("total"),
            Field::DiscountRate => on_line("discountRate"),
            Field::DiscountAmount => on_line("discountAmount"),
            Field::Tracking => on_line("tracking"),
        }
    }

    /// Its name in Xero, for messages.
    fn xero_name(self) -> &'static str {
        match self {
            Field::Kind => "Type",
            Field::Contact => "Contact",
            Field::Date => "Date",
            Field::DueDate => "DueDate",
            Field::LineAmountTypes => "LineAmountTypes",
            Field::Number => "the document number",
            Field::Reference => "Reference",
            Field::Url => "Url",
            Field::Currency => "CurrencyCode",
            Field::Status => "Status",
            Field::BrandingTheme => "BrandingThemeID",
            Field::NewLine => "a new line",
            Field::Description => "Description",
            Field::Quantity => "Quantity",
            Field::UnitAmount => "UnitAmount",
            Field::ItemCode => "ItemCode",
            Field::AccountCode => "AccountCode",
            Field::TaxType => "TaxType",
            Field::TaxAmount => "TaxAmount",
            Field::DiscountRate => "DiscountRate",
            Field::DiscountAmount => "DiscountAmount",
            Field::Tracking => "Tracking",
        }
    }
}

/// One difference between the update and the held document.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Change {
    field: Field,
    /// The wire line's index, for line fields.
    line: Option<usize>,
}

/// How the lines of the update meet the held lines.
#[derive(Default)]
struct LineDiff {
    changes: Vec<Change>,
    /// Wire lines whose LineItemID Xero does not hold: (line index, id).
    unknown: Vec<(usize, String)>,
    /// Wire lines whose LineItemID an earlier line already carries: (line index, id). Xero
    /// holds one line per id, so the update cannot keep both.
    repeated: Vec<(usize, String)>,
    /// Held lines the update does not carry: Xero would delete them.
    deleted: Vec<HeldLine>,
}

/// Checks an update: pushes its issues and says whether it changes nothing (then it is not
/// sent). `None` state: not an update.
pub(crate) fn check(
    ctx: &Ctx<'_>,
    path: &Path,
    state: Option<&UpdateState>,
    wire: Option<&WireDocument>,
    issues: &mut Vec<Issue>,
) -> bool {
    let Some(state) = state else { return false };
    let to = ctx.settings.status.as_str();
    let compared = match (wire, state.held.as_ref()) {
        (Some(w), Some(h)) if h.lines.is_some() => Some(diff(ctx, w, h)),
        _ => None,
    };
    if let Some((changes, lines)) = &compared {
        if changes.is_empty()
            && lines.unknown.is_empty()
            && lines.repeated.is_empty()
            && lines.deleted.is_empty()
        {
            forget_lock_of_date(path, issues);
            return true;
        }
    }
    status_rules(state, path, to, issues);
    held_lock_rule(ctx, state, path, issues);
    let kind = wire.map(|w| w.kind);
    match &compared {
        Some((changes, lines)) => {
            kind_rule(state, wire, path, changes, issues);
            line_rules(state, path, lines, issues);
            if state.paid && transition_open(state) {
                paid_rules(state, kind, path, changes, issues);
            }
        }
        // Without a document the wire-less case was blocked already (no contact or date).
        None => {
            if let Some(w) = wire {
                let lines = LineDiff {
                    repeated: repeated_ids(&w.line_items),
                    ..LineDiff::default()
                };
                line_rules(state, path, &lines, issues);
            }
            if state.paid && transition_open(state) && wire.is_some() {
                unknown_changes(state, kind, path, issues);
            }
        }
    }
    false
}

/// Sent lines whose LineItemID an earlier sent line carries (compared as [`diff_lines`]
/// compares ids): with no held document to match them against, still one line per id, as
/// Xero holds (it would update one line twice and keep one).
fn repeated_ids(sent: &[WireLine]) -> Vec<(usize, String)> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (j, w) in sent.iter().enumerate() {
        let Some(id) = w.line_item_id.as_deref() else {
            continue;
        };
        let key = id.trim().to_ascii_lowercase();
        if seen.contains(&key) {
            out.push((j, id.to_owned()));
        } else {
            seen.push(key);
        }
    }
    out
}

/// The date's own lock check (`resolve::header`) ran before anything knew the update: its
/// `DATE_LOCKED` at the date is dropped when nothing is sent (no lock date can refuse it) or
/// when the held document's lock says it instead ([`held_lock_rule`]).
fn forget_lock_of_date(path: &Path, issues: &mut Vec<Issue>) {
    let at = path.field("date");
    issues.retain(|i| !(i.code == IssueCode::DateLocked && i.path == at.as_str()));
}

/// The document Xero holds dated on or before a lock date: Xero refuses any edit of it
/// (reference §2.6, "In a locked period: no"; "The document date cannot be before the end of
/// year lock date"), whatever date the update sends, which the date's own check
/// (`resolve::header`) judges.
///
/// Reported at `xero.document`, not at `date`: the held Date is read from it, and no date the
/// host sends can make Xero accept the edit; what makes it an edit is the exported document,
/// and the way out is in Xero (unlock the period) or a credit note instead of the update.
///
/// - AUTHORISED in Xero under the end-of-year lock, which binds every user: an error.
/// - The same under the period lock, which users with the Adviser role may still edit: a
///   warning, as the date's own check says (the snapshot does not say who connected the app).
/// - DRAFT and SUBMITTED (or no status known): the reference's rule names no status, and
///   whether Xero refuses edits of an unposted draft is UNVERIFIED (third-party export tools
///   say drafts are saved whatever their date). The safe behaviour is to report it, as a
///   warning: blocking could stop a valid edit for good, and a refusal comes back from the
///   reconciliation as `DATE_LOCKED`.
///
/// PAID, VOIDED and DELETED documents were refused whole by the status rules.
fn held_lock_rule(ctx: &Ctx<'_>, state: &UpdateState, path: &Path, issues: &mut Vec<Issue>) {
    if !transition_open(state) {
        return;
    }
    let Some(held) = state.held.as_ref().and_then(|h| h.date) else {
        return;
    };
    let Some(lock) = ctx.snapshot.lock_dates.lock_for(held) else {
        return;
    };
    let at = path.field("xero.document");
    let posted = state.from == Some("AUTHORISED");
    let (kind, date) = match lock {
        Lock::EndOfYear(l) => ("end-of-year", l),
        Lock::Period(l) => ("period", l),
    };
    let message = format!("The document Xero holds is dated {held}, on or before the organisation's {kind} lock date {date}: Xero refuses edits of a document dated in a locked period, whatever date is sent. Unlock the period in Xero (move the lock date), or credit the document instead of updating it.");
    // This says all the date's own check said of a locked date sent (its advice, to date the
    // invoice later, cannot make Xero take the edit): one issue, as severe as either.
    let at_date = path.field("date");
    let date_error = issues.iter().any(|i| {
        i.code == IssueCode::DateLocked
            && i.path == at_date.as_str()
            && i.severity == crate::issues::Severity::Error
    });
    forget_lock_of_date(path, issues);
    if date_error || (posted && matches!(lock, Lock::EndOfYear(_))) {
        issues.push(Issue::error(IssueCode::DateLocked, at, message));
    } else {
        issues.push(Issue::warning(IssueCode::DateLocked, at, message));
    }
}

/// Whether the status leaves room for edits (PAID, VOIDED, DELETED were refused whole).
fn transition_open(state: &UpdateState) -> bool {
    !matches!(state.from, Some("PAID" | "VOIDED" | "DELETED"))
}

/// The §2.6 transition from the document's status in Xero to the status the update sends.
fn status_rules(state: &UpdateState, path: &Path, to: &str, issues: &mut Vec<Issue>) {
    if let Some(word) = &state.unknown_status {
        let shown = crate::money::shown(word);
        issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field("xero.status"), format!("\"{shown}\" is not one of Xero's statuses (DRAFT, SUBMITTED, AUTHORISED, PAID, VOIDED, DELETED): whether Xero accepts this update cannot be known. Pass the status Xero returned.")));
        return;
    }
    let Some(from) = state.from else { return };
    let at = path.field("xero.status");
    match transition(from, to) {
        Transition::Allowed => {}
        Transition::Refused => issues.push(Issue::error(IssueCode::UpdateNotAllowed, Path::root("settings.status"), format!("The document is {from} in Xero and this update would send it as {to}: an approved document never goes back to {to} (Xero answers \"Invoice not of valid status for modification\"). Export updates of approved documents with status AUTHORISED, or void it and export a new one."))),
        Transition::CancelOnly => issues.push(Issue::error(IssueCode::UpdateNotAllowed, Path::root("settings.status"), format!("{to} is not sent by an update: cancel the document instead (the exporter's cancel plans DELETED or VOIDED)."))),
        Transition::Final if from == "PAID" => issues.push(Issue::error(IssueCode::UpdateNotAllowed, at, "The document is PAID in Xero: this library sends no edit to a paid-in-full document (its status cannot be sent back: PAID is never set by a request). Change it in Xero, or remove the payment first.")),
        Transition::Final | Transition::Unknown => issues.push(Issue::error(IssueCode::UpdateNotAllowed, at, format!("The document is {from} in Xero and cannot be edited. Export it again as a new document (clear xero.id), or credit it instead."))),
    }
}

/// A change of Type (an exported credit note now an invoice, an invoice named only by its
/// document now a credit note, a sale now a bill): refused in every state. Xero changes no
/// document's kind (an invoice is voided and credited instead), and the update would be
/// posted to the other collection under the held id. Reported once: the credit-note flip
/// already refuses an exported invoice turning into a credit note at the same path.
fn kind_rule(
    state: &UpdateState,
    wire: Option<&WireDocument>,
    path: &Path,
    changes: &[Change],
    issues: &mut Vec<Issue>,
) {
    if !changes.iter().any(|c| c.field == Field::Kind) {
        return;
    }
    let at = Field::Kind.path(path, None);
    if issues
        .iter()
        .any(|i| i.code == IssueCode::UpdateNotAllowed && i.path == at.as_str())
    {
        return;
    }
    let held = state
        .held
        .as_ref()
        .and_then(|h| h.kind.as_deref())
        .map_or_else(String::new, |k| crate::money::shown(k).into_owned());
    let sent = wire.map_or("", |w| w.kind.as_str());
    issues.push(Issue::error(IssueCode::UpdateNotAllowed, at, format!("The document is {held} in Xero and this update would send it as {sent}: Xero does not change a document's type. Void it in Xero (or credit it) and export the invoice again as a new document (clear xero.id and xero.document).")));
}

/// A paid document's changed fields: each one Xero refuses is an error at its path.
fn paid_rules(
    state: &UpdateState,
    kind: Option<DocumentKind>,
    path: &Path,
    changes: &[Change],
    issues: &mut Vec<Issue>,
) {
    let sales = kind.is_some_and(DocumentKind::is_sales);
    for c in changes {
        // A status change is the transition rule's (reported once, at settings.status), a
        // kind change the kind rule's (refused in every state).
        if matches!(c.field, Field::Status | Field::Kind)
            || (sales && c.field.paid_accrec_allows(state.credited))
        {
            continue;
        }
        let why = if !sales {
            "a paid bill (or supplier credit note) accepts no change at all".to_owned()
        } else if c.field == Field::Contact {
            "a document paid with credit keeps its contact".to_owned()
        } else {
            "a paid document accepts changes only to Reference, DueDate, its number, BrandingThemeID, Contact, Url and lines' Description, AccountCode and Tracking".to_owned()
        };
        let name = c.field.xero_name();
        issues.push(Issue::error(IssueCode::UpdateNotAllowed, c.field.path(path, c.line), format!("This update changes {name}, which Xero refuses: {why} (reference: Xero's \"Updating Invoices\"). Keep the value Xero has, or remove the payments in Xero first.")));
    }
}

/// A paid document without its held copy: what changes cannot be known. The safe behaviour
/// is to refuse: sending could change a field Xero refuses (an error from Xero at best) and
/// nothing says the update is needed at all.
fn unknown_changes(
    state: &UpdateState,
    kind: Option<DocumentKind>,
    path: &Path,
    issues: &mut Vec<Issue>,
) {
    if kind.is_some_and(DocumentKind::is_sales) {
        issues.push(Issue::error(IssueCode::UpdateDocumentNeeded, path.field("xero.document"), "The document is paid in Xero, which then accepts changes only to its reference, due date, number, branding theme, contact, Url and lines' descriptions, accounts and tracking. Pass xero.document (the invoice as GET /Invoices/{id}?unitdp=4 returns it, with its LineItems) so the update can be checked field by field."));
    } else {
        issues.push(Issue::error(IssueCode::UpdateNotAllowed, path.field(state.paid_at), "The bill is paid in Xero, which then accepts no change to it. Remove the payments in Xero first, or leave it as it is."));
    }
}

/// Lines the update would delete, and line ids Xero does not hold.
fn line_rules(state: &UpdateState, path: &Path, lines: &LineDiff, issues: &mut Vec<Issue>) {
    for (j, id) in &lines.unknown {
        let shown = crate::money::shown(id);
        issues.push(Issue::error(IssueCode::LineItemUnknown, path.field("lines").index(*j).field("lineItemId"), format!("The document in Xero has no line {shown}: Xero would refuse it or add a line. Use the LineItemIDs of xero.document, or leave lineItemId out for a new line.")));
    }
    for (j, id) in &lines.repeated {
        let shown = crate::money::shown(id);
        issues.push(Issue::error(IssueCode::LineItemUnknown, path.field("lines").index(*j).field("lineItemId"), format!("An earlier line of this update already carries the lineItemId {shown}: Xero holds one line per id, so it would not keep both. Leave lineItemId out on a new line.")));
    }
    for held in &lines.deleted {
        let id = held.line_item_id.as_deref().unwrap_or("(no id)");
        let what = held.description.as_deref().unwrap_or("");
        let what = crate::money::shown(what);
        if state.paid {
            issues.push(Issue::error(IssueCode::LineWillBeDeleted, path.field("lines"), format!("The update leaves out the line {id} (\"{what}\") that Xero holds, so Xero would delete it; a paid document's lines cannot be deleted. Send it with its lineItemId.")));
        } else {
            issues.push(Issue::warning(IssueCode::LineWillBeDeleted, path.field("lines"), format!("The update leaves out the line {id} (\"{what}\") that Xero holds: Xero will delete it. Send it with its lineItemId to keep it.")));
        }
    }
}

/// The differences between the update and the held document.
fn diff(ctx: &Ctx<'_>, w: &WireDocument, h: &HeldDocument) -> (Vec<Change>, LineDiff) {
    // An element left out keeps Xero's value (reference §2.5, D-CON "If you exclude an
    // element then the existing value will be preserved"): nothing sent, nothing changed.
    let kept = |sent: Option<&str>, held: Option<&str>| sent.is_none() || same_text(sent, held);
    let mut changes = Vec::new();
    let mut head = |field, same: bool| {
        if !same {
            changes.push(Change { field, line: None });
        }
    };
    head(
        Field::Kind,
        h.kind
            .as_deref()
            .is_none_or(|k| k.eq_ignore_ascii_case(w.kind.as_str())),
    );
    let contact = match &w.contact {
        WireContactRef::Id(id) => h
            .contact_id
            .as_deref()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case(id.trim())),
        WireContactRef::Pending(_) => false,
    };
    head(Field::Contact, contact);
    head(Field::Date, h.date == Some(w.date));
    head(
        Field::DueDate,
        w.due_date.is_none() || h.due_date == w.due_date,
    );
    head(
        Field::LineAmountTypes,
        h.line_amount_types
            .as_deref()
            .is_some_and(|l| l.eq_ignore_ascii_case(w.line_amount_types.as_str())),
    );
    let number = w
        .invoice_number
        .as_deref()
        .or(w.credit_note_number.as_deref());
    head(Field::Number, kept(number, h.number.as_deref()));
    head(
        Field::Reference,
        kept(w.reference.as_deref(), h.reference.as_deref()),
    );
    head(Field::Url, kept(w.url.as_deref(), h.url.as_deref()));
    let currency = w.currency_code.as_deref().or(ctx.snapshot.base_currency());
    head(
        Field::Currency,
        match (currency, h.currency_code.as_deref()) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            _ => true,
        },
    );
    head(Field::Status, same_status(w.status, h.status.as_deref()));
    head(
        Field::BrandingTheme,
        kept(
            w.branding_theme_id.as_deref(),
            h.branding_theme_id.as_deref(),
        ),
    );
    let lines = diff_lines(&w.line_items, h.lines.as_deref().unwrap_or_default());
    changes.extend(lines.changes.iter().cloned());
    (changes, lines)
}

/// Text as Xero stores it: absent and empty are the same.
fn same_text(a: Option<&str>, b: Option<&str>) -> bool {
    a.unwrap_or("") == b.unwrap_or("")
}

/// The status sent against the status held: a paid document is held as PAID but is an
/// AUTHORISED one with payments, so AUTHORISED changes nothing there.
fn same_status(sent: &str, held: Option<&str>) -> bool {
    match held.and_then(normalise) {
        Some("PAID") => sent == "AUTHORISED",
        Some(h) => h == sent,
        None => true,
    }
}

/// Lines matched by LineItemID: each sent line against the held line of its id.
fn diff_lines(sent: &[WireLine], held: &[HeldLine]) -> LineDiff {
    let mut out = LineDiff::default();
    let mut used = vec![false; held.len()];
    for (j, w) in sent.iter().enumerate() {
        let Some(id) = w.line_item_id.as_deref() else {
            out.changes.push(Change {
                field: Field::NewLine,
                line: Some(j),
            });
            continue;
        };
        let hit = held.iter().position(|h| {
            h.line_item_id
                .as_deref()
                .is_some_and(|x| x.trim().eq_ignore_ascii_case(id.trim()))
        });
        match hit.and_then(|i| Some((i, held.get(i)?))) {
            Some((i, _)) if used.get(i).copied().unwrap_or(false) => {
                out.repeated.push((j, id.to_owned()));
            }
            Some((i, h)) => {
                if let Some(u) = used.get_mut(i) {
                    *u = true;
                }
                for field in line_changes(w, h) {
                    out.changes.push(Change {
                        field,
                        line: Some(j),
                    });
                }
            }
            None => out.unknown.push((j, id.to_owned())),
        }
    }
    out.deleted = held
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(h, _)| h.clone())
        .collect();
    out
}

/// The fields of one line that differ.
fn line_changes(w: &WireLine, h: &HeldLine) -> Vec<Field> {
    let zero = |d: Option<Decimal>| d.unwrap_or(Decimal::ZERO);
    // Sent or not, an unset code means "what Xero holds" only when nothing is sent.
    let code = |sent: Option<&str>, held: Option<&str>| {
        sent.is_none_or(|s| held.is_some_and(|x| x.trim().eq_ignore_ascii_case(s.trim())))
    };
    let mut out = Vec::new();
    let mut field = |f, same: bool| {
        if !same {
            out.push(f);
        }
    };
    field(
        Field::Description,
        same_text(w.description.as_deref(), h.description.as_deref()),
    );
    field(Field::Quantity, zero(w.quantity) == zero(h.quantity));
    field(
        Field::UnitAmount,
        zero(w.unit_amount) == zero(h.unit_amount),
    );
    field(
        Field::ItemCode,
        code(w.item_code.as_deref(), h.item_code.as_deref()),
    );
    field(
        Field::AccountCode,
        code(w.account_code.as_deref(), h.account_code.as_deref()),
    );
    field(
        Field::TaxType,
        code(w.tax_type.as_deref(), h.tax_type.as_deref()),
    );
    // An explicit TaxAmount (the host's total policy) changes Xero's tax and total; sent or
    // not is the same rule as the codes: nothing sent leaves Xero's own computation.
    field(
        Field::TaxAmount,
        w.tax_amount.is_none() || w.tax_amount == h.tax_amount,
    );
    field(
        Field::DiscountRate,
        zero(w.discount_rate) == zero(h.discount_rate),
    );
    field(
        Field::DiscountAmount,
        zero(w.discount_amount) == zero(h.discount_amount),
    );
    field(Field::Tracking, same_tracking(&w.tracking, &h.tracking));
    out
}

/// Tracking by category and option names, in any order.
fn same_tracking(sent: &[crate::xero::wire::WireTracking], held: &[(String, String)]) -> bool {
    let mut sent: Vec<(String, String)> = sent
        .iter()
        .filter_map(|t| {
            let v: serde_json::Value = serde_json::from_str(t.json()).ok()?;
            let name = v.get("Name")?.as_str()?;
            let option = v.get("Option")?.as_str()?;
            Some((names::key(name), names::key(option)))
        })
        .collect();
    let mut held = held.to_vec();
    sent.sort();
    held.sort();
    sent == held
}
