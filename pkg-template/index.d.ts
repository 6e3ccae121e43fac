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
