// Types of the xero-export public API. Kept by hand beside the Rust types; a test checks that
// every runtime export is declared here and tsc type-checks a usage file against it.

/** Money and quantities: exact decimal strings ("12.50") or JS numbers (taken through their shortest text). */
export type DecimalInput = string | number;

export type Severity = 'error' | 'warning';

/** An expected problem, returned as data. `code` is stable API; `message` is for people. */
export interface Issue {
  severity: Severity;
  code: string;
  path: string;
  message: string;
  /** 1-based CSV row (header = row 1). */
  row?: number;
  /** 1-based CSV column. */
  column?: number;
}

/** Thrown only for misuse: input that does not fit the documented types. */
export interface XeroExportError extends Error {
  name: 'XeroExportError';
  code: 'INVALID_INPUT' | 'INVALID_JSON' | 'INVALID_SETTINGS' | 'INVALID_SNAPSHOT' | 'INVALID_STATE';
  details: { argument: string };
}

/** Browsers: instantiate the module once; later calls reuse it. A no-op in Node. */
export default function init(moduleOrPath?: unknown): Promise<void>;
export function init(moduleOrPath?: unknown): Promise<void>;

/** The library version. */
export function version(): string;

export interface LineInput {
  quantity: DecimalInput;
  unitAmount: DecimalInput;
  discountRate?: DecimalInput;
  discountAmount?: DecimalInput;
  /** Unit amount decimal places: 2 (default) or 4. */
  unitdp?: 2 | 4;
}

export interface LineResult {
  /** The unit amount Xero stores, or null when the input has errors. */
  unitAmount: string | null;
  /** The line amount Xero computes (2 dp), or null when the input has errors. */
  lineAmount: string | null;
  issues: Issue[];
}

/** The line amount Xero computes for one line, as exact strings. Accepts an object or its JSON text. */
export function lineAmount(line: LineInput | string): LineResult;

// --- Export preview: snapshot, settings, invoices ---

/** One Xero GET body as the host received it (PascalCase), or xero-node's `response.body` (camelCase), or just its array. */
export type XeroBody = Record<string, unknown> | unknown[];

/** The organisation's Xero data. Each part is optional; what is missing is reported in `issues`. */
export interface Snapshot {
  organisation?: XeroBody;
  accounts?: XeroBody;
  taxRates?: XeroBody;
  /** GET /TrackingCategories?includeArchived=true */
  trackingCategories?: XeroBody;
  /** GET /Contacts?includeArchived=true */
  contacts?: XeroBody;
  items?: XeroBody;
  currencies?: XeroBody;
}

export type TrackingSource = 'line' | 'clinician' | 'location' | 'service' | 'client' | 'fallback';

export interface TrackingCategorySettings {
  /** Category name or TrackingCategoryID. */
  category: string;
  /** First source that yields an option wins. Default: line, clinician, location, service, client. */
  sources?: Exclude<TrackingSource, 'fallback'>[];
  /** Host id → option name or TrackingOptionID. */
  clinicians?: Record<string, string>;
  locations?: Record<string, string>;
  services?: Record<string, string>;
  /** Archived, deleted, renamed or unknown options: drop with a warning (default), block, or use `fallback`. */
  stale?: 'ignore' | 'error' | 'fallback';
  fallback?: string;
  required?: boolean;
}

export type DueDateRule =
  | { rule: 'none' }
  | { rule: 'daysAfter'; days: number }
  | { rule: 'paymentTerms'; fallbackDays?: number };

/** The host's Xero configuration. Every field is optional; `{}` gives Xero's own defaults. */
export interface Settings {
  invoiceType?: 'ACCREC' | 'ACCPAY';
  status?: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED';
  lineAmountTypes?: 'Exclusive' | 'Inclusive' | 'NoTax';
  unitdp?: 2 | 4;
  negativeInvoices?: 'creditNote' | 'keep';
  accounts?: { default?: string; byService?: Record<string, string> };
  taxes?: { default?: string; byCode?: Record<string, string> };
  dueDate?: DueDateRule;
  /** `{id}`, `{number}`, `{reference}`, `{date}`, `{clientId}`, `{payerId}`, `{payerName}`, `{currency}` or any key of the invoice's `fields`. `url` is sent on invoices only (Xero's CreditNote has no Url). */
  templates?: { invoiceNumber?: string; reference?: string; url?: string };
  contacts?: {
    /** `kind:id` → ContactID */
    mapping?: Record<string, string>;
    onMissing?: 'error' | 'create';
    nameCollision?: 'suffix' | 'error';
    contactNumberFromId?: boolean;
  };
  tracking?: {
    categories?: TrackingCategorySettings[];
    /** Client id → { category → option }. */
    clients?: Record<string, Record<string, string>>;
    optionNameLimit?: 50 | 100;
  };
  brandingThemeId?: string;
}

