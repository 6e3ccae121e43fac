// Issue 20's result handle through the built package: `exporter.previewResults` holds the
// preview in wasm memory and hands out each part as `exporter.preview` has it; sessions preview
// a batch in chunks with the same result; invoices as bytes; every misuse a coded error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { api, root, scenarioInvoices } from './helpers.mjs';

const read = (rel) => JSON.parse(readFileSync(path.join(root, 'tests', rel), 'utf8'));
const snapshot = read('fixtures/sample/snapshot.json');
const scenarios = ['clinic', 'billing', 'crm', 'timesheet'];
const optionSets = [undefined, { lines: false }, { bodies: false }, { lines: false, bodies: false }];
const utf8 = new TextDecoder();

test('every part is the preview\'s, for every scenario and options', () => {
  for (const name of scenarios) {
    const s = read(`fixtures/scenarios/${name}.json`);
    const exporter = new api.Exporter(snapshot, s.settings);
    const invoices = scenarioInvoices(s);
    for (const options of optionSets) {
      const whole = exporter.preview(invoices, options);
      const r = exporter.previewResults(invoices, options);
      assert.equal(r.length, whole.documents.length);
      assert.equal(r.firstIndex, 0);
      assert.deepEqual(r.toPreview(), whole, `${name} ${JSON.stringify(options)}`);
      for (let i = 0; i < r.length; i++) {
        const { lines, issues, body, ...summary } = whole.documents[i];
        assert.deepEqual(r.document(i), summary);
        assert.deepEqual(r.lines(i), lines);
        assert.deepEqual(r.issues(i), issues);
        assert.equal(r.body(i), body);
        const bytes = r.bodyBytes(i);
        assert.equal(bytes === null ? null : utf8.decode(bytes), body);
        if (bytes !== null) assert.ok(bytes instanceof Uint8Array);
      }
      const { documents, ...batch } = whole;
      assert.deepEqual(r.batch(), batch);
      r.free();
      r.free();
    }
    exporter.free();
  }
});

test('a session in chunks is the batch at once, contacts and duplicates across chunks', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const invoices = [...scenarioInvoices(s), scenarioInvoices(s)[0]];
  const whole = exporter.preview(invoices);
  for (const size of [1, 2, 5]) {
    const session = exporter.previewSession();
    const docs = [];
    let last;
    for (let at = 0; at < invoices.length; at += size) {
      const r = session.push(invoices.slice(at, at + size));
      assert.equal(r.firstIndex, at);
      const p = r.toPreview();
      docs.push(...p.documents);
      last = p;
      r.free();
    }
    assert.equal(session.documents, invoices.length);
    // An empty chunk starts where the batch is, as every later chunk does.
    assert.equal(session.push([]).firstIndex, invoices.length);
    assert.deepEqual(docs, whole.documents, `chunks of ${size}`);
    const { documents, ...batch } = whole;
    const { documents: _, ...lastBatch } = last;
    assert.deepEqual(lastBatch, batch);
    session.free();
  }
  // A chunk that cannot be read throws and changes nothing.
  const session = exporter.previewSession({ lines: false });
  assert.throws(() => session.push('[1]'), { name: 'XeroExportError', code: 'INVALID_INPUT' });
  assert.throws(() => session.push('[{'), { code: 'INVALID_JSON' });
  assert.equal(session.documents, 0);
  assert.equal(session.push(invoices).length, invoices.length);
});

