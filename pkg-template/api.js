// The public JS API over the wasm exports. scripts/build.sh wraps this file for each entry
// (CommonJS for Node, an ES module for browsers); it defines `makeApi(wasm)` only.
//
// Data crosses the boundary as JSON text: one JSON.stringify going in (invoices as UTF-8 bytes),
// one JSON.parse coming out (a preview's request bodies come after its JSON and are sliced off,
// not parsed). Measured on the preview workload this is faster than converting object by
// object, and it keeps one deserializer per type in the .wasm instead of two. The core reads
// numbers from their JSON text exactly (never through a float), so nothing is lost on the way.

function makeApi(wasm) {
  'use strict';

  function misuse(argument, message) {
    const e = new Error(`\`${argument}\` could not be read: ${message}`);
    e.name = 'XeroExportError';
    e.code = 'INVALID_INPUT';
    e.details = { argument };
    return e;
  }

  // NaN and ±Infinity would become `null` in JSON and look absent. Written as a marker object
  // they reach the core, which reports them (NUMBER_NOT_FINITE) where a number belongs and
  // rejects them as misuse anywhere else. Only re-encoded when `null` shows up.
  const nonFinite = (key, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $nonFinite: String(v) } : v);

  /** JSON text for an argument: a string is taken as JSON text already. */
  function encode(value, argument) {
    if (typeof value === 'string') return value;
    if (value === undefined) return 'null';
    let text;
    try {
      text = JSON.stringify(value);
      if (text !== undefined && text.includes('null')) text = JSON.stringify(value, nonFinite);
    } catch (err) {
      throw misuse(argument, err.message);
    }
    if (text === undefined) throw misuse(argument, `a ${typeof value} is not data`);
    return text;
  }

  const decode = JSON.parse;

  // Large arguments (invoices) cross as UTF-8 bytes: copying a Uint8Array into wasm memory is a
  // memory copy, while a JS string is copied character by character.
  const utf8 = new TextEncoder();
  const encodeBytes = (value, argument) => utf8.encode(encode(value, argument));

  /** fetch's Response-like `{status, headers, body}` with Headers (or a Map) made plain. */
  function plainResponse(response) {
    if (response === null || typeof response !== 'object') return response;
    const { headers } = response;
    if (headers && typeof headers === 'object' && typeof headers[Symbol.iterator] === 'function') {
      return { ...response, headers: Object.fromEntries(headers) };
    }
    return response;
  }

  /** The sending run returned by `exporter.plan`: see the README's "Sending and reconciling". */
  class SendRun {
    #inner;
    constructor(inner) {
      this.#inner = inner;
    }
    /** Requests to send now (`now` = Date.now()). */
    next(now) {
      return decode(this.#inner.next(now));
    }
    /** Xero's answer `{status, headers, body}` to request `requestId`; returns changed outcomes. */
    handle(requestId, response, now) {
      return decode(this.#inner.handle(requestId, encode(plainResponse(response), 'response'), now));
    }
    /** Request `requestId` got no answer (timeout, dropped connection); returns changed outcomes. */
    lost(requestId, now) {
      return decode(this.#inner.lost(requestId, now));
    }
    /** One outcome per source invoice, in input order. */
    outcomes() {
      return decode(this.#inner.outcomes());
    }
    /** The export log: a row per document (or contact) per request. */
    log() {
      return decode(this.#inner.log());
    }
    /** Counts of outcomes and requests. */
    summary() {
      return decode(this.#inner.summary());
    }
    /** Nothing in flight and nothing left to send (or stopped). */
    get done() {
      return this.#inner.done;
    }
    /** Host time (ms) from which `next` has something to send, or null. */
    get wakeAt() {
      return decode(this.#inner.wakeAt);
    }
    /** The auth problem (401/403) that stopped the run, or null. */
    get stopped() {
      return decode(this.#inner.stopped);
    }
    /** Continue after a 401/403 once the host has a valid token again. */
    resume() {
      this.#inner.resume();
    }
    /** Releases the wasm memory now (otherwise when garbage-collected). */
    free() {
      this.#inner.free();
    }
  }

  /** A parsed snapshot and settings; previews (and plans) any number of invoices. */
  class Exporter {
    #inner;
    constructor(snapshot, settings) {
      this.#inner = new wasm.Exporter(encode(snapshot, 'snapshot'), encode(settings ?? null, 'settings'));
    }
    /** Problems of the snapshot and settings. */
    get issues() {
      return decode(this.#inner.issues);
    }
    /** `{documents, contacts, issues, summary}`; options `{lines?, bodies?}`. */
    preview(invoices, options) {
      // Each document's request body followed by a NUL, then the JSON (see the binding): the
      // bodies are taken as slices of the text instead of being escaped and parsed again.
      const parts = this.#inner.preview(encodeBytes(invoices, 'invoices'), encode(options ?? null, 'options')).split('\0');
      const preview = decode(parts[parts.length - 1]);
      const { documents } = preview;
      for (let i = 0; i < documents.length; i++) documents[i].body = parts[i] || null;
      return preview;
    }
    /** The preview as one JSON text, bodies included as strings. */
    previewJson(invoices, options) {
      return this.#inner.previewJson(encodeBytes(invoices, 'invoices'), encode(options ?? null, 'options'));
    }
    /** The sending run for these invoices; options `{tenantId, maxDocuments?, maxBytes?, ...}`. */
    plan(invoices, options) {
      return new SendRun(this.#inner.plan(encodeBytes(invoices, 'invoices'), encode(options ?? null, 'options')));
    }
    /** Releases the wasm memory now (otherwise when garbage-collected). */
    free() {
      this.#inner.free();
    }
  }

  /** Validates a tracking-options CSV pushed in chunks (strings or bytes, split anywhere). */
  class TrackingCsvValidator {
    #inner;
    constructor(snapshot, options) {
      this.#inner = new wasm.TrackingCsvValidator(encode(snapshot, 'snapshot'), encode(options ?? null, 'options'));
    }
    /** The next chunk: a string, Uint8Array (Node Buffers too) or ArrayBuffer. */
    push(chunk) {
      this.#inner.push(chunk);
    }
    /** `{bytes, rowsRead, rowsFailing}` so far. */
    get progress() {
      return decode(this.#inner.progress);
    }
    /** Reads the last row and returns the result; the validator cannot be used afterwards. */
    finish() {
      return decode(this.#inner.finish());
    }
    /** Like `finish`, as JSON text. */
    finishJson() {
      return this.#inner.finish();
    }
    /** Releases the wasm memory now (otherwise when garbage-collected). */
    free() {
      this.#inner.free();
    }
  }

  // xero-node's models are camelCase: its serializer reads `data[name]` for each attribute of
  // the model and drops every other key, so a PascalCase body passed to `createInvoices` is
  // sent as `{}`. Every key of our bodies is the model's attribute name with its first letter
  // upper-cased (tests/js/xero-node.test.mjs checks this with the SDK's own serializer over
  // every golden body and every planned request), so the mapping is that rule, recursively.
  function camelCase(value) {
    if (Array.isArray(value)) return value.map(camelCase);
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const key of Object.keys(value)) out[key.charAt(0).toLowerCase() + key.slice(1)] = camelCase(value[key]);
    return out;
  }

  /** A request body (JSON text or parsed) as xero-node's model objects, e.g. for
   *  `xero.accountingApi.createInvoices(tenantId, toXeroNode(doc.body), false, unitdp, key)`. */
  function toXeroNode(body) {
    let value = body;
    if (typeof body === 'string') {
      try {
        value = JSON.parse(body);
      } catch (err) {
        throw misuse('body', err.message);
      }
      // A JS number holds 15 significant digits exactly; a longer amount would be changed by
      // xero-node's number-typed models. Strings are skipped whole, so only numbers are read.
      for (const [token, mantissa] of body.matchAll(/"(?:[^"\\]|\\.)*"|(-?[0-9]+(?:\.[0-9]+)?)(?:[eE][-+]?[0-9]+)?/g)) {
        if (mantissa === undefined) continue; // a string
        const digits = mantissa.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
        if (digits.length > 15 || !Number.isFinite(Number(token)) || (Number(token) === 0 && digits.length > 0)) {
          throw misuse('body', `the number ${token} cannot be held exactly by a JS number (more than 15 significant digits, or out of range), as xero-node's models would need; send this body with fetch instead`);
        }
      }
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw misuse('body', 'expected a request body such as {"Invoices": [...]}');
    }
    return camelCase(value);
  }

  return {
    version: () => wasm.version(),
    toXeroNode,
    lineAmount: (line) => decode(wasm.lineAmount(encode(line, 'line'))),
    timesheetInvoice: (input) => decode(wasm.timesheetInvoice(encode(input, 'timesheet'))),
    Exporter,
    SendRun,
    TrackingCsvValidator,
    validateTrackingCsv: (snapshot, csv, options) =>
      decode(wasm.validateTrackingCsv(encode(snapshot, 'snapshot'), csv, encode(options ?? null, 'options'))),
    exportTrackingCsv: (rows, options) => wasm.exportTrackingCsv(encode(rows, 'rows'), encode(options ?? null, 'options')),
  };
}