export interface Payer {
  kind?: 'patient' | 'nextOfKin' | 'thirdParty' | 'client' | 'company' | 'member' | string;
  id?: string;
  name?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  contactNumber?: string;
  accountNumber?: string;
  address?: { type?: 'STREET' | 'POBOX'; lines?: string[]; city?: string; region?: string; postalCode?: string; country?: string; attentionTo?: string };
  phone?: { type?: 'DEFAULT' | 'DDI' | 'MOBILE' | 'FAX'; number?: string; areaCode?: string; countryCode?: string };
  /** A Xero ContactID already linked to this payer. */
  contactId?: string;
}

export interface SourceLine {
  description?: string;
  quantity?: DecimalInput;
  unitAmount?: DecimalInput;
  discountRate?: DecimalInput;
  discountAmount?: DecimalInput;
  taxCode?: string;
  accountCode?: string;
  /** Host service code or Xero item code (alias: itemCode). */
  serviceCode?: string;
  clinicianId?: string;
  locationId?: string;
  /** Category (name or ID) → option (name or ID). */
  tracking?: Record<string, string>;
  lineItemId?: string;
}

export interface SourceInvoice {
  id: string;
  number?: string;
  reference?: string;
  /** YYYY-MM-DD */
  date: string;
  dueDate?: string;
  currency?: string;
  payer: Payer;
  clientId?: string;
  /** The host's own total, compared with Xero's. */
  total?: DecimalInput;
  /** For a negative invoice: the invoice it corrects. */
  creditsInvoiceNumber?: string;
  /** Extra template fields. */
  fields?: Record<string, string>;
  /** Set when already exported: updates go by POST. */
  xero?: { id?: string; status?: string; amountPaid?: DecimalInput };
  lines: SourceLine[];
}

export interface Totals { subTotal: string; totalTax: string; total: string }

export interface LineTracking {
  category: string;
  option: string;
  categoryId?: string;
  optionId?: string;
  source: TrackingSource;
  /** For a fallback: the stale option it replaced. */
  replaced?: string;
}

export interface LinePreview {
  description?: string;
  quantity?: string;
  unitAmount?: string;
  discountRate?: string;
  discountAmount?: string;
  itemCode?: string;
  accountCode?: string;
  taxType?: string;
  taxRate?: string;
  lineAmount: string;
  taxAmount: string;
  tracking: LineTracking[];
}

export type ContactRef =
  | { status: 'existing'; contactId: string; name?: string; matchedBy: 'contactId' | 'mapping' | 'contactNumber' | 'accountNumber' | 'email' | 'name' }
  | { status: 'create'; key: string; name: string }
  | { status: 'unresolved' };

export interface DocumentPreview {
  index: number;
  sourceId: string;
  sourceNumber?: string;
  kind: 'ACCREC' | 'ACCPAY' | 'ACCRECCREDIT' | 'ACCPAYCREDIT';
  endpoint: 'Invoices' | 'CreditNotes';
  status: 'DRAFT' | 'SUBMITTED' | 'AUTHORISED';
  blocked: boolean;
  contact: ContactRef;
  number?: string;
  reference?: string;
  date?: string;
  dueDate?: string;
  currency?: string;
  lineAmountTypes: 'Exclusive' | 'Inclusive' | 'NoTax';
  lines: LinePreview[];
  totals: Totals;
  hostTotal?: string;
  difference?: string;
  issues: Issue[];
  /** `{"Invoices":[...]}` / `{"CreditNotes":[...]}` for this document alone, or null while its contact is to be created. */
  body: string | null;
}