test('invoices as JSON text or bytes give the same preview', () => {
  const s = read('fixtures/scenarios/billing.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const invoices = scenarioInvoices(s);
  const whole = exporter.preview(invoices);
  const text = JSON.stringify(invoices);
  const bytes = new TextEncoder().encode(text);
  for (const input of [text, bytes, Buffer.from(text), bytes.buffer]) {
    assert.deepEqual(exporter.preview(input), whole);
    assert.deepEqual(exporter.previewResults(input).toPreview(), whole);
    assert.equal(exporter.previewJson(input), exporter.previewJson(invoices));
  }
  assert.throws(() => exporter.previewResults(new Uint8Array([0x5b, 0xff, 0x5d])), { code: 'INVALID_JSON' });
  assert.throws(() => exporter.preview(new Uint8Array([0x7b, 0x7d])), { code: 'INVALID_INPUT' });
});

test('a detached ArrayBuffer (transferred to a worker) is a coded error, not a TypeError', () => {
  // Regression: `new Uint8Array(buffer)` in invoiceBytes threw the engine's TypeError.
  const s = read('fixtures/scenarios/billing.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const detached = () => {
    const b = new TextEncoder().encode('[]').buffer;
    structuredClone(b, { transfer: [b] });
    return b;
  };
  for (const f of [(b) => exporter.preview(b), (b) => exporter.previewJson(b), (b) => exporter.previewResults(b), (b) => exporter.previewSession().push(b)]) {
    assert.throws(() => f(detached()), (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === 'invoices' && /detached/.test(e.message), f.toString());
  }
  assert.equal(exporter.preview(s.invoices.slice(0, 1)).documents.length, 1);
  exporter.free();
});

test('misuse is a coded error: indexes, free, constructors, options, a reset instance', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const r = exporter.previewResults(scenarioInvoices(s));
  for (const i of [-1, r.length, 0.5, '0', null, undefined, NaN, 2 ** 40]) {
    for (const m of ['document', 'lines', 'issues', 'body', 'bodyBytes']) {
      assert.throws(() => r[m](i), { name: 'XeroExportError', code: 'INVALID_INPUT' }, `${m}(${i})`);
    }
  }
  assert.throws(() => exporter.previewResults([], { lines: 'no' }), { code: 'INVALID_INPUT' });
  assert.throws(() => exporter.previewSession(7), { code: 'INVALID_INPUT' });
  assert.throws(() => new api.PreviewResults({}), { code: 'INVALID_INPUT' });
  assert.throws(() => new api.PreviewSession(), { code: 'INVALID_INPUT' });
  r.free();
  assert.throws(() => r.body(0), { code: 'USED_AFTER_FREE' });
  assert.throws(() => r.batch(), { code: 'USED_AFTER_FREE' });
  const session = exporter.previewSession();
  const kept = exporter.previewResults(scenarioInvoices(s));
  exporter.free();
  assert.throws(() => session.push([]), { code: 'USED_AFTER_FREE' });
  assert.throws(() => exporter.previewSession(), { code: 'USED_AFTER_FREE' });
  // Results outlive their exporter: they hold their own text.
  assert.equal(typeof kept.body(0), 'string');
  assert.throws(() => api.__testing.trap(), { code: 'INTERNAL' });
  assert.throws(() => kept.body(0), { code: 'INSTANCE_RESET' });
  assert.throws(() => session.documents, { code: 'INSTANCE_RESET' });
  const fresh = new api.Exporter(snapshot, s.settings).previewResults(scenarioInvoices(s));
  assert.equal(typeof fresh.document(0).sourceId, 'string');
});

test('documents(start, end) reads a range whole, as preview has it, in one call', () => {
  for (const name of scenarios) {
    const s = read(`fixtures/scenarios/${name}.json`);
    const exporter = new api.Exporter(snapshot, s.settings);
    const invoices = scenarioInvoices(s);
    for (const options of optionSets) {
      const { documents } = exporter.preview(invoices, options);
      const r = exporter.previewResults(invoices, options);
      const n = r.length;
      const label = `${name} ${JSON.stringify(options)}`;
      assert.deepEqual(r.documents(), documents, label);
      assert.deepEqual(r.documents(0, n), documents, label);
      assert.deepEqual(r.documents(1), documents.slice(1), label);
      assert.deepEqual(r.documents(undefined, 1), documents.slice(0, 1), label);
      assert.deepEqual(r.documents(1, 2), documents.slice(1, 2), label);
      assert.deepEqual(r.documents(n, n), [], label);
      // Each document's keys in `preview`'s order, and its own tracking objects.
      assert.deepEqual(Object.keys(r.documents(0, 1)[0]), Object.keys(documents[0]));
      const lines = r.documents().flatMap((d) => d.lines);
      for (let k = 1; k < lines.length; k++) {
        assert.notEqual(lines[k].tracking, lines[k - 1].tracking);
        if (lines[k].tracking.length) assert.notEqual(lines[k].tracking[0], lines[k - 1].tracking[0]);
      }
      r.free();
    }
    exporter.free();
  }
});

test('documents(start, end): wrong types and ranges out of bounds are coded errors', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const r = exporter.previewResults(scenarioInvoices(s));
  const n = r.length;
  const bad = [[-1, n], [0, n + 1], [n + 1, undefined], [2, 1], [0.5, 1], ['0', 1], [0, '1'], [null, 1], [0, null],
    [NaN, 1], [0, Infinity], [2 ** 40, 2 ** 40 + 1], [{}, 1], [0n, 1]];
  for (const [a, b] of bad) {
    assert.throws(() => r.documents(a, b), { name: 'XeroExportError', code: 'INVALID_INPUT' }, `documents(${String(a)}, ${String(b)})`);
  }
  // Still usable after the refusals.
  assert.equal(r.documents(0, 1).length, 1);
  // A session's chunk reads its own documents, numbered on in the batch.
  const session = exporter.previewSession();
  session.push(scenarioInvoices(s).slice(0, 2)).free();
  const chunk = session.push(scenarioInvoices(s).slice(2));
  assert.equal(chunk.documents()[0].index, 2);
  r.free();
  assert.throws(() => r.documents(), { code: 'USED_AFTER_FREE' });
  assert.throws(() => r.documents(0, 0), { code: 'USED_AFTER_FREE' });
  assert.throws(() => api.__testing.trap(), { code: 'INTERNAL' });
  assert.throws(() => chunk.documents(), { code: 'INSTANCE_RESET' });
});

