// Types of `xero-export/csv`, the tracking-options CSV entry: the same declarations as the full
// entry's (index.d.ts), re-exported, since the functions are the same (pkg-template/api.js,
// makeCsvApi). scripts/build-csv.sh ships this file as csv/index.d.mts and csv/index.d.cts.

export { version, TrackingCsvValidator, validateTrackingCsv, exportTrackingCsv } from '../index.js';

// Declared here rather than re-exported: a re-exported `default` reads to TypeScript (and attw)
// as an ES default export over a CommonJS file.
/** Browsers: instantiate the module once; later calls reuse it. A no-op in Node. */
export default function init(moduleOrPath?: unknown): Promise<void>;
export function init(moduleOrPath?: unknown): Promise<void>;
export type { XeroExportError, Snapshot } from '../index.js';
export type {
  ErrorCode, Issue, TrackingCsvOptions, TrackingCsvProgress, TrackingCsvResult,
  TrackingCsvExportOptions,
} from '../types.js';