export interface NewContact {
  key: string;
  /** The Contact element of PUT /Contacts (Xero's PascalCase). */
  contact: Record<string, unknown>;
  invoices: string[];
}

export interface Preview {
  documents: DocumentPreview[];
  contacts: NewContact[];
  issues: Issue[];
  summary: { documents: number; ready: number; blocked: number; creditNotes: number; contactsToCreate: number; warnings: number; errors: number };
}

export interface PreviewOptions {
  /** Per-line previews (default true). */
  lines?: boolean;
  /** Request bodies (default true). */
  bodies?: boolean;
}

/**
 * A request body (a document's `body`, a planned request's `body`) as xero-node's camelCase
 * model objects: xero-node drops PascalCase keys and would send `{}`. Amounts become JS numbers,
 * as xero-node's models hold them. Throws XeroExportError (INVALID_INPUT) when `body` is not a
 * JSON object, or is text holding a number of more than 15 significant digits (which a JS number
 * would change).
 *
 * ```js
 * await xero.accountingApi.createInvoices(tenantId, toXeroNode(doc.body), false, unitdp, key);
 * ```
 */
export function toXeroNode(body: string | Record<string, unknown>): Record<string, unknown>;

/** A parsed snapshot and settings; previews any number of invoices without re-parsing them. */
export class Exporter {
  /** Throws XeroExportError (INVALID_SNAPSHOT / INVALID_SETTINGS) when a shape does not fit at all. */
  constructor(snapshot: Snapshot | string, settings?: Settings | string);
  /** Problems of the snapshot and settings. */
  readonly issues: Issue[];
  preview(invoices: SourceInvoice[] | string, options?: PreviewOptions): Preview;
  /** The same preview as one JSON text, bodies included as strings (`preview` is faster for objects). */
  previewJson(invoices: SourceInvoice[] | string, options?: PreviewOptions): string;
  /** Releases the wasm memory now (otherwise when garbage-collected). */
  free(): void;
}

export interface TimeEntry { member?: string; date?: string; hours?: DecimalInput; rate?: DecimalInput; project?: string }

/** Time entries → a source invoice (one line per project or member and rate; hours summed, 2 dp). */
export function timesheetInvoice(input: {
  id?: string; number?: string; date?: string; dueDate?: string; currency?: string; payer?: Payer;
  groupBy?: 'project' | 'member'; accountCode?: string; taxCode?: string; entries: TimeEntry[];
} | string): SourceInvoice;

// --- Tracking-options CSV ---

/** How a tracking-options CSV is read. */
export interface TrackingCsvOptions {
  /** Header of the client key column, compared case- and whitespace-insensitively. Default "Client ID". */
  keyColumn?: string;
  /** Issues kept (the first ones, in file order); every count stays exact. Default 1000. */
  maxIssues?: number;
  /** Whether the result carries the valid rows' assignments. Default true; false saves memory. */
  assignments?: boolean;
  /** Whether an empty tracking cell clears the option like "None". Default true; false leaves the client's option as it is. */
  emptyClears?: boolean;
}

/** How far a streaming validation has got. */
export interface TrackingCsvProgress {
  /** Bytes pushed so far. */
  bytes: number;
  /** Complete data rows read so far (not the header, not blank rows). */
  rowsRead: number;
  /** Rows read so far that will fail. */
  rowsFailing: number;
}

export interface TrackingCsvColumn {
  /** 1-based column number. */
  column: number;
  /** The header as written in the file. */
  header: string;
}

export interface TrackingCsvTrackingColumn extends TrackingCsvColumn {
  /** The Xero category the column sets; null when the organisation has no such ACTIVE category. */
  category: string | null;
}

/** Client key → category name → option name; "" = "None" (clear). Categories left empty are absent. */
export type TrackingCsvAssignments = Record<string, Record<string, string>>;