// The documents cross as values between NULs (src/preview/flat.rs, read by `pageDocuments`),
// not as JSON: what they read is checked against the core's own JSON (`previewJson`), key
// order included, for every scenario and options and for text that could be taken for the
// flat form's separators or marks.
test('preview and documents(start, end) are previewJson\'s documents, key for key, whatever the text', () => {
  const marks = ['\u0000', '\u0001', '\u0001null', 'a\u0000b', '\u0001"x"', '\u0001{}', 't', ''];
  for (const name of scenarios) {
    const s = read(`fixtures/scenarios/${name}.json`);
    const exporter = new api.Exporter(snapshot, s.settings);
    const plain = scenarioInvoices(s);
    // The same invoices with every text field of the invoice and its lines made awkward.
    const awkward = plain.map((inv, k) => {
      const mark = (v, j) => (typeof v === 'string' ? `${marks[(k + j) % marks.length]}${(k + j) % 3 ? v : ''}` : v);
      const copy = structuredClone(inv);
      let j = 0;
      for (const key of Object.keys(copy)) if (key !== 'lines' && key !== 'id') copy[key] = mark(copy[key], j++);
      for (const line of copy.lines ?? []) for (const key of Object.keys(line)) line[key] = mark(line[key], j++);
      return copy;
    });
    for (const invoices of [plain, awkward]) {
      for (const options of optionSets) {
        const want = JSON.parse(exporter.previewJson(invoices, options));
        const label = `${name} ${JSON.stringify(options)}`;
        assert.equal(JSON.stringify(exporter.preview(invoices, options)), JSON.stringify(want), label);
        const r = exporter.previewResults(invoices, options);
        assert.equal(JSON.stringify(r.documents()), JSON.stringify(want.documents), label);
        for (let i = 0; i < r.length; i++) {
          const { lines, issues, body, ...summary } = want.documents[i];
          assert.equal(JSON.stringify([r.document(i), r.lines(i), r.issues(i)]), JSON.stringify([summary, lines, issues]), label);
        }
        r.free();
      }
    }
    exporter.free();
  }
});

// More than a page (500 documents): `preview` goes through the result handle and
// `documents()` reads a page at a time; both are still previewJson's, in order.
test('a batch of more than a page previews and reads as previewJson has it', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const base = scenarioInvoices(s);
  const invoices = Array.from({ length: 1203 }, (_, k) => ({ ...base[k % base.length], id: `inv-${k}` }));
  const want = JSON.parse(exporter.previewJson(invoices));
  assert.equal(want.documents.length, 1203);
  assert.equal(JSON.stringify(exporter.preview(invoices)), JSON.stringify(want));
  const r = exporter.previewResults(invoices);
  assert.equal(JSON.stringify(r.documents()), JSON.stringify(want.documents));
  assert.equal(JSON.stringify(r.documents(499, 1001)), JSON.stringify(want.documents.slice(499, 1001)));
  r.free();
  exporter.free();
});

