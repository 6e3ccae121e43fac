// Types of the xero-export public API: the functions and classes, kept by hand. The data types
// they take and return are generated from the Rust types into types.d.ts (src/ts_types.rs, checked
// by `cargo test`) and re-exported here. scripts/build.sh ships this file as index.d.mts (ESM)
// and index.d.cts (CommonJS), each importing its own copy of types.d.ts.

import type {
  ErrorCode, Issue, LineInput, LineResult, Settings, SourceInvoice, PreviewOptions, Preview,
  TimesheetInput, TrackingCsvOptions, TrackingCsvProgress, TrackingCsvResult,
  TrackingCsvExportOptions, PlanOptions, SendRequest, Outcome, LogRow, RunSummary,
  ExportedDocument, SyncOptions, SyncChange, SyncLogRow, SyncSummary,
  CancelInput, PaymentInput, CancelOutcome, PaymentOutcome,
  Choices, ContactHit, StaleMapping,
} from './types.js';
import type { ContactImport, Payer, PersonOutcome } from './types.js';
import type { ResumeOptions } from './types.js';

export * from './types.js';

/** Thrown only for misuse: input that does not fit the documented types. */
export interface XeroExportError extends Error {
  name: 'XeroExportError';
  code: ErrorCode;
  details: { argument: string };
}

/** Browsers: instantiate the module once; later calls reuse it. A no-op in Node. */
export default function init(moduleOrPath?: unknown): Promise<void>;
export function init(moduleOrPath?: unknown): Promise<void>;

/** The library version. */
export function version(): string;

/** The line amount Xero computes for one line, as exact strings. Accepts an object or its JSON text. */
export function lineAmount(line: LineInput | string): LineResult;

// --- Export preview: snapshot, settings, invoices ---

/**
 * One Xero GET body as the host received it (PascalCase), or xero-node's `response.body`
 * (camelCase: its model classes, hence `object`), or just its array.
 */
export type XeroBody = object;