export interface TrackingCsvResult {
  /** Bytes read, including a byte order mark. */
  bytes: number;
  rowsRead: number;
  rowsValid: number;
  rowsFailing: number;
  /** Where the required columns are; null when the header is unusable (every row then fails). */
  columns: { key: TrackingCsvColumn; tracking: [TrackingCsvTrackingColumn, TrackingCsvTrackingColumn] } | null;
  /** The first `maxIssues` issues, in file order, each with `row` and (mostly) `column`. */
  issues: Issue[];
  issueCount: number;
  issuesTruncated: boolean;
  /** Exact count per issue code. */
  issueCounts: Record<string, number>;
  /** The valid rows' assignments in the shape of settings.tracking.clients (absent with `assignments: false`). */
  assignments?: TrackingCsvAssignments;
}

/** Validates a tracking-options CSV pushed in chunks (e.g. from `File.stream()`). */
export class TrackingCsvValidator {
  /**
   * `snapshot` as for `Exporter` (only the tracking categories are used). Throws XeroExportError
   * (INVALID_SNAPSHOT / INVALID_INPUT) when a shape does not fit at all.
   */
  constructor(snapshot: Snapshot | string, options?: TrackingCsvOptions | string);
  /** The next chunk; it may end anywhere (inside a row, a quoted field or a UTF-8 character). */
  push(chunk: string | Uint8Array | ArrayBuffer): void;
  /** How far it got. */
  readonly progress: TrackingCsvProgress;
  /** Reads the last row and returns the result; the validator cannot be used afterwards. */
  finish(): TrackingCsvResult;
  /** Like `finish`, as JSON text (much faster than objects for hundreds of thousands of assignments). */
  finishJson(): string;
  /** Releases the wasm memory now (otherwise when garbage-collected). */
  free(): void;
}

/** Validates a whole tracking-options CSV in one call (small files; stream large ones). */
export function validateTrackingCsv(
  snapshot: Snapshot | string,
  csv: string | Uint8Array | ArrayBuffer,
  options?: TrackingCsvOptions | string,
): TrackingCsvResult;

export interface TrackingCsvExportOptions {
  /** Header of the client key column, written first. Default "Client ID". */
  keyColumn?: string;
  /** Column order (default: key, the rows' other properties in first-seen order, then the two tracking columns). */
  columns?: string[];
  /** Start with a UTF-8 byte order mark (Excel then reads accents right). Default false. */
  bom?: boolean;
  /** Default "crlf" (RFC 4180). */
  lineEnding?: 'crlf' | 'lf';
}

/**
 * Writes the client CSV with "Xero Tracking Category 1" and "Xero Tracking Category 2" last.
 * Cells starting with = + - @ tab or CR (except plain numbers) get a leading ' so a spreadsheet
 * never runs them; cells are quoted as needed. Throws INVALID_INPUT for NaN/Infinity or objects.
 */
export function exportTrackingCsv(
  rows: Array<Record<string, string | number | boolean | null | undefined>> | string,
  options?: TrackingCsvExportOptions | string,
): string;

// --- Sending plan and reconciliation ---

export interface PlanOptions {
  /** The organisation's xero-tenant-id (also part of every Idempotency-Key). */
  tenantId: string;
  /** Documents per request, 1-50 (default 50). */
  maxDocuments?: number;
  /** Bytes per request body, 1024-3,500,000 (default 3,500,000). */
  maxBytes?: number;
  /** Requests in flight at once, 1-5 (default 5). */
  maxConcurrent?: number;
  /** Unanswered sends (5xx, timeout, lost) before a document is left `uncertain` (default 8). */
  maxAttempts?: number;
  /** First delay after a 5xx or lost answer, doubled per failure up to a minute (default 1000 ms). */
  backoffMs?: number;
}

/** One HTTP request for the host to perform: `fetch(baseUrl + url, {method, headers: {...headers, Authorization}, body})`. */
export interface SendRequest {
  /** Hand it back with the answer: `run.handle(id, ...)` / `run.lost(id)`. */
  id: string;
  purpose: 'contacts' | 'documents' | 'lookup' | 'allocation';
  method: 'GET' | 'PUT' | 'POST';
  /** Below https://api.xero.com/api.xro/2.0, e.g. `/Invoices`. */
  path: string;
  query: Record<string, string>;
  /** `path?query`, percent-encoded. */
  url: string;
  /** Accept, xero-tenant-id, and for writes Content-Type and Idempotency-Key. */
  headers: Record<string, string>;
  /** JSON text (writes only). */
  body?: string;
  /** Source invoice ids this request is about. */
  documents: string[];
  /** Keys of the contacts it creates or looks up. */
  contacts?: string[];
  idempotencyKey?: string;
  /** 1 for the first send of this content, 2 for the first retry... */
  attempt: number;
}