// api.js encodes small inputs into one reused buffer (encodeBytes): a call must never see the
// bytes of another, whatever ran in between, and large or non-ASCII inputs must read the same.
test('the reused encode buffer: each call previews its own invoices', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const invoices = scenarioInvoices(s);
  const alone = invoices.map((inv) => exporter.preview([inv]));
  // Long input then a shorter one: the second must not read the first one's tail.
  const many = exporter.preview(invoices);
  assert.equal(many.documents.length, invoices.length);
  for (let i = invoices.length - 1; i >= 0; i--) assert.deepEqual(exporter.preview([invoices[i]]), alone[i]);
  // Options whose toJSON previews other invoices while the outer call is under way.
  const sneaky = { toJSON() { exporter.preview(invoices); return { lines: false }; } };
  const r = exporter.previewResults([invoices[0]], sneaky);
  assert.equal(r.length, 1);
  assert.equal(r.body(0), alone[0].documents[0].body);
  assert.deepEqual(r.lines(0), []);
  r.free();
  // An invoice whose own toJSON previews another one first.
  const nested = { toJSON() { exporter.preview([invoices[1]]); return invoices[0]; } };
  assert.deepEqual(exporter.preview([nested]), alone[0]);
  // Non-ASCII text (up to 3 bytes per UTF-16 unit) and an input past the buffer (64 KiB).
  const accented = { ...invoices[0], reference: 'Réf ✓ 你好 €' };
  const asBytes = (v) => new TextEncoder().encode(JSON.stringify(v));
  const viaBytes = exporter.preview(asBytes([accented]));
  assert.match(viaBytes.documents[0].body, /Réf ✓ 你好 €/);
  assert.deepEqual(exporter.preview([accented]), viaBytes);
  const big = Array.from({ length: 200 }, (_, k) => ({ ...invoices[0], id: `big-${k}`, reference: `Réf ${k} ✓` }));
  assert.ok(JSON.stringify(big).length > (1 << 16) / 3);
  assert.deepEqual(exporter.preview(big), exporter.preview(asBytes(big)));
  assert.equal(exporter.preview(big).documents.length, 200);
  exporter.free();
});

// api.js re-encodes with the non-finite marker only when the text may hold a `null` value
// (mayHoldNull): alone, after `:`, after `[` or after `,`. Each place a NaN can land is reported.
test('a NaN or Infinity is reported wherever JSON.stringify would have written null', () => {
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const inv = scenarioInvoices(s)[0];
  const codes = (invoices) => exporter.preview(invoices).documents.map((d) => d.issues.map((i) => `${i.code} ${i.path}`));
  const line = { ...inv.lines[0], quantity: NaN };
  assert.ok(codes([{ ...inv, lines: [line] }])[0].includes('NUMBER_NOT_FINITE invoices[0].lines[0].quantity'));
  const last = { ...inv.lines[0], unitAmount: -Infinity };
  assert.ok(codes([{ ...inv, lines: [inv.lines[0], last] }])[0].includes('NUMBER_NOT_FINITE invoices[0].lines[1].unitAmount'));
  // After `[`: the marker object is read as an invoice, its key reported, not a null skipped.
  assert.ok(codes([NaN])[0].includes('FIELD_UNKNOWN invoices[0].$nonFinite'));
  // Alone: the whole argument.
  assert.throws(() => exporter.preview(NaN), { code: 'INVALID_INPUT' });
  // Text that only looks like a null value is read as written.
  const noted = exporter.preview([{ ...inv, reference: 'seen:null,[null' }]);
  assert.deepEqual(noted, exporter.preview(new TextEncoder().encode(JSON.stringify([{ ...inv, reference: 'seen:null,[null' }]))));
  exporter.free();
});

// `preview` of a small batch keeps the tracking lists it has read between calls, and the core
// sends only the lists added since (Exporter::preview_page): a page previewing one invoice a
// call, the same exporter throughout. Each call is still previewJson's, key for key: after
// calls that failed part way (their lists reach the next call), across options, and when the
// caller changes the objects it was given (each line gets its own copies).
test('one invoice a call: each preview is previewJson\'s, the lists carried between calls', () => {
  for (const name of scenarios) {
    const s = read(`fixtures/scenarios/${name}.json`);
    const exporter = new api.Exporter(snapshot, s.settings);
    const invoices = scenarioInvoices(s);
    let call = 0;
    for (let round = 0; round < 2; round++) {
      for (const inv of invoices) {
        for (const options of optionSets) {
          call += 1;
          const label = `${name} call ${call} ${JSON.stringify(options)}`;
          if (call % 3 === 0) {
            assert.throws(() => exporter.preview([inv, { lines: 7 }], options), { code: 'INVALID_INPUT' }, label);
          }
          const got = exporter.preview([inv], options);
          assert.equal(JSON.stringify(got), exporter.previewJson([inv], options), label);
          for (const doc of got.documents) {
            for (const line of doc.lines) {
              for (const t of line.tracking) Object.assign(t, { option: 'changed', categoryId: 'x' });
              line.tracking.push({ category: 'added' });
            }
          }
        }
      }
    }
    exporter.free();
  }
});