/** The organisation's Xero data. Each part is optional (`null` is left out); what is missing is reported in `issues`. */
export interface Snapshot {
  organisation?: XeroBody | null;
  accounts?: XeroBody | null;
  taxRates?: XeroBody | null;
  /** GET /TrackingCategories?includeArchived=true */
  trackingCategories?: XeroBody | null;
  /** GET /Contacts?includeArchived=true: one body, its contacts, or its pages (`[page1, page2]`) */
  contacts?: XeroBody | XeroBody[] | null;
  items?: XeroBody | null;
  currencies?: XeroBody | null;
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

/** A planned request as xero-node's AccountingApi call (method name and positional arguments). */
export interface XeroNodeCall {
  method: string;
  args: unknown[];
}

/**
 * A request planned by a `SendRun` or `SyncRun` (contacts, documents, updates, cancels,
 * payments, allocations, lookups, status reads) as the xero-node call that sends it: the method
 * of `xero.accountingApi` and its positional arguments (tenant, models via `toXeroNode`,
 * summarizeErrors, unitdp, Idempotency-Key, filters, If-Modified-Since as a Date). Throws
 * XeroExportError (INVALID_INPUT) for a request xero-node cannot send exactly (a query key its
 * method does not take): send that one with fetch.
 *
 * ```js
 * const { method, args } = toXeroNodeCall(r);
 * let answer;
 * try { answer = fromXeroNode(await xero.accountingApi[method](...args)); } catch (e) { answer = fromXeroNode(e); }
 * if (answer) run.handle(r.id, answer, Date.now()); else run.lost(r.id, Date.now());
 * ```
 */
export function toXeroNodeCall(request: SendRequest): XeroNodeCall;

/**
 * What a xero-node call resolved with (`{response, body}`) or rejected with (its JSON text, or
 * the parsed object) as the `{status, headers, body}` a run's `handle` takes: Xero's wire JSON
 * (`response.data`), not xero-node's models. `null` when no HTTP answer came (timeout, reset):
 * call `run.lost` then.
 */
export function fromXeroNode(outcome: unknown): SendResponse | null;

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

// ---- Issue 20: the preview kept in wasm memory, read part by part ----

/** JSON text of an array of invoices as UTF-8 bytes (a Node Buffer, a database's or an HTTP body's bytes). */
export type InvoicesBytes = Uint8Array | ArrayBuffer;

/** One document of a Preview. */
export type PreviewDocument = Preview['documents'][number];

/** A document without its lines, issues and body (`PreviewResults.document(i)`). */
export type DocumentSummary = Omit<PreviewDocument, 'lines' | 'issues' | 'body'>;

/** The batch's part of a preview: contacts and items to create, the snapshot's and settings' issues, the counts. */
export interface PreviewBatch {
  contacts: Preview['contacts'];
  /** Items to create (`settings.items.create: 'missing'`); left out when none. */
  items?: Preview['items'];
  issues: Issue[];
  summary: Preview['summary'];
}

/** A preview kept in wasm memory: each part is copied out only when read. Throws XeroExportError INVALID_INPUT for an index out of range, USED_AFTER_FREE after free(). */
export class PreviewResults {
  private constructor();
  /** Documents held. */
  readonly length: number;
  /** The batch index of the first document (0 unless a later chunk of a PreviewSession). */
  readonly firstIndex: number;
  /** Contacts and items to create, issues and counts of the batch so far. */
  batch(): PreviewBatch;
  /**
   * Documents `start` (default 0) to `end` (excluded; default `length`) whole, as
   * `Exporter.preview`'s `documents` are, in one call: what a preview page reads per page of
   * rows. Throws INVALID_INPUT unless 0 <= start <= end <= length (whole numbers).
   */
  documents(start?: number, end?: number): PreviewDocument[];
  /** Document `i` (0-based in these results) without its lines, issues and body. */
  document(i: number): DocumentSummary;
  /** Document `i`'s display lines (`[]` when previewed with `lines: false`). */
  lines(i: number): PreviewDocument['lines'];
  /** Document `i`'s issues. */
  issues(i: number): Issue[];
  /** Document `i`'s request body, or null (its contact is to be created, or `bodies: false`). */
  body(i: number): string | null;
  /** The same body as UTF-8 bytes, a `fetch` body as is. */
  bodyBytes(i: number): Uint8Array | null;
  /** Everything, as `Exporter.preview` returns it. */
  toPreview(): Preview;
  free(): void;
}

/** A batch previewed in chunks: contacts planned and ids checked across chunks, memory bounded by the chunks kept. */
export class PreviewSession {
  private constructor();
  /** The next chunk's results; a chunk that cannot be read throws and changes nothing. */
  push(invoices: SourceInvoice[] | string | InvoicesBytes): PreviewResults;
  /** Invoices previewed so far. */
  readonly documents: number;
  free(): void;
}

export interface Exporter {
  /** The preview kept in wasm memory, read part by part (bodies-only callers never pay for display data). */
  previewResults(invoices: SourceInvoice[] | string | InvoicesBytes, options?: PreviewOptions): PreviewResults;
  /** A batch previewed in chunks, each `session.push(chunk)`. */
  previewSession(options?: PreviewOptions): PreviewSession;
  preview(invoices: InvoicesBytes, options?: PreviewOptions): Preview;
  previewJson(invoices: InvoicesBytes, options?: PreviewOptions): string;
}

/** Time entries → a source invoice (one line per project or member and rate; hours summed, 2 dp). */
export function timesheetInvoice(input: TimesheetInput | string): SourceInvoice;

// --- Tracking-options CSV ---

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

/** Xero's answer as the host received it. `body`: the text, or parsed JSON. */
export interface SendResponse {
  status: number;
  headers?: Record<string, string | number | string[]> | Headers | Map<string, string>;
  body?: string | Record<string, unknown> | unknown[] | null;
}

/**
 * What one run does: documents to create or update, exported documents to void or delete
 * (`cancels`), payments to record (`payments`), people to sync as contacts (`people`).
 * Unknown keys are errors.
 */
export interface PlanWork {
  invoices?: SourceInvoice[];
  cancels?: CancelInput[];
  payments?: PaymentInput[];
  /** The host's people to create or update as Xero contacts (see `syncContacts`). */
  people?: Payer[];
}

/** A sending run (sans-IO): `next` gives requests, the host performs them, `handle`/`lost` take the answers. */
export class SendRun {
  private constructor();
  /** The requests ready at host time `now` (Date.now()): contacts first, at most maxConcurrent in flight. */
  next(now: number): SendRequest[];
  /** Xero's answer to a request; returns the outcomes it changed. Throws XeroExportError (INVALID_STATE) for an unknown or already answered id, INVALID_INPUT for a key of `response` other than status, headers and body. */
  handle(requestId: string, response: SendResponse, now: number): Outcome[];
  /** No answer (timeout, dropped connection); returns the outcomes it changed. */
  lost(requestId: string, now: number): Outcome[];
  /** One per source invoice, in input order. */
  outcomes(): Outcome[];
  /** One per cancel of `plan({cancels})`, in input order. */
  cancels(): CancelOutcome[];
  /** One per payment of `plan({payments})`, in input order. */
  payments(): PaymentOutcome[];
  /** One per person of `plan({people})` / `syncContacts`, in input order. */
  people(): PersonOutcome[];
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
  /** The run's state: versioned, self-describing JSON text for `exporter.resume(state, work)`. */
  save(): string;
  /** The state's entries since `sinceSeq` (a former `seq`): JSON text to append to storage. */
  changes(sinceSeq: number): string;
  /** How many entries the state holds: pass it to `changes` next time. */
  readonly seq: number;
  free(): void;
}


export interface Exporter {
  /** Previews the invoices and plans sending them. Throws XeroExportError (INVALID_INPUT) for options beyond Xero's limits. */
  plan(invoices: SourceInvoice[] | PlanWork | string, options: PlanOptions | string): SendRun;
  /** The run `state` (`run.save()`: its text, parsed object, or bytes as a file or store gives them back) was saved from, continued with the same work; requests in flight at save time are treated as lost (looked up, never resent blindly). Throws XeroExportError STATE_CORRUPT, STATE_FOREIGN or STATE_VERSION, changing nothing. */
  resume(state: string | object | Uint8Array | ArrayBuffer, work: SourceInvoice[] | PlanWork | string, options?: ResumeOptions): SendRun;
}

// ---- The status sync (issue 16, item 4) ----

/** A status sync (sans-IO), driven like a SendRun: `next` gives GETs, `handle`/`lost` take the answers. */
export class SyncRun {
  /** Throws XeroExportError (INVALID_INPUT) for options beyond Xero's limits or an unknown option. */
  constructor(exported: ExportedDocument[] | string, options: SyncOptions | string);
  /** The GETs ready at host time `now` (Date.now()), at most maxConcurrent in flight. */
  next(now: number): SendRequest[];
  /** Xero's answer to a GET; returns the changes it completed. Throws XeroExportError (INVALID_STATE) for an unknown or already answered id. */
  handle(requestId: string, response: SendResponse, now: number): SyncChange[];
  /** No answer (timeout, dropped connection): the GET is sent again later. */
  lost(requestId: string, now: number): SyncChange[];
  /** One per document that changed (paid, voided, deleted, not found, amounts), in input order. */
  changes(): SyncChange[];
  /** Input problems (unknown keys, bad ids), documents not read (SYNC_READ_FAILED), the stop. */
  issues(): Issue[];
  log(): SyncLogRow[];
  summary(): SyncSummary;
  readonly done: boolean;
  readonly wakeAt: number | null;
  readonly stopped: Issue | null;
  /** Xero's time of the earliest answer (`YYYY-MM-DDThh:mm:ssZ`): the next sync's `since` (the given `since` while a document is unread). */
  readonly syncedAt: string | null;
  resume(): void;
  free(): void;
}

/** `new SyncRun(exported, options)`. */
export function sync(exported: ExportedDocument[] | string, options: SyncOptions | string): SyncRun;

// ---- The configuration screen (issue 22) ----

export interface Exporter {
  /** What each setting may take, in Xero's order (accounts, tax rates per class, tracking 1 and 2, currencies, terms, items), and `notOffered`: what is left out and why. */
  choices(): Choices;
  /**
   * Contacts matching `query` (name, email, contact or account number, ContactID) as the export
   * matches them, best first; near misses (accents, punctuation, suffixes) last, flagged.
   * `limit`: 1 to 500, default 20. Throws XeroExportError (INVALID_INPUT) for another limit.
   */
  searchContacts(query: string, options?: { limit?: number }): ContactHit[];
  /**
   * Settings mappings that no longer resolve against this snapshot (errors), and those that
   * still resolve by ID or code but whose name changed (warnings). `previousSnapshot`: the
   * snapshot the settings were made with, so renames are told from deletions.
   */
  staleMappings(previousSnapshot?: Snapshot | string | null): StaleMapping[];
  /**
   * Xero's contacts read into the host's people (issue 19): `pages` are GET /Contacts bodies
   * (an array of pages, one body, or arrays of contacts; raw PascalCase or xero-node camelCase;
   * a ContactID seen twice is one contact, its newer copy kept (by UpdatedDateUTC, else the later)); `people` the host's persons in
   * the payer shape. Per contact: `matched` (with `person`, `matchedBy`, `differs`), `new`, or
   * `ambiguous` (`candidates`), Xero's IsSupplier/IsCustomer/ContactStatus kept, and `fields`:
   * the contact as a person. Throws XeroExportError (INVALID_INPUT / INVALID_JSON) for input of
   * the wrong shape.
   */
  importContacts(pages: unknown[] | object | string, people?: Payer[] | string | null): ContactImport;
  /** `plan({people}, options)`: the host's people created or updated as Xero contacts
   * (matched like payers; only changed fields the host gave are sent). Outcomes: `run.people()`. */
  syncContacts(people: Payer[], options: PlanOptions): SendRun;
}
