// The public JS API over the wasm exports. scripts/build.sh wraps this file for each entry
// (CommonJS for Node, an ES module for browsers); it defines `makeApi(engine)` only.
//
// Data crosses the boundary as text: one JSON.stringify going in (invoices as UTF-8 bytes), and
// coming out JSON or, for a preview's documents, the flat form (values between NULs, read by
// flatReader; the request bodies are sliced off, not parsed). Measured on the preview workload
// this is faster than converting object by object, and it keeps one deserializer per type in
// the .wasm instead of two. The core reads numbers from their JSON text exactly (never through
// a float), so nothing is lost on the way.
//
// Nothing but a XeroExportError leaves this API. Arguments are checked here before they reach
// wasm-bindgen's glue (whose own checks throw TypeErrors or trap), objects refuse use after
// free(), and a trap (a bug in the core: a panic or a stack overflow) is caught at the boundary:
// it is reported as code INTERNAL and the instance is replaced, because a trapped instance
// leaks its shadow stack and soon fails every call. Objects made before that throw
// INSTANCE_RESET; everything made afterwards works.

function makeApi(engine) {
  'use strict';

  function xeroError(code, argument, message) {
    const e = new Error(message);
    e.name = 'XeroExportError';
    e.code = code;
    e.details = { argument };
    return e;
  }

  function misuse(argument, message) {
    return xeroError('INVALID_INPUT', argument, `\`${argument}\` could not be read: ${message}`);
  }

  // A caller's value is read only through these where it may be a Proxy (a revoked one throws
  // on every look) or have getters that throw: what it throws is misuse of that argument, never
  // a TypeError or the getter's own Error out of this API.
  const isArray = (v) => {
    try {
      return Array.isArray(v);
    } catch {
      return false; // a revoked Proxy: no array the API can read (encode says so)
    }
  };
  const isA = (v, type) => {
    try {
      return v instanceof type;
    } catch {
      return false;
    }
  };
  /** `read()` of the caller's `argument`; what it throws, unless ours, becomes misuse. */
  function reading(argument, read) {
    try {
      return read();
    } catch (err) {
      if (isA(err, Error) && err.name === 'XeroExportError') throw err;
      throw misuse(argument, isA(err, Error) ? err.message : 'reading it threw');
    }
  }

  // ---- The instance, and surviving a trap --------------------------------------------------

  // engine.current(): the live glue (throws NOT_INITIALISED before init() in browsers);
  // engine.replace(): a fresh instance of the same compiled module, synchronously.
  let generation = 0;
  // The wasm objects of the live instance, so a trap can detach them: their finalizers would
  // otherwise free memory in the dead instance when they are collected.
  let live = new Set();

  const isTrap = (err) =>
    err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && /call stack/i.test(err.message));

  function afterTrap(err) {
    for (const ref of live) ref.deref()?.__destroy_into_raw?.();
    live = new Set();
    generation += 1;
    engine.replace();
    return xeroError('INTERNAL', 'wasm', `xero-export hit an internal error (${err.message}); the module was reset and later calls work, but objects made before this throw INSTANCE_RESET. Please report it with the input that caused it.`);
  }

  /** Runs `fn(glue)`; a trap becomes INTERNAL and a fresh instance. */
  function guarded(fn) {
    const glue = engine.current();
    if (glue === undefined) {
      throw xeroError('NOT_INITIALISED', 'init', 'xero-export is not loaded yet: call (and await) init() once before anything else.');
    }
    try {
      return fn(glue);
    } catch (err) {
      if (isTrap(err)) throw afterTrap(err);
      throw err;
    }
  }

  /** A wasm object made through `guarded`, tracked so a trap can detach it. */
  function adopt(inner) {
    const ref = new WeakRef(inner);
    live.add(ref);
    return { inner, ref, generation };
  }

  /** The wasm object behind a wrapper, checked: not freed, not from a replaced instance. */
  function use(handle, what) {
    if (handle.inner === null) {
      throw xeroError('USED_AFTER_FREE', what, `This ${what} was freed (free() was called); make a new one.`);
    }
    if (handle.generation !== generation) {
      throw xeroError('INSTANCE_RESET', what, `This ${what} was made before an internal error reset the module; make a new one.`);
    }
    return handle.inner;
  }

  /** Calls `fn(inner)` on a wrapper's wasm object, guarded. */
  function call(handle, what, fn) {
    const inner = use(handle, what);
    return guarded(() => fn(inner));
  }

  function release(handle) {
    if (handle.inner === null) return;
    if (handle.generation === generation) {
      live.delete(handle.ref);
      guarded(() => handle.inner.free());
    }
    handle.inner = null;
  }

  // ---- Arguments ---------------------------------------------------------------------------

  // NaN and ±Infinity would become `null` in JSON and look absent. Written as a marker object
  // they reach the core, which reports them (NUMBER_NOT_FINITE) where a number belongs and
  // rejects them as misuse anywhere else. Only re-encoded when `null` shows up.
  const nonFinite = (key, v) => (typeof v === 'number' && !Number.isFinite(v) ? { $nonFinite: String(v) } : v);

  // Whether JSON.stringify's text may hold a `null` value: alone, or after `:`, `[` or `,` (it
  // writes no spaces). A string that only holds such text costs a second stringify, nothing
  // more. Scanning for the character before is 0.2 µs on a bench invoice where
  // `includes('null')`, stopping at every `n` of the keys and text, is 0.5 (Node 20).
  const NULL_VALUE = /[:,[]null/;
  const mayHoldNull = (text) => text === 'null' || NULL_VALUE.test(text);

  // A lone surrogate (half of an emoji cut by a truncation) is valid in a JS string but not
  // in JSON text the core can read: JSON.stringify writes it as an escape (lower-case, the only
  // \ud escapes it writes), and the whole call would fail. Such text, a value or a key, is
  // written with U+FFFD instead: the core reports the value as TEXT_INVALID on the one field
  // that held it, and the key as a key it does not know.
  const wellFormed = (key, v) => {
    if (typeof v === 'string') return v.toWellFormed();
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).some((k) => !k.isWellFormed())) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toWellFormed(), x]));
    }
    return nonFinite(key, v);
  };

  /** JSON text for an argument: a string is taken as JSON text already. */
  function encode(value, argument) {
    if (typeof value === 'string') return value;
    // No options (the usual call): 'null' without stringifying twice (its text holds 'null').
    if (value === undefined || value === null) return 'null';
    let text;
    try {
      text = JSON.stringify(value);
      if (text !== undefined && mayHoldNull(text)) text = JSON.stringify(value, nonFinite);
      if (text !== undefined && text.includes('\\ud')) text = JSON.stringify(value, wellFormed);
    } catch (err) {
      const why = err instanceof RangeError ? 'it is nested too deeply or too large' : err.message;
      throw misuse(argument, why);
    }
    if (text === undefined) throw misuse(argument, `a ${typeof value} is not data`);
    return text;
  }

  const decode = JSON.parse;

  // Large arguments (invoices) cross as UTF-8 bytes: copying a Uint8Array into wasm memory is a
  // memory copy, while a JS string is copied character by character. Encoding straight into
  // wasm memory (TextEncoder.encodeInto into a buffer Rust owns) was tried and measured: on
  // 10,000 invoices (~15 MB) it saves ~2.3 ms of a ~170 ms bodies-only previewResults and no
  // more, because the text's first full read (the `includes` checks in `encode`, which flatten
  // JSON.stringify's result) costs the same either way; not worth four more exports.
  const utf8 = new TextEncoder();
  // Small texts (one invoice, as a page previewing while the user edits sends it) are encoded
  // into one reused buffer: `TextEncoder.encode` allocates a new ArrayBuffer each call, ~1.5 µs
  // of a ~35 µs one-invoice preview (Node 20, process CPU time, bench workload). The glue
  // copies the bytes into wasm memory before the call runs, and no user code (a `toJSON`, a
  // getter) runs between this and that copy: every caller encodes its other arguments first.
  const SCRATCH = 1 << 16;
  let scratch;
  function encodeBytes(value, argument) {
    const text = encode(value, argument);
    // encodeInto writes at most 3 bytes per UTF-16 unit.
    if (text.length > SCRATCH / 3) return utf8.encode(text);
    scratch ??= new Uint8Array(SCRATCH);
    return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
  }

  // Host times are milliseconds since 1970 (Date.now()); JS dates end at ±8.64e15 ms, and a
  // time beyond that would leave a run waiting forever.
  const MAX_TIME = 8.64e15;
  function time(now, argument = 'now') {
    if (typeof now !== 'number' || !Number.isFinite(now) || Math.abs(now) > MAX_TIME) {
      throw misuse(argument, `expected the host's time in milliseconds (Date.now()), got ${describe(now)}`);
    }
    return now;
  }

  function requestId(id) {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      throw misuse('requestId', `expected the \`id\` of a request returned by next(), got ${describe(id)}`);
    }
    return id;
  }

  function describe(value) {
    if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
    if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`;
    if (value === null) return 'null';
    if (isArray(value)) return 'an array';
    return `a ${typeof value}`;
  }

  /** The key of `known` that `key` is likely a misspelling of, or undefined. */
  function nearest(key, known) {
    const k = key.toLowerCase();
    const distance = (a, b) => {
      let row = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        row = next;
      }
      return row[b.length];
    };
    return known.find((w) => k.length <= 40 && (k.includes(w) || w.includes(k) || distance(k, w) <= 2));
  }

  const RESPONSE_KEYS = ['status', 'headers', 'body'];

  /** fetch's Response-like `{status, headers, body}` with Headers (or a Map) made plain. A key
   * it does not take (`header`, `Body`, `statusCode`) throws: the answer would be read without
   * it (a 429's Retry-After ignored, an exported invoice's body lost), and nothing is consumed,
   * so the host can hand the answer in again. */
  function plainResponseOf(response) {
    if (response === null || typeof response !== 'object' || isArray(response)) {
      throw misuse('response', `expected {status, headers?, body?}, got ${describe(response)}`);
    }
    let unknown;
    try {
      unknown = Object.keys(response).filter((k) => !RESPONSE_KEYS.includes(k));
    } catch (err) {
      throw misuse('response', err.message);
    }
    if (unknown.length > 0) {
      const cut = (k) => `response.${k.length > 40 ? `${k.slice(0, 40)}…` : k}`;
      const said = unknown.slice(0, 3).map((k) => {
        const shown = cut(k);
        const meant = nearest(k, RESPONSE_KEYS);
        return meant ? `\`${shown}\` is not a key it takes: did you mean \`${meant}\`?` : `\`${shown}\` is not a key it takes (it takes status, headers and body).`;
      });
      if (unknown.length > 3) said.push(`And ${unknown.length - 3} more.`);
      throw xeroError('INVALID_INPUT', cut(unknown[0]), `\`response\` could not be read: ${said.join(' ')} Nothing was done.`);
    }
    const { headers } = response;
    if (headers === undefined || headers === null) return response;
    if (typeof headers !== 'object' || isArray(headers)) {
      throw misuse('response.headers', `expected an object, Headers or a Map of header names to values, got ${describe(headers)}`);
    }
    if (typeof headers[Symbol.iterator] === 'function') {
      try {
        return { ...response, headers: Object.fromEntries(headers) };
      } catch (err) {
        throw misuse('response.headers', err.message);
      }
    }
    return response;
  }
  const plainResponse = (response) => reading('response', () => plainResponseOf(response));

  /** A saved state or a chunk of changes given as the bytes a file or a store gave back (a
   * Buffer, a Uint8Array, an ArrayBuffer) is its UTF-8 text; anything else is left as given. */
  function stateText(value, argument) {
    const bytes = bytesOf(value, argument);
    return bytes ? new TextDecoder().decode(bytes) : value;
  }

  /** Resume options with the appended `changes` texts parsed: a damaged one is a damaged state. */
  function resumeOptionsOf(options) {
    if (options === undefined || options === null) return null;
    if (typeof options !== 'object' || isArray(options)) {
      throw misuse('options', `expected {tenantId?, changes?}, got ${describe(options)}`);
    }
    if (!isArray(options.changes)) return options;
    const changes = options.changes.map((chunk, i) => {
      const c = stateText(chunk, `options.changes[${i}]`);
      if (typeof c !== 'string') return c;
      try {
        return JSON.parse(c);
      } catch {
        throw xeroError('STATE_CORRUPT', `options.changes[${i}]`, `The saved run state's options.changes[${i}] is not JSON; it may be truncated. Nothing was sent: resume from an intact copy.`);
      }
    });
    return { ...options, changes };
  }
  const resumeOptions = (options) => reading('options', () => resumeOptionsOf(options));

  /** An ArrayBuffer's bytes. A detached one (transferred to a worker, or read by a stream)
   * throws the engine's TypeError when viewed: viewed here, never inside a wasm call, where
   * that TypeError would unwind through Rust and leave the object it was passed to borrowed. */
  function bufferBytes(buffer, argument) {
    try {
      return new Uint8Array(buffer);
    } catch {
      throw misuse(argument, 'the ArrayBuffer is detached (transferred to a worker or a stream); pass it before transferring it, or a copy');
    }
  }

  /** The bytes of a Uint8Array (Node Buffers too) or an ArrayBuffer, else `undefined`. A view
   * over a detached buffer has no bytes left (it would read as empty text, or throw inside the
   * glue's copy into wasm memory): refused here as the ArrayBuffer itself is. */
  function bytesOf(value, argument) {
    if (isA(value, ArrayBuffer)) return bufferBytes(value, argument);
    if (!isA(value, Uint8Array)) return undefined;
    if (value.byteLength === 0) bufferBytes(value.buffer, argument);
    return value;
  }

  /** A CSV chunk or file: text, bytes (Node Buffers too) or an ArrayBuffer. */
  function csvInput(value, argument) {
    if (typeof value === 'string') return value;
    const bytes = bytesOf(value, argument);
    if (bytes) return bytes;
    throw misuse(argument, `expected text, a Uint8Array or an ArrayBuffer, got ${describe(value)}`);
  }

  /** `{limit?}` of searchContacts: a whole number from 1 to 500 (default 20); nothing else. */
  function searchLimitOf(options) {
    if (options === undefined || options === null) return 20;
    if (typeof options !== 'object' || isArray(options)) {
      throw misuse('options', `expected {limit?}, got ${describe(options)}`);
    }
    // A key it does not take, as every function's options say it: with its did-you-mean.
    const unknown = Object.keys(options).filter((key) => key !== 'limit');
    if (unknown.length > 0) {
      const at = (key) => `options.${key.length > 40 ? `${key.slice(0, 40)}…` : key}`;
      const said = unknown.slice(0, 3).map((key) => `\`${at(key)}\` is not a key it takes${nearest(key, ['limit']) ? ': did you mean `limit`?' : ' (it takes limit).'}`);
      if (unknown.length > 3) said.push(`And ${unknown.length - 3} more.`);
      throw xeroError('INVALID_INPUT', at(unknown[0]), `\`options\` could not be read: ${said.join(' ')} Nothing was done.`);
    }
    const { limit = 20 } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw misuse('options.limit', `expected a whole number from 1 to 500, got ${describe(limit)}`);
    }
    return limit;
  }
  const searchLimit = (options) => reading('options', () => searchLimitOf(options));

  // ---- The API -----------------------------------------------------------------------------

  // Each class's name and whether a value is one of its objects (a static block in each class
  // sets it: only code inside a class can ask for its private field).
  const receivers = new Map();

  /** Wraps every method and getter of the API's classes so that one called without its object
   * (`requests.forEach(run.lost)`, `const { next } = run`) throws `INVALID_INPUT` saying how to
   * call it, instead of the engine's TypeError on a private field of `undefined`. */
  function guardReceivers() {
    for (const [cls, { name, owns }] of receivers) {
      const proto = cls.prototype;
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key === 'constructor') continue;
        const d = Object.getOwnPropertyDescriptor(proto, key);
        const check = (self) => {
          if (self === null || typeof self !== 'object' || !owns(self)) {
            throw misuse(`${name}.${key}`, `called without its ${name}: call it on the object (x.${key}), or pass a bound one (x.${key}.bind(x))`);
          }
        };
        if (typeof d.value === 'function') {
          const method = d.value;
          d.value = { [key](...args) { check(this); return method.apply(this, args); } }[key];
        } else if (d.get) {
          const getter = d.get;
          d.get = function () { check(this); return getter.call(this); };
        }
        Object.defineProperty(proto, key, d);
      }
    }
  }

  /** The sending run returned by `exporter.plan`: see the README's "Sending and reconciling". */
  class SendRun {
    #h;
    static {
      receivers.set(this, { name: 'SendRun', owns: (o) => #h in o });
    }
    constructor(token, handle) {
      if (token !== made) throw misuse('SendRun', 'made by exporter.plan(), resume() or syncContacts(), not with new');
      this.#h = handle;
    }
    /** Requests to send now (`now` = Date.now()). */
    next(now) {
      const t = time(now);
      return decode(call(this.#h, 'SendRun', (r) => r.next(t)));
    }
    /** Xero's answer `{status, headers, body}` to request `requestId`; returns changed outcomes. */
    handle(requestId_, response, now) {
      const id = requestId(requestId_);
      const body = encode(plainResponse(response), 'response');
      const t = time(now);
      return decode(call(this.#h, 'SendRun', (r) => r.handle(id, body, t)));
    }
    /** Request `requestId` got no answer (timeout, dropped connection); returns changed outcomes. */
    lost(requestId_, now) {
      const id = requestId(requestId_);
      const t = time(now);
      return decode(call(this.#h, 'SendRun', (r) => r.lost(id, t)));
    }
    /** One outcome per source invoice, in input order. */
    outcomes() {
      return decode(call(this.#h, 'SendRun', (r) => r.outcomes()));
    }
    /** One outcome per cancel (`plan({cancels})`), in input order. */
    cancels() {
      return decode(call(this.#h, 'SendRun', (r) => r.cancels()));
    }
    /** One outcome per payment (`plan({payments})`), in input order. */
    payments() {
      return decode(call(this.#h, 'SendRun', (r) => r.payments()));
    }
    /** One outcome per person (`plan({people})`), in input order: created, updated,
     *  unchanged (nothing sent) or failed, with the ContactID. */
    people() {
      return decode(call(this.#h, 'SendRun', (r) => r.people()));
    }
    /** The export log: a row per document (or contact) per request. */
    log() {
      return decode(call(this.#h, 'SendRun', (r) => r.log()));
    }
    /** Counts of outcomes and requests. */
    summary() {
      return decode(call(this.#h, 'SendRun', (r) => r.summary()));
    }
    /** Nothing in flight and nothing left to send (or stopped). */
    get done() {
      return call(this.#h, 'SendRun', (r) => r.done);
    }
    /** Host time (ms) from which `next` has something to send, or null. */
    get wakeAt() {
      return decode(call(this.#h, 'SendRun', (r) => r.wakeAt));
    }
    /** The auth problem (401/403) that stopped the run, or null. */
    get stopped() {
      return decode(call(this.#h, 'SendRun', (r) => r.stopped));
    }
    /** Continue after a 401/403 once the host has a valid token again. */
    resume() {
      call(this.#h, 'SendRun', (r) => r.resume());
    }
    // ---- Durable runs (issue 17): see the README's "Running exports on a job queue" ----
    /** The run's state: versioned JSON text for `exporter.resume(state, work)`. */
    save() {
      return call(this.#h, 'SendRun', (r) => r.save());
    }
    /** The state's entries since `sinceSeq` (a former `seq`): JSON text to append to storage. */
    changes(sinceSeq) {
      if (!Number.isSafeInteger(sinceSeq) || sinceSeq < 0) {
        throw misuse('sinceSeq', `expected a former \`run.seq\`, got ${describe(sinceSeq)}`);
      }
      return call(this.#h, 'SendRun', (r) => r.changes(sinceSeq));
    }
    /** How many entries the state holds: pass it to `changes` next time. */
    get seq() {
      return call(this.#h, 'SendRun', (r) => r.seq);
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  // ---- The status sync (issue 16, item 4) -------------------------------------------------

  /** The status sync returned by `sync(exported, options)`: see the README's "Syncing statuses back". */
  class SyncRun {
    #h;
    static {
      receivers.set(this, { name: 'SyncRun', owns: (o) => #h in o });
    }
    constructor(exported, options) {
      const o = encode(options ?? null, 'options');
      const bytes = encodeBytes(exported, 'exported');
      this.#h = adopt(guarded((w) => new w.SyncRun(bytes, o)));
    }
    /** GETs to send now (`now` = Date.now()). */
    next(now) {
      const t = time(now);
      return decode(call(this.#h, 'SyncRun', (r) => r.next(t)));
    }
    /** Xero's answer `{status, headers, body}` to request `requestId`; returns the changes it completed. */
    handle(requestId_, response, now) {
      const id = requestId(requestId_);
      const body = encode(plainResponse(response), 'response');
      const t = time(now);
      return decode(call(this.#h, 'SyncRun', (r) => r.handle(id, body, t)));
    }
    /** Request `requestId` got no answer; it is sent again later. */
    lost(requestId_, now) {
      const id = requestId(requestId_);
      const t = time(now);
      return decode(call(this.#h, 'SyncRun', (r) => r.lost(id, t)));
    }
    /** One change per document that changed, in input order. */
    changes() {
      return decode(call(this.#h, 'SyncRun', (r) => r.changes()));
    }
    /** Input problems, documents not read, the stop. */
    issues() {
      return decode(call(this.#h, 'SyncRun', (r) => r.issues()));
    }
    /** A row per document per GET. */
    log() {
      return decode(call(this.#h, 'SyncRun', (r) => r.log()));
    }
    /** Counts. */
    summary() {
      return decode(call(this.#h, 'SyncRun', (r) => r.summary()));
    }
    /** Nothing in flight and nothing left to send (or stopped). */
    get done() {
      return call(this.#h, 'SyncRun', (r) => r.done);
    }
    /** Host time (ms) from which `next` has something to send, or null. */
    get wakeAt() {
      return decode(call(this.#h, 'SyncRun', (r) => r.wakeAt));
    }
    /** The auth problem (401/403) that stopped the sync, or null. */
    get stopped() {
      return decode(call(this.#h, 'SyncRun', (r) => r.stopped));
    }
    /** Xero's time of the earliest answer: store it as the next sync's `since`. */
    get syncedAt() {
      return decode(call(this.#h, 'SyncRun', (r) => r.syncedAt));
    }
    /** Continue after a 401/403 once the host has a valid token again. */
    resume() {
      call(this.#h, 'SyncRun', (r) => r.resume());
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  /** `sync(exported, {tenantId, since?, ...})`: the SyncRun that reads the documents back. */
  function sync(exported, options) {
    return new SyncRun(exported, options);
  }

  /** A parsed snapshot and settings; previews (and plans) any number of invoices. */
  class Exporter {
    #h;
    static {
      receivers.set(this, { name: 'Exporter', owns: (o) => #h in o });
    }
    // The tracking lists read from `preview`'s texts, by entry, and the generation of the
    // core's table they came from (0: none yet). The core sends only the lists added since
    // (Exporter::preview_page): a page previewing one invoice per call gets each list once.
    #lists = new Map();
    #generation = 0;
    constructor(snapshot, settings) {
      const s = encode(snapshot, 'snapshot');
      const t = encode(settings ?? null, 'settings');
      this.#h = adopt(guarded((w) => new w.Exporter(s, t)));
    }
    /** Problems of the snapshot and settings. */
    get issues() {
      return decode(call(this.#h, 'Exporter', (e) => e.issues));
    }
    /** `{documents, contacts, issues, summary}`; options `{lines?, bodies?}`. */
    preview(invoices, options) {
      if (reading('invoices', () => isArray(invoices) && invoices.length <= PAGE)) {
        // A small batch (a page previewing an invoice as it is edited) in one call: the
        // table's generation and the first list sent, the documents as
        // `PreviewResults.documents` has them (see pageDocuments), then the batch's part
        // (contacts, issues, summary). Through a result handle it was four calls, ~15 %
        // slower for one invoice a call.
        const o = encode(options ?? null, 'options');
        const bytes = invoiceBytes(invoices);
        const lists = this.#lists;
        const p = call(this.#h, 'Exporter', (e) => e.preview(bytes, o, this.#generation, lists.size)).split('\0');
        // From list 0: a new table (or a first call), whose entries replace those held.
        if (p[1] === '0') lists.clear();
        this.#generation = +p[0];
        const r = flatReader(p, 2, lists);
        const documents = r.documents();
        return { documents, ...r.batch() };
      }
      // A large one through the result handle, so that the documents are read a page at a
      // time (see `PreviewResults.documents`) and the wasm memory is given back at once.
      const results = this.previewResults(invoices, options);
      try {
        return results.toPreview();
      } finally {
        results.free();
      }
    }
    /** The preview as one JSON text, bodies included as strings. */
    previewJson(invoices, options) {
      const o = encode(options ?? null, 'options');
      const bytes = invoiceBytes(invoices);
      return call(this.#h, 'Exporter', (e) => e.previewJson(bytes, o));
    }
    // ---- Issue 20: results kept in wasm memory, read part by part; batches in chunks.
    /** The preview held in wasm memory (a PreviewResults); options `{lines?, bodies?}`. */
    previewResults(invoices, options) {
      const o = encode(options ?? null, 'options');
      const bytes = invoiceBytes(invoices);
      return new PreviewResults(made, adopt(call(this.#h, 'Exporter', (e) => e.previewResults(bytes, o))));
    }
    /** A batch previewed in chunks (`session.push(invoices)` each); options `{lines?, bodies?}`. */
    previewSession(options) {
      const o = encode(options ?? null, 'options');
      use(this.#h, 'Exporter');
      return new PreviewSession(made, this.#h, adopt(guarded((w) => new w.PreviewSession(o))));
    }
    /** The sending run for these invoices, or for `{invoices?, cancels?, payments?, people?}`; options
     * `{tenantId, maxDocuments?, maxBytes?, ...}`. */
    plan(work, options) {
      const isWork = work !== null && typeof work === 'object' && !isArray(work);
      const o = encode(options ?? null, 'options');
      const bytes = encodeBytes(work, isWork ? 'work' : 'invoices');
      return new SendRun(made, adopt(call(this.#h, 'Exporter', (e) => e.plan(bytes, o))));
    }
    // ---- The configuration screen (issue 22): see the README's "Building the configuration screen".
    /** What each setting may take, in Xero's order, and what is left out and why. */
    choices() {
      return decode(call(this.#h, 'Exporter', (e) => e.choices()));
    }
    /** Contacts matching `query` as the export matches them, best first; options `{limit?}`. */
    searchContacts(query, options) {
      if (typeof query !== 'string') throw misuse('query', `expected the text typed, got ${describe(query)}`);
      const limit = searchLimit(options);
      return decode(call(this.#h, 'Exporter', (e) => e.searchContacts(query, limit)));
    }
    /** Settings mappings that no longer resolve; `previousSnapshot`: the one the settings were made with. */
    staleMappings(previousSnapshot) {
      const p = encode(previousSnapshot ?? null, 'previousSnapshot');
      return decode(call(this.#h, 'Exporter', (e) => e.staleMappings(p)));
    }
    // ---- People and contacts (issue 19): see the README's "Importing Xero contacts as people".
    /** Xero's contacts (`GET /Contacts` bodies, paged, raw or xero-node) → the host's `people`:
     * per contact the person it is (and by which rule), new, or ambiguous. */
    importContacts(pages, people) {
      if (typeof pages !== 'string' && (pages === null || typeof pages !== 'object')) {
        throw misuse('pages', `expected GET /Contacts bodies (an array of pages or one body), got ${describe(pages)}`);
      }
      if (people !== undefined && people !== null && !isArray(people) && typeof people !== 'string') {
        throw misuse('people', `expected an array of people (the payer shape) or null, got ${describe(people)}`);
      }
      const p = encode(people ?? null, 'people');
      // Bytes (a Buffer from a file or a store) are the pages' JSON text, as for invoices.
      const bytes = bytesOf(pages, 'pages') ?? encodeBytes(pages, 'pages');
      return decode(call(this.#h, 'Exporter', (e) => e.importContacts(bytes, p)));
    }
    /** The host's people → Xero contacts without invoices: `plan({people}, options)`. Each
     * person is matched like a payer; unmatched → created, changed → an update of only the
     * fields given, unchanged → nothing sent. Read `run.people()` when done. */
    syncContacts(people, options) {
      if (!isArray(people)) {
        throw misuse('people', `expected an array of people (the payer shape), got ${describe(people)}`);
      }
      return this.plan({ people }, options);
    }
    /** The run `state` (`run.save()`, as text, parsed, or as bytes) was saved from, continued
     * with the same `work`; options `{tenantId?, changes?}` (`changes`: the texts of
     * `run.changes()` appended since). */
    resume(state, work, options) {
      const given = stateText(state, 'state');
      const text = typeof given === 'string' ? given : encode(given, 'state');
      const isWork = work !== null && typeof work === 'object' && !isArray(work);
      const o = encode(resumeOptions(options), 'options');
      const bytes = encodeBytes(work, isWork ? 'work' : 'invoices');
      return new SendRun(made, adopt(call(this.#h, 'Exporter', (e) => e.resume(text, bytes, o))));
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  // ---- Issue 20: the result handle ---------------------------------------------------------

  // Passed by the API to the constructors below: they wrap a wasm object and are not for `new`.
  const made = Symbol('made by the API');

  /** Invoices for a preview: JSON text as bytes (a Uint8Array, Node Buffers too, or an
   * ArrayBuffer) is passed on as it is, without a JS string or object on the way; a string is
   * JSON text; anything else is stringified. */
  function invoiceBytes(value) {
    return bytesOf(value, 'invoices') ?? encodeBytes(value, 'invoices');
  }

  /** `i` checked: a whole number below `length` (a wrong index is misuse, never a wrong part). */
  function docIndex(i, length) {
    if (!Number.isInteger(i) || i < 0 || i >= length) {
      throw misuse('index', `expected a document index from 0 to ${length - 1}, got ${describe(i)}`);
    }
    return i;
  }

  /** `start` and `end` checked: whole numbers with 0 <= start <= end <= length; `undefined`
   * is 0 and `length`. Out of bounds is misuse, never fewer documents than asked for. */
  function docRange(start, end, length) {
    const a = start === undefined ? 0 : start;
    const b = end === undefined ? length : end;
    if (!Number.isInteger(a) || a < 0 || a > length) {
      throw misuse('start', `expected a document index from 0 to ${length}, got ${describe(start)}`);
    }
    if (!Number.isInteger(b) || b < a || b > length) {
      throw misuse('end', `expected a document index from ${a} to ${length}, got ${describe(end)}`);
    }
    return [a, b];
  }

  // Documents read per call by `PreviewResults.documents` (see there).
  const PAGE = 500;

  const LINE_KEYS = ['description', 'quantity', 'unitAmount', 'discountRate', 'discountAmount', 'itemCode', 'accountCode', 'taxType', 'taxRate'];

  /** A reader of the binding's flat form (src/preview/flat.rs) from `p[at]` on, `p` the text
   * split at its NULs: each value is one element, in the JSON's field order. A value starting
   * with \u0001 is a field left out (alone) or JSON (text that holds a NUL or starts with
   * \u0001, `null`, an adjustment). Each object is made with its keys written here, in
   * `JSON.parse`'s order: about a third of `JSON.parse`'s time for the same documents (issue
   * 20). The tracking lists come once (`lists()`), and each line gets its own copy. */
  function flatReader(p, at, known = new Map()) {
    let i = at;
    const json = (v) => JSON.parse(v.slice(1));
    const str = () => {
      const v = p[i++];
      return v.charCodeAt(0) === 1 ? json(v) : v;
    };
    // Sets `key` on `o` unless the field was left out.
    const opt = (o, key) => {
      const v = p[i++];
      if (v.charCodeAt(0) !== 1) o[key] = v;
      else if (v.length > 1) o[key] = json(v);
    };
    const shownIfTrue = (o, key) => {
      if (p[i++] === 't') o[key] = true;
    };
    const row = (o, key) => {
      const v = p[i++];
      if (v.charCodeAt(0) !== 1) o[key] = +v;
    };
    const tracking = () => {
      const list = new Array(+p[i++]);
      for (let k = 0; k < list.length; k++) {
        const t = { category: str(), option: str() };
        opt(t, 'categoryId');
        opt(t, 'optionId');
        t.source = str();
        opt(t, 'replaced');
        list[k] = t;
      }
      return list;
    };
    const line = () => {
      const l = {};
      for (let k = 0; k < LINE_KEYS.length; k++) opt(l, LINE_KEYS[k]);
      l.lineAmount = str();
      l.taxAmount = str();
      l.tracking = (known.get(+p[i++]) ?? []).map((t) => ({ ...t }));
      return l;
    };
    const contact = () => {
      const status = str();
      if (status === 'existing') return { status, contactId: str(), name: str(), matchedBy: str() };
      if (status === 'create') return { status, key: str(), name: str() };
      return { status };
    };
    const issue = () => {
      const o = { severity: str(), code: str(), path: str(), message: str() };
      row(o, 'row');
      row(o, 'column');
      opt(o, 'key');
      return o;
    };
    return {
      /** The tracking lists the lines that follow name: how many, then each one's entry. */
      lists() {
        for (let k = +p[i++]; k > 0; k--) {
          const entry = +p[i++];
          known.set(entry, tracking());
        }
      },
      /** The fields before `lines`, as a new document. */
      identity() {
        const o = { index: +p[i++], sourceId: str() };
        opt(o, 'sourceNumber');
        o.kind = str();
        o.endpoint = str();
        o.status = str();
        o.blocked = p[i++] === 't';
        shownIfTrue(o, 'unchanged');
        o.contact = contact();
        opt(o, 'number');
        opt(o, 'reference');
        opt(o, 'date');
        opt(o, 'dueDate');
        opt(o, 'currency');
        o.lineAmountTypes = str();
        return o;
      },
      lines() {
        const lines = new Array(+p[i++]);
        for (let k = 0; k < lines.length; k++) lines[k] = line();
        return lines;
      },
      /** The fields after `lines`, set on `o`. */
      totals(o) {
        const first = p[i++];
        if (first.charCodeAt(0) === 1) o.totals = json(first);
        else o.totals = { subTotal: first, totalTax: str(), total: str() };
        opt(o, 'hostTotal');
        opt(o, 'difference');
        opt(o, 'totalDiscount');
        shownIfTrue(o, 'unitdp4');
        opt(o, 'adjustment');
      },
      issues() {
        const issues = new Array(+p[i++]);
        for (let k = 0; k < issues.length; k++) issues[k] = issue();
        return issues;
      },
      /** A page's documents from here (`Results::page`): their number, each one's body (empty
       * when none), the tracking lists their lines name, then each document. */
      documents() {
        const n = +p[i];
        const bodies = i + 1;
        i += n + 1;
        this.lists();
        const documents = new Array(n);
        for (let d = 0; d < n; d++) {
          const o = this.identity();
          o.lines = this.lines();
          this.totals(o);
          o.issues = this.issues();
          o.body = p[bodies + d] || null;
          documents[d] = o;
        }
        return documents;
      },
      /** The batch's part (`BatchPart::write_flat`): contacts, items (left out when none) and
       * issues, each JSON or left out when empty, then the counts. */
      batch() {
        const list = () => {
          const v = p[i++];
          return v.length > 1 ? json(v) : [];
        };
        const o = { contacts: list() };
        opt(o, 'items');
        o.issues = list();
        const n = () => +p[i++];
        o.summary = { documents: n(), ready: n(), blocked: n(), creditNotes: n(), contactsToCreate: n(), warnings: n(), errors: n() };
        return o;
      },
    };
  }

  /** Documents from a page in the flat form (`Results::page`) split at its NULs: their
   * number, each one's body (empty when none), the tracking lists their lines name, then each
   * document (see flatReader). */
  const pageDocuments = (p) => flatReader(p, 0).documents();

  /** One part of a document in the flat form (`Results::part`). */
  const flatPart = (text) => flatReader(text.split('\0'), 0);

  /**
   * A preview kept in wasm memory, read part by part: a caller pays only for what it reads (the
   * bodies, or one page of documents). `free()` releases it now; otherwise it is released when
   * garbage-collected.
   */
  class PreviewResults {
    #h;
    static {
      receivers.set(this, { name: 'PreviewResults', owns: (o) => #h in o });
    }
    #length;
    #first;
    constructor(token, handle) {
      if (token !== made) throw misuse('PreviewResults', 'made by exporter.previewResults() or session.push(), not with new');
      this.#h = handle;
      this.#length = handle.inner.length;
      this.#first = handle.inner.firstIndex;
    }
    /** Documents held. Kept on the JS side (read at every page), yet freed with the rest. */
    get length() {
      use(this.#h, 'PreviewResults');
      return this.#length;
    }
    /** The batch index of the first document held (0 unless a later chunk of a session). */
    get firstIndex() {
      use(this.#h, 'PreviewResults');
      return this.#first;
    }
    /** `{contacts, items?, issues, summary}`: the batch as it stands after these documents. */
    batch() {
      return decode(call(this.#h, 'PreviewResults', (r) => r.batch()));
    }
    /** Documents `start` to `end` (excluded; by default all) whole, as `exporter.preview`'s
     * `documents` are: what a preview page reads per page of rows, in one call. */
    documents(start, end) {
      const [a, b] = docRange(start, end, this.#length);
      if (b - a <= PAGE) return this.#page(a, b);
      // A long range is read a page at a time: one text of 10,000 documents split at once
      // took 207 ms to read against 157 ms in pages of 500 (and 168 ms in pages of 100, 181
      // in pages of 2,000; bench workload, Node 20), and holds far fewer strings at a time.
      const documents = [];
      for (let at = a; at < b; at += PAGE) {
        const page = this.#page(at, Math.min(at + PAGE, b));
        for (let k = 0; k < page.length; k++) documents.push(page[k]);
      }
      return documents;
    }
    #page(a, b) {
      const text = call(this.#h, 'PreviewResults', (r) => r.documents(a, b));
      if (typeof text !== 'string') throw misuse('start', `documents ${a} to ${b} are not held`);
      return pageDocuments(text.split('\0'));
    }
    /** Document `i` without its lines, issues and body: index, source, contact, totals, blocked... */
    document(i) {
      const n = docIndex(i, this.#length);
      const r = flatPart(call(this.#h, 'PreviewResults', (h) => h.summary(n)));
      const o = r.identity();
      r.totals(o);
      return o;
    }
    /** Document `i`'s display lines (`[]` when previewed with `lines: false`). */
    lines(i) {
      const n = docIndex(i, this.#length);
      const r = flatPart(call(this.#h, 'PreviewResults', (h) => h.lines(n)));
      r.lists();
      return r.lines();
    }
    /** Document `i`'s issues. */
    issues(i) {
      const n = docIndex(i, this.#length);
      return flatPart(call(this.#h, 'PreviewResults', (h) => h.issues(n))).issues();
    }
    /** Document `i`'s request body as text, or null (contact to create, or `bodies: false`). */
    body(i) {
      const n = docIndex(i, this.#length);
      return call(this.#h, 'PreviewResults', (r) => r.body(n)) ?? null;
    }
    /** Document `i`'s request body as UTF-8 bytes (a `fetch` body as is), or null. */
    bodyBytes(i) {
      const n = docIndex(i, this.#length);
      return call(this.#h, 'PreviewResults', (r) => r.bodyBytes(n)) ?? null;
    }
    /** Everything, as `exporter.preview` returns it. */
    toPreview() {
      return { documents: this.documents(), ...this.batch() };
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  /**
   * A batch previewed in chunks: contacts planned and ids checked across the whole batch,
   * documents numbered on, and memory holding only the chunks not yet freed.
   */
  class PreviewSession {
    #h;
    static {
      receivers.set(this, { name: 'PreviewSession', owns: (o) => #h in o });
    }
    #exporter;
    constructor(token, exporter, handle) {
      if (token !== made) throw misuse('PreviewSession', 'made by exporter.previewSession(), not with new');
      this.#exporter = exporter;
      this.#h = handle;
    }
    /** The next chunk of invoices (objects, JSON text or bytes): its PreviewResults. */
    push(invoices) {
      const bytes = invoiceBytes(invoices);
      const e = use(this.#exporter, 'Exporter');
      return new PreviewResults(made, adopt(call(this.#h, 'PreviewSession', (s) => s.push(e, bytes))));
    }
    /** Invoices previewed so far. */
    get documents() {
      return call(this.#h, 'PreviewSession', (s) => s.documents);
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  /** Validates a tracking-options CSV pushed in chunks (strings or bytes, split anywhere). */
  class TrackingCsvValidator {
    #h;
    static {
      receivers.set(this, { name: 'TrackingCsvValidator', owns: (o) => #h in o });
    }
    constructor(snapshot, options) {
      const s = encode(snapshot, 'snapshot');
      const o = encode(options ?? null, 'options');
      this.#h = adopt(guarded((w) => new w.TrackingCsvValidator(s, o)));
    }
    /** The next chunk: a string, Uint8Array (Node Buffers too) or ArrayBuffer. */
    push(chunk) {
      const c = csvInput(chunk, 'chunk');
      call(this.#h, 'TrackingCsvValidator', (v) => v.push(c));
    }
    /** `{bytes, rowsRead, rowsFailing}` so far. */
    get progress() {
      return decode(call(this.#h, 'TrackingCsvValidator', (v) => v.progress));
    }
    /** Reads the last row and returns the result; the validator cannot be used afterwards. */
    finish() {
      return decode(this.finishJson());
    }
    /** Like `finish`, as JSON text. */
    finishJson() {
      return call(this.#h, 'TrackingCsvValidator', (v) => v.finish());
    }
    /** Releases the wasm memory now (otherwise when garbage-collected); idempotent. */
    free() {
      release(this.#h);
    }
  }

  // xero-node's models are camelCase: its serializer reads `data[name]` for each attribute of
  // the model and drops every other key, so a PascalCase body passed to `createInvoices` is
  // sent as `{}`. Every key of our bodies is the model's attribute name with its first letter
  // upper-cased (tests/js/xero-node.test.mjs checks this with the SDK's own serializer over
  // every golden body and every planned request), so the mapping is that rule, recursively.
  // Xero's bodies nest a few levels (body → documents → lines → tracking); anything deeper is
  // not a request body, and recursing into it would overflow the stack.
  const MAX_DEPTH = 32;
  function camelCase(value, depth = 0) {
    if (value === null || typeof value !== 'object') return value;
    if (depth > MAX_DEPTH) throw misuse('body', `it nests deeper than ${MAX_DEPTH} levels, which no Xero request body does`);
    if (isArray(value)) return value.map((v) => camelCase(v, depth + 1));
    const out = {};
    for (const key of Object.keys(value)) out[key.charAt(0).toLowerCase() + key.slice(1)] = camelCase(value[key], depth + 1);
    return out;
  }

  // Xero refuses requests over 3.5 MB; a body text far beyond that is not one of ours.
  const MAX_BODY = 16 * 1024 * 1024;

  /** A request body (JSON text or parsed) as xero-node's model objects, e.g. for
   *  `xero.accountingApi.createInvoices(tenantId, toXeroNode(doc.body), false, unitdp, key)`. */
  function toXeroNodeOf(body) {
    let value = body;
    if (typeof body === 'string') {
      if (body.length > MAX_BODY) throw misuse('body', `it is ${body.length} characters; Xero accepts request bodies up to 3.5 MB`);
      try {
        value = JSON.parse(body);
      } catch (err) {
        throw misuse('body', err instanceof RangeError ? 'it is nested too deeply' : err.message);
      }
      // A JS number holds 15 significant digits exactly; a longer amount would be changed by
      // xero-node's number-typed models. Strings are skipped whole, so only numbers are read.
      for (const [token, mantissa] of body.matchAll(/"[^"\\]*(?:\\.[^"\\]*)*"|(-?[0-9]+(?:\.[0-9]+)?)(?:[eE][-+]?[0-9]+)?/g)) {
        if (mantissa === undefined) continue; // a string
        const digits = mantissa.replace(/[-.]/g, '').replace(/^0+/, '').replace(/0+$/, '');
        if (digits.length > 15 || !Number.isFinite(Number(token)) || (Number(token) === 0 && digits.length > 0)) {
          throw misuse('body', `the number ${token} cannot be held exactly by a JS number (more than 15 significant digits, or out of range), as xero-node's models would need; send this body with fetch instead`);
        }
      }
    }
    if (value === null || typeof value !== 'object' || isArray(value)) {
      throw misuse('body', 'expected a request body such as {"Invoices": [...]}');
    }
    return camelCase(value);
  }
  const toXeroNode = (body) => reading('body', () => toXeroNodeOf(body));

  // ---- xero-node: a planned request as its AccountingApi call, and its answer back --------

  // Each planned request kind: [method, path pattern, xero-node method, the query keys it
  // carries, arguments after the tenant]. A query key the method cannot carry throws: a filter
  // dropped on the way would read (or write) the wrong documents.
  const bool = (v) => (v === undefined ? undefined : v === 'true');
  const num = (v) => (v === undefined ? undefined : Number(v));
  const list = (v) => (v === undefined ? undefined : v.split(','));
  const since = (h) => (h === undefined ? undefined : new Date(h));
  const XERO_NODE = [
    ['PUT', /^\/Contacts$/, 'createContacts', ['summarizeErrors'], (c) => [c.body(), bool(c.q.summarizeErrors), c.key]],
    ['POST', /^\/Contacts$/, 'updateOrCreateContacts', ['summarizeErrors'], (c) => [c.body(), bool(c.q.summarizeErrors), c.key]],
    ['GET', /^\/Contacts$/, 'getContacts', ['where', 'order', 'IDs', 'page', 'includeArchived', 'summaryOnly', 'searchTerm', 'pageSize'],
      (c) => [c.since, c.q.where, c.q.order, list(c.q.IDs), num(c.q.page), bool(c.q.includeArchived), bool(c.q.summaryOnly), c.q.searchTerm, num(c.q.pageSize)]],
    ['PUT', /^\/Invoices$/, 'createInvoices', ['summarizeErrors', 'unitdp'], (c) => [c.body(), bool(c.q.summarizeErrors), num(c.q.unitdp), c.key]],
    ['POST', /^\/Invoices$/, 'updateOrCreateInvoices', ['summarizeErrors', 'unitdp'], (c) => [c.body(), bool(c.q.summarizeErrors), num(c.q.unitdp), c.key]],
    ['GET', /^\/Invoices$/, 'getInvoices', ['where', 'order', 'IDs', 'InvoiceNumbers', 'ContactIDs', 'Statuses', 'page', 'includeArchived', 'createdByMyApp', 'unitdp', 'summaryOnly', 'pageSize', 'searchTerm'],
      (c) => [c.since, c.q.where, c.q.order, list(c.q.IDs), list(c.q.InvoiceNumbers), list(c.q.ContactIDs), list(c.q.Statuses), num(c.q.page),
        bool(c.q.includeArchived), bool(c.q.createdByMyApp), num(c.q.unitdp), bool(c.q.summaryOnly), num(c.q.pageSize), c.q.searchTerm]],
    ['PUT', /^\/CreditNotes$/, 'createCreditNotes', ['summarizeErrors', 'unitdp'], (c) => [c.body(), bool(c.q.summarizeErrors), num(c.q.unitdp), c.key]],
    ['POST', /^\/CreditNotes$/, 'updateOrCreateCreditNotes', ['summarizeErrors', 'unitdp'], (c) => [c.body(), bool(c.q.summarizeErrors), num(c.q.unitdp), c.key]],
    ['GET', /^\/CreditNotes$/, 'getCreditNotes', ['where', 'order', 'page', 'unitdp', 'pageSize'],
      (c) => [c.since, c.q.where, c.q.order, num(c.q.page), num(c.q.unitdp), num(c.q.pageSize)]],
    ['GET', /^\/CreditNotes\/([^/]+)$/, 'getCreditNote', ['unitdp'], (c) => [c.id, num(c.q.unitdp)]],
    ['PUT', /^\/CreditNotes\/([^/]+)\/Allocations$/, 'createCreditNoteAllocation', ['summarizeErrors'], (c) => [c.id, c.body(), bool(c.q.summarizeErrors), c.key]],
    ['PUT', /^\/Payments$/, 'createPayments', ['summarizeErrors'], (c) => [c.body(), bool(c.q.summarizeErrors), c.key]],
    ['GET', /^\/Payments$/, 'getPayments', ['where', 'order', 'page', 'pageSize'], (c) => [c.since, c.q.where, c.q.order, num(c.q.page), num(c.q.pageSize)]],
    // Items to create before the documents that use them, and their lookups (issue 19).
    ['PUT', /^\/Items$/, 'createItems', ['summarizeErrors', 'unitdp'], (c) => [c.body(), bool(c.q.summarizeErrors), num(c.q.unitdp), c.key]],
    ['GET', /^\/Items$/, 'getItems', ['where', 'order', 'unitdp'], (c) => [c.since, c.q.where, c.q.order, num(c.q.unitdp)]],
  ];

  /** A planned request (of a SendRun or a SyncRun) as xero-node's call:
   *  `const {method, args} = toXeroNodeCall(r); await xero.accountingApi[method](...args)`. */
  function toXeroNodeCallOf(request) {
    if (request === null || typeof request !== 'object' || typeof request.path !== 'string' || typeof request.method !== 'string') {
      throw misuse('request', `expected a request planned by a run ({method, path, query, headers, body?}), got ${describe(request)}`);
    }
    const query = request.query ?? {};
    const headers = request.headers ?? {};
    for (const [name, value] of [['request.query', query], ['request.headers', headers]]) {
      if (typeof value !== 'object' || isArray(value) || Object.values(value).some((v) => typeof v !== 'string')) {
        throw misuse(name, `expected an object of texts, as the run planned it, got ${describe(value)}`);
      }
    }
    for (const [method, pattern, name, keys, args] of XERO_NODE) {
      const m = request.method === method && pattern.exec(request.path);
      if (!m) continue;
      const extra = Object.keys(query).filter((k) => !keys.includes(k));
      if (extra.length > 0) throw misuse('request.query', `xero-node's ${name} cannot send ${extra.join(', ')}; send this request with fetch instead`);
      let id;
      try {
        id = m[1] === undefined ? undefined : decodeURIComponent(m[1]);
      } catch (err) {
        throw misuse('request.path', err.message);
      }
      const c = {
        q: query,
        id,
        key: request.idempotencyKey ?? headers['Idempotency-Key'],
        since: since(headers['If-Modified-Since']),
        body: () => toXeroNode(request.body ?? ''),
      };
      return { method: name, args: [headers['xero-tenant-id'], ...args(c)] };
    }
    throw misuse('request', `no xero-node call is known for ${request.method} ${request.path}; send it with fetch`);
  }
  const toXeroNodeCall = (request) => reading('request', () => toXeroNodeCallOf(request));

  /** What a xero-node call gave (its result, or what it rejected with) as the `{status,
   *  headers, body}` a run's `handle` takes; `null` when no answer came (call `run.lost`). */
  function fromXeroNodeOf(outcome) {
    let x = outcome;
    if (typeof x === 'string') {
      try {
        x = JSON.parse(x); // xero-node rejects with JSON text: {response: {statusCode, headers, body}}
      } catch {
        throw misuse('outcome', 'expected what a xero-node call resolved or rejected with');
      }
    }
    const response = x !== null && typeof x === 'object' ? x.response : undefined;
    if (response === null || typeof response !== 'object') {
      throw misuse('outcome', `expected what a xero-node call resolved or rejected with ({response, body}), got ${describe(outcome)}`);
    }
    const status = response.status ?? response.statusCode;
    if (!Number.isInteger(status) || status === 0) return null; // no HTTP answer: timeout, reset, DNS
    try {
      const raw = 'data' in response ? response.data : response.body; // the wire JSON, not the models
      const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : JSON.stringify(raw);
      const h = response.headers ?? {};
      const plain = typeof h.toJSON === 'function' ? h.toJSON() : { ...h };
      const headers = Object.fromEntries(Object.entries(plain).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)]));
      return { status, headers, body: text };
    } catch (err) {
      // Not what xero-node gives (a BigInt, a Symbol, a cycle): say so, never a TypeError.
      throw misuse('outcome', err.message);
    }
  }
  const fromXeroNode = (outcome) => reading('outcome', () => fromXeroNodeOf(outcome));

  function lineAmount(line) {
    const l = encode(line, 'line');
    return decode(guarded((w) => w.lineAmount(l)));
  }

  function timesheetInvoice(input) {
    const t = encode(input, 'timesheet');
    return decode(guarded((w) => w.timesheetInvoice(t)));
  }

  function validateTrackingCsv(snapshot, csv, options) {
    const s = encode(snapshot, 'snapshot');
    const c = csvInput(csv, 'csv');
    const o = encode(options ?? null, 'options');
    return decode(guarded((w) => w.validateTrackingCsv(s, c, o)));
  }

  function exportTrackingCsv(rows, options) {
    const r = encode(rows, 'rows');
    const o = encode(options ?? null, 'options');
    return guarded((w) => w.exportTrackingCsv(r, o));
  }

  guardReceivers();
  const api = {
    version: () => guarded((w) => w.version()),
    toXeroNode,
    toXeroNodeCall,
    fromXeroNode,
    lineAmount,
    timesheetInvoice,
    Exporter,
    SendRun,
    PreviewResults,
    PreviewSession,
    TrackingCsvValidator,
    validateTrackingCsv,
    exportTrackingCsv,
    // The status sync.
    sync,
    SyncRun,
  };
  // For the package's own tests and benchmarks only (not API, not in the types): trap on
  // purpose, to check that the module survives one; the raw glue, to time the wasm call alone.
  Object.defineProperty(api, '__testing', {
    enumerable: false,
    value: { trap: () => guarded((w) => w.__trapForTests()), glue: () => engine.current() },
  });
  return api;
}

// ---- The CSV entry (xero-export/csv) ---------------------------------------------------------

// What `xero-export/csv` exports: the same functions as the full entry, with the same argument
// checks, errors and trap recovery (makeApi), over the CSV-only build's much smaller .wasm.
// makeApi only defines functions, so the exports that build lacks are never reached.
function makeCsvApi(engine) {
  const { version, TrackingCsvValidator, validateTrackingCsv, exportTrackingCsv, __testing } = makeApi(engine);
  // Spelt out (not picked by a list of names) so tools reading the CommonJS entry's exports
  // (TypeScript, attw) see each one.
  const csv = { version, TrackingCsvValidator, validateTrackingCsv, exportTrackingCsv };
  Object.defineProperty(csv, '__testing', { enumerable: false, value: __testing });
  return csv;
}