// The core's table of lists starts again past 1,024 lists (PAGE_LISTS_MAX), under a new
// generation: one invoice a call, each naming an option no call named before, so the table
// fills and starts again within the run. Every call is still previewJson's.
test('one invoice a call past the core\'s 1,024 lists: each preview is still previewJson\'s', () => {
  const snap = structuredClone(snapshot);
  const s = read('fixtures/scenarios/billing.json');
  const n = 1100;
  const id = (k) => `5e1d0000-0000-4000-8000-${String(k).padStart(12, '0')}`;
  snap.trackingCategories.TrackingCategories = [{
    Name: 'Region', Status: 'ACTIVE', TrackingCategoryID: id(999999),
    Options: Array.from({ length: n }, (_, k) => ({ TrackingOptionID: id(k), Name: `R${k}`, Status: 'ACTIVE' })),
  }];
  const settings = { ...s.settings, tracking: { categories: [{ category: 'Region', sources: ['line'] }] } };
  const exporter = new api.Exporter(snap, settings);
  assert.deepEqual(exporter.issues.filter((i) => i.severity === 'error'), []);
  const base = s.invoices[0];
  for (let k = 0; k < n; k++) {
    const inv = { ...base, id: `r-${k}`, lines: [{ ...base.lines[0], tracking: { Region: `R${k}` } }] };
    const got = exporter.preview([inv]);
    assert.equal(got.documents[0].lines[0].tracking[0]?.option, `R${k}`);
    assert.equal(JSON.stringify(got), exporter.previewJson([inv]), `call ${k}`);
  }
  exporter.free();
});

// The README's sending loop over a result handle ("Large batches: the result handle"), run as
// written: a blocked document still has its body (what it would send), so the loop must skip it,
// or a duplicate invoice (SOURCE_ID_DUPLICATE: "this one is not sent") becomes a second document
// in Xero, and a document blocked by a stale tracking option under policy "error" is accepted
// without the category.
test("the README's sending loop sends only the documents the preview lets through", async () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]).find((code) => code.includes('// a sending backend'));
  assert.ok(block, 'the README has the sending loop');
  const AsyncFunction = (async () => {}).constructor;
  const loop = new AsyncFunction('exporter', 'invoices', 'send', block);
  const s = read('fixtures/scenarios/clinic.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const invoices = [...scenarioInvoices(s), scenarioInvoices(s)[0]];
  const want = exporter.preview(invoices).documents.filter((d) => d.body !== null && !d.blocked && !d.unchanged).map((d) => d.body);
  assert.ok(exporter.preview(invoices).documents.some((d) => d.blocked && d.body !== null), 'a blocked document with a body');
  const sent = [];
  await loop(exporter, invoices, async (body) => sent.push(utf8.decode(body)));
  assert.deepEqual(sent, want);
  exporter.free();
});

// Regression: a Uint8Array (a Node Buffer) whose ArrayBuffer was transferred has no bytes;
// passed on, it threw the engine's TypeError from inside the glue's copy (or read as empty
// JSON). Every argument that takes bytes now refuses it as misuse, naming the argument.
test('a Uint8Array over a detached buffer is a coded error, wherever bytes are taken', async () => {
  const s = read('fixtures/scenarios/billing.json');
  const exporter = new api.Exporter(snapshot, s.settings);
  const detachedView = () => {
    const v = new TextEncoder().encode('[]');
    structuredClone(v.buffer, { transfer: [v.buffer] });
    return v;
  };
  const isMisuse = (argument) => (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === argument && /detached/.test(e.message);
  for (const f of [(b) => exporter.preview(b), (b) => exporter.previewJson(b), (b) => exporter.previewResults(b), (b) => exporter.previewSession().push(b)]) {
    assert.throws(() => f(detachedView()), isMisuse('invoices'), f.toString());
  }
  assert.throws(() => exporter.importContacts(detachedView()), isMisuse('pages'));
  assert.throws(() => exporter.resume(detachedView(), []), isMisuse('state'));
  assert.throws(() => api.validateTrackingCsv(snapshot, detachedView()), isMisuse('csv'));
  const v = new api.TrackingCsvValidator(snapshot);
  assert.throws(() => v.push(detachedView()), isMisuse('chunk'));
  v.push('Client,Region\n');
  assert.equal(typeof v.finish(), 'object');
  // An empty view over a live buffer is empty input, not a detached one.
  assert.throws(() => exporter.preview(new Uint8Array(0)), (e) => e.code === 'INVALID_JSON');
  assert.equal(exporter.preview(s.invoices.slice(0, 1)).documents.length, 1);
  exporter.free();
});