/** Xero's answer as the host received it. `body`: the text, or parsed JSON. */
export interface SendResponse {
  status: number;
  headers?: Record<string, string | number | string[]> | Headers | Map<string, string>;
  body?: string | Record<string, unknown> | unknown[] | null;
}

export type OutcomeStatus = 'pending' | 'exported' | 'failed' | 'retry' | 'uncertain' | 'blocked';
export type RateLimit = 'minute' | 'day' | 'concurrent' | 'app' | 'unknown';

export interface Allocation {
  status: 'pending' | 'allocated' | 'skipped' | 'failed' | 'uncertain';
  invoiceNumber: string;
  invoiceId?: string;
  amount?: string;
  date?: string;
}

/** One outcome per source invoice. */
export interface Outcome {
  index: number;
  sourceId: string;
  number?: string;
  kind: 'ACCREC' | 'ACCPAY' | 'ACCRECCREDIT' | 'ACCPAYCREDIT';
  status: OutcomeStatus;
  /** InvoiceID / CreditNoteID. */
  xeroId?: string;
  xeroNumber?: string;
  xeroStatus?: string;
  /** Xero's totals. */
  totals?: Totals;
  /** AmountDue (invoices) or RemainingCredit (credit notes). */
  amountDue?: string;
  /** retry: seconds Xero asked to wait, the host time (ms) it is sent again, the limit hit. */
  retryAfter?: number;
  retryAt?: number;
  limit?: RateLimit;
  /** uncertain: the GET whose answer decides (the run sends it itself). */
  lookup?: SendRequest;
  allocation?: Allocation;
  requestId?: string;
  attempts: number;
  issues: Issue[];
}

/** One row of the export log: a document (or a contact) in one request. */
export interface LogRow {
  seq: number;
  requestId: string;
  purpose: SendRequest['purpose'];
  sourceId?: string;
  contactKey?: string;
  number?: string;
  payerName?: string;
  kind: 'ACCREC' | 'ACCPAY' | 'ACCRECCREDIT' | 'ACCPAYCREDIT' | 'CONTACT';
  method: string;
  url: string;
  idempotencyKey?: string;
  /** Host times (ms). */
  sentAt: number;
  finishedAt?: number;
  status: Exclude<OutcomeStatus, 'blocked'>;
  httpStatus?: number;
  xeroId?: string;
  xeroNumber?: string;
  messages: string[];
}

export interface RunSummary {
  documents: number; pending: number; exported: number; failed: number; retry: number;
  uncertain: number; blocked: number; requests: number; inFlight: number;
}

/** A sending run (sans-IO): `next` gives requests, the host performs them, `handle`/`lost` take the answers. */
export class SendRun {
  private constructor();
  /** The requests ready at host time `now` (Date.now()): contacts first, at most maxConcurrent in flight. */
  next(now: number): SendRequest[];
  /** Xero's answer to a request; returns the outcomes it changed. Throws XeroExportError (INVALID_STATE) for an unknown or already answered id. */
  handle(requestId: string, response: SendResponse, now: number): Outcome[];
  /** No answer (timeout, dropped connection); returns the outcomes it changed. */
  lost(requestId: string, now: number): Outcome[];
  /** One per source invoice, in input order. */
  outcomes(): Outcome[];
  log(): LogRow[];
  summary(): RunSummary;
  /** Nothing in flight and nothing left to send (or stopped). */
  readonly done: boolean;
  /** Host time (ms) from which `next` has something, or null when nothing waits. */
  readonly wakeAt: number | null;
  /** The 401/403 problem that stopped the run, or null. */
  readonly stopped: Issue | null;
  /** Continue after reconnecting. */
  resume(): void;
  free(): void;
}

export interface Exporter {
  /** Previews the invoices and plans sending them. Throws XeroExportError (INVALID_INPUT) for options beyond Xero's limits. */
  plan(invoices: SourceInvoice[] | string, options: PlanOptions | string): SendRun;
}
