// Hostile input against the built package, as an attacker or a careless integrator would call
// it. Every call must either return normally or throw a XeroExportError with a code; never a
// TypeError, a RangeError, a trap, or a crash of the process; and the module must stay usable.
// Bounded: a few thousand cases per entry point, seeded, so a failure is reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { api, pkgDir, prng as rng, require, root } from './helpers.mjs';

const csvEntry = require(path.join(pkgDir, 'csv/node/index.cjs'));

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
const snapshot = await read('sample/snapshot.json');
const clinic = await read('scenarios/clinic.json');

/** Runs `fn`; passes if it returns, or throws a coded XeroExportError (not INTERNAL). */
function survives(fn, label) {
  try {
    return fn();
  } catch (e) {
    assert.ok(e instanceof Error, `${label}: threw a non-Error ${String(e)}`);
    assert.equal(e.name, 'XeroExportError', `${label}: ${e.name}: ${e.message}`);
    assert.match(e.code, /^[A-Z_]+$/, `${label}: no code`);
    assert.notEqual(e.code, 'INTERNAL', `${label}: the core trapped: ${e.message}`);
    assert.ok(e.details && typeof e.details.argument === 'string', `${label}: no details.argument`);
    assert.ok(e.message.length <= 400, `${label}: a ${e.message.length}-character message`);
    return e;
  }
}

/** A case as text for a failure message (BigInts, symbols and non-finite numbers as text). */
const show = (v) =>
  JSON.stringify(v, (k, x) => (typeof x === 'bigint' || typeof x === 'symbol' || (typeof x === 'number' && !Number.isFinite(x)) ? String(x) : x))?.slice(0, 600);

const code = (fn) => {
  try {
    fn();
  } catch (e) {
    return e.name === 'XeroExportError' ? e.code : `${e.name}: ${e.message}`;
  }
  return 'returned';
};

/** The module still works: a known line amount and a fresh exporter. */
function stillUsable() {
  assert.equal(api.lineAmount({ quantity: 2, unitAmount: '1.25' }).lineAmount, '2.50');
  const ex = new api.Exporter(snapshot, clinic.settings);
  assert.equal(ex.preview(clinic.invoices.slice(0, 1)).documents.length, 1);
  ex.free();
}

const nasty = [
  undefined, null, true, false, 0, -0, 1, -1, 42, 1e300, -1e300, 1e-300, NaN, Infinity, -Infinity,
  Number.MAX_SAFE_INTEGER, 2 ** 53 + 1, 1n, 2n ** 200n, Symbol('s'), () => 1, [], [[]], {}, { a: {} },
  '', ' ', '0', '1e28', '-79228162514264337593543950335', '79228162514264337593543950335', '1e400',
  '9'.repeat(40), '\ud800', 'a\u0000b', '\u202Egnp.exe', '\u0085', '2024-01-15T25:00:00', '2024-02-30',
  '9999-12-31', '{', '[', 'null', '{"a":', new Uint8Array([0xff, 0xfe]), new ArrayBuffer(3), new Map(),
  new Date(0), /x/, Object.create(null),
];

function value(r, depth = 0) {
  const roll = r();
  if (depth > 3 || roll < 0.55) return nasty[Math.floor(r() * nasty.length)];
  if (roll < 0.75) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const keys = ['id', 'number', 'date', 'lines', 'quantity', 'unitAmount', 'payer', 'name', 'status', 'tenantId', 'headers', 'body', 'x'];
  const o = {};
  for (let i = Math.floor(r() * 5); i > 0; i--) o[keys[Math.floor(r() * keys.length)]] = value(r, depth + 1);
  return o;
}

/** A valid invoice with one field replaced by a hostile value. */
function mutated(r) {
  const inv = structuredClone(clinic.invoices[Math.floor(r() * clinic.invoices.length)]);
  const line = inv.lines[0];
  const targets = [
    [inv, 'id'], [inv, 'number'], [inv, 'date'], [inv, 'currency'], [inv, 'reference'], [inv, 'payer'],
    [line, 'quantity'], [line, 'unitAmount'], [line, 'discountRate'], [line, 'description'], [line, 'accountCode'],
  ];
  const [obj, key] = targets[Math.floor(r() * targets.length)];
  const v = value(r);
  obj[key] = typeof v === 'symbol' || typeof v === 'function' || typeof v === 'bigint' ? String(v) : v;
  return inv;
}

test('a trap is caught: INTERNAL once, a fresh instance, old objects INSTANCE_RESET', () => {
  const before = new api.Exporter(snapshot, clinic.settings);
  const run = before.plan(clinic.invoices.slice(0, 1), { tenantId: 't' });
  assert.throws(() => api.__testing.trap(), (e) => e.name === 'XeroExportError' && e.code === 'INTERNAL' && /report/.test(e.message));
  for (const f of [() => before.issues, () => before.preview([]), () => run.next(0), () => run.outcomes(), () => run.done]) {
    assert.throws(f, { name: 'XeroExportError', code: 'INSTANCE_RESET' });
  }
  before.free(); // freeing a dead object is harmless
  stillUsable();
  // The shadow stack leaked by each trap used to exhaust memory after ~224 traps.
  for (let i = 0; i < 500; i++) assert.equal(code(() => api.__testing.trap()), 'INTERNAL');
  stillUsable();
});

test('wrong JS types for a run are coded errors, never TypeErrors or traps', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const run = ex.plan(clinic.invoices.slice(0, 2), { tenantId: 't' });
  const [req] = run.next(0);
  for (const id of [42, undefined, null, {}, [], 1n, Symbol('x'), '', 'x'.repeat(1000)]) {
    assert.equal(code(() => run.handle(id, { status: 200 }, 0)), 'INVALID_INPUT', `handle(${String(id)})`);
    assert.equal(code(() => run.lost(id, 0)), 'INVALID_INPUT', `lost(${String(id)})`);
  }
  for (const now of [1n, Symbol('t'), '0', null, undefined, NaN, Infinity, 1e300, -1e300, {}]) {
    assert.equal(code(() => run.next(now)), 'INVALID_INPUT', `next(${String(now)})`);
    assert.equal(code(() => run.lost(req.id, now)), 'INVALID_INPUT', `lost(id, ${String(now)})`);
  }
  for (const response of [null, 42, 'text', [], { status: 429, headers: ['retry-after'] }, { status: 429, headers: 'x' }]) {
    assert.equal(code(() => run.handle(req.id, response, 0)), 'INVALID_INPUT', JSON.stringify(response));
  }
  // The run was not disturbed: the request can still be answered.
  assert.equal(code(() => run.lost(req.id, 0)), 'returned');
  // What used to end in a segfault of Node after ~2,000 rounds.
  for (let i = 0; i < 2500; i++) {
    try {
      run.lost(42, 0);
    } catch {}
    new api.Exporter({}, {}).free();
  }
  stillUsable();
});

test('every method after free() is USED_AFTER_FREE; free() twice is fine', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const run = ex.plan(clinic.invoices.slice(0, 1), { tenantId: 't' });
  const v = new api.TrackingCsvValidator(snapshot);
  ex.free();
  ex.free();
  run.free();
  v.free();
  for (const f of [() => ex.issues, () => ex.preview([]), () => ex.previewJson([]), () => ex.plan([], { tenantId: 't' }),
    () => run.next(0), () => run.handle('r', { status: 200 }, 0), () => run.lost('r', 0), () => run.outcomes(), () => run.log(),
    () => run.summary(), () => run.done, () => run.wakeAt, () => run.stopped, () => run.resume(),
    () => v.push('a'), () => v.progress, () => v.finish(),
    () => ex.choices(), () => ex.searchContacts('a'), () => ex.staleMappings()]) {
    assert.equal(code(f), 'USED_AFTER_FREE', f.toString());
  }
  stillUsable();
});

// This round's entry points (issues 19 and 20): the same promise after free().
test('the result handle, sessions, people and their runs after free() are USED_AFTER_FREE', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const results = ex.previewResults(clinic.invoices.slice(0, 2));
  const session = ex.previewSession();
  const people = ex.syncContacts([{ id: 'm-1', name: 'New Member' }], { tenantId: 't' });
  results.free();
  results.free();
  session.free();
  people.free();
  for (const f of [() => results.body(0), () => results.bodyBytes(0), () => results.document(0), () => results.lines(0),
    () => results.issues(0), () => results.batch(), () => results.toPreview(), () => results.documents(), () => results.documents(0, 1),
    () => results.length, () => results.firstIndex,
    () => session.push([]), () => people.people(),
    () => people.next(0)]) {
    assert.equal(code(f), 'USED_AFTER_FREE', f.toString());
  }
  ex.free();
  for (const f of [() => ex.previewResults([]), () => ex.importContacts([], []), () => ex.syncContacts([], { tenantId: 't' })]) {
    assert.equal(code(f), 'USED_AFTER_FREE', f.toString());
  }
  stillUsable();
});

test('a method called without its object is a coded error, never a TypeError', () => {
  // Regression: `requests.forEach(run.lost)` or `const { next } = run` read a private field of
  // undefined, and the engine's TypeError left the API.
  const ex = new api.Exporter(snapshot, clinic.settings);
  const objects = {
    Exporter: ex,
    SendRun: ex.plan(clinic.invoices.slice(0, 1), { tenantId: 't' }),
    SyncRun: api.sync([], { tenantId: 't' }),
    PreviewResults: ex.previewResults(clinic.invoices.slice(0, 1)),
    PreviewSession: ex.previewSession(),
    TrackingCsvValidator: new api.TrackingCsvValidator(snapshot),
  };
  let checked = 0;
  for (const [name, o] of Object.entries(objects)) {
    const proto = Object.getPrototypeOf(o);
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor') continue;
      const d = Object.getOwnPropertyDescriptor(proto, key);
      for (const receiver of [undefined, null, 5, {}, Object.create(proto), new Proxy(o, {})]) {
        const f = d.get ? () => d.get.call(receiver) : () => d.value.call(receiver, 0);
        assert.throws(f, (e) => e.name === 'XeroExportError' && e.code === 'INVALID_INPUT' && e.details.argument === `${name}.${key}`
          && /bind/.test(e.message), `${name}.${key} on ${String(receiver)}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 150, `${checked} calls`);
  // Bound, they work; the objects were not harmed.
  const { next } = { next: objects.SendRun.next.bind(objects.SendRun) };
  assert.equal(next(0).length, 1);
  // The CSV entry is the same code.
  assert.throws(() => csvEntry.TrackingCsvValidator.prototype.push.call(undefined, 'a'),
    (e) => e.name === 'XeroExportError' && e.details.argument === 'TrackingCsvValidator.push');
});

test('revoked Proxies and throwing getters are coded errors at every entry point, never TypeErrors', () => {
  // Regression: Array.isArray, instanceof and property reads outside encode's try let the
  // engine's TypeError ("Cannot perform 'IsArray' on a proxy that has been revoked"), or the
  // getter's own Error, out of the API, even from describe() while a misuse message was made.
  const ex = new api.Exporter(snapshot, clinic.settings);
  const run = ex.plan(clinic.invoices.slice(0, 1), { tenantId: 't' });
  const [req] = run.next(0);
  const res = ex.previewResults(clinic.invoices.slice(0, 1));
  const v = new api.TrackingCsvValidator(snapshot);
  const revoked = (target) => {
    const { proxy, revoke } = Proxy.revocable(target, {});
    revoke();
    return proxy;
  };
  const throwing = (key) => Object.defineProperty({}, key, { enumerable: true, get() { throw new Error('getter'); } });
  const hostile = [() => revoked({}), () => revoked([]), () => new Proxy([], { get() { throw new Error('trap'); } }),
    ...['status', 'headers', 'limit', 'changes', 'path', 'response'].map((k) => () => throwing(k))];
  const entries = [
    (a) => ex.preview(a), (a) => ex.preview([], a), (a) => ex.previewJson(a), (a) => ex.previewResults(a), (a) => ex.previewSession().push(a),
    (a) => ex.plan(a, { tenantId: 't' }), (a) => ex.resume(run.save(), a), (a) => ex.resume(run.save(), [], a),
    (a) => ex.searchContacts('x', a), (a) => ex.importContacts([], a), (a) => ex.syncContacts(a, { tenantId: 't' }),
    (a) => run.handle(req.id, a, 0), (a) => run.next(a), (a) => run.changes(a), (a) => res.documents(a), (a) => res.body(a),
    (a) => api.toXeroNode(a), (a) => api.toXeroNodeCall(a), (a) => api.fromXeroNode(a),
    (a) => api.validateTrackingCsv(snapshot, a), (a) => v.push(a),
  ];
  for (const f of entries) {
    for (const make of hostile) survives(() => f(make()), `${f} ${make}`);
  }
  run.lost(req.id, 0); // the run was not disturbed
  stillUsable();
});

test('toXeroNode: deep nesting and huge bodies are coded errors', () => {
  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  assert.equal(code(() => api.toXeroNode(deep)), 'INVALID_INPUT');
  let nested = { Invoices: [] };
  for (let i = 0; i < 100_000; i++) nested = { A: nested };
  assert.equal(code(() => api.toXeroNode(nested)), 'INVALID_INPUT');
  const big = `{"Invoices":[${'{"Description":"x"},'.repeat(2_600_000)}{}]}`;
  assert.ok(big.length > 50e6);
  assert.equal(code(() => api.toXeroNode(big)), 'INVALID_INPUT');
  stillUsable();
});

test('the browser entry before init() says to call init(); after init() it works', async () => {
  const web = await import(path.join(pkgDir, 'web/index.js'));
  assert.throws(() => web.lineAmount({ quantity: 1, unitAmount: 1 }), { name: 'XeroExportError', code: 'NOT_INITIALISED', message: /init\(\)/ });
  assert.throws(() => new web.Exporter({}, {}), { code: 'NOT_INITIALISED' });
  await web.init(await readFile(path.join(pkgDir, 'web/xero_export_bg.wasm')));
  assert.equal(web.lineAmount({ quantity: 3, unitAmount: '0.1' }).lineAmount, '0.30');
  assert.throws(() => web.__testing.trap(), { code: 'INTERNAL' });
  assert.equal(web.lineAmount({ quantity: 3, unitAmount: '0.1' }).lineAmount, '0.30');
});

test('mutated invoices: preview and plan return issues or throw a coded error', () => {
  const r = rng(15);
  const ex = new api.Exporter(snapshot, clinic.settings);
  for (let i = 0; i < 2000; i++) {
    const invoices = [mutated(r), mutated(r)];
    survives(() => ex.preview(invoices), `preview #${i} ${show(invoices)}`);
    if (i % 4 === 0) {
      const run = survives(() => ex.plan(invoices, { tenantId: 't' }), `plan #${i}`);
      if (run && !(run instanceof Error)) run.free();
    }
  }
  ex.free();
  stillUsable();
});

test('random values into every entry point: returned, or a coded error', () => {
  const r = rng(7);
  const ex = new api.Exporter(snapshot, clinic.settings);
  const run = ex.plan(clinic.invoices.slice(0, 3), { tenantId: 't' });
  const entries = {
    Exporter: (a, b) => new api.Exporter(a, b).free(),
    preview: (a, b) => ex.preview(a, b),
    previewJson: (a, b) => ex.previewJson(a, b),
    plan: (a, b) => ex.plan(a, b).free(),
    lineAmount: (a) => api.lineAmount(a),
    timesheetInvoice: (a) => api.timesheetInvoice(a),
    toXeroNode: (a) => api.toXeroNode(a),
    toXeroNodeCall: (a) => api.toXeroNodeCall(a),
    fromXeroNode: (a) => api.fromXeroNode(a),
    fromXeroNodeShaped: (a, b, c) => api.fromXeroNode({ response: { status: 200, headers: b, data: a }, body: c }),
    toXeroNodeCallShaped: (a, b, c) => api.toXeroNodeCall({ method: 'GET', path: '/Invoices', query: a, headers: b, body: c }),
    sync: (a, b) => api.sync(a, b).free(),
    resume: (a, b, c) => ex.resume(a, b, c).free(),
    validateTrackingCsv: (a, b, c) => api.validateTrackingCsv(a, b, c),
    exportTrackingCsv: (a, b) => api.exportTrackingCsv(a, b),
    TrackingCsvValidator: (a, b) => {
      const v = new api.TrackingCsvValidator(a, b);
      v.push(typeof b === 'string' ? b : 'Client,Xero Tracking Category 1');
      v.finish();
    },
    handle: (a, b, c) => run.handle(a, b, c),
    lost: (a, b) => run.lost(a, b),
    next: (a) => run.next(a),
    // Issue 20: the result handle and chunked sessions, parts read at random indexes.
    previewResults: (a, b) => ex.previewResults(a, b).free(),
    previewResultsParts: (a) => {
      const res = ex.previewResults(clinic.invoices.slice(0, 3));
      try {
        for (const part of ['document', 'body', 'bodyBytes', 'lines', 'issues']) survives(() => res[part](a), part);
      } finally {
        res.free();
      }
    },
    previewResultsDocuments: (a, b) => {
      const res = ex.previewResults(clinic.invoices.slice(0, 3));
      try {
        survives(() => res.documents(a, b), 'documents');
        survives(() => res.documents(a), 'documents');
      } finally {
        res.free();
      }
    },
    previewSessionPush: (a, b) => {
      const session = ex.previewSession(b);
      try {
        session.push(a);
      } finally {
        session.free();
      }
    },
    // Issue 19: people both ways.
    importContacts: (a, b) => ex.importContacts(a, b),
    syncContacts: (a, b) => ex.syncContacts(a, b).free(),
    // The CSV-only entry (xero-export/csv).
    csvValidate: (a, b, c) => csvEntry.validateTrackingCsv(a, b, c),
    csvExport: (a, b) => csvEntry.exportTrackingCsv(a, b),
    // The configuration screen.
    choices: () => ex.choices(),
    searchContacts: (a, b) => ex.searchContacts(a, b),
    staleMappings: (a) => ex.staleMappings(a),
  };
  for (const [name, f] of Object.entries(entries)) {
    for (let i = 0; i < 1000; i++) {
      const args = [value(r), value(r), value(r)];
      survives(() => f(...args), `${name} #${i}`);
    }
  }
  stillUsable();
});

test('a lone surrogate is one issue on its field, not a failed batch', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const invoices = structuredClone(clinic.invoices.slice(0, 2));
  invoices[1].lines[0].description = 'Consultation 😀'.slice(0, -1); // half an emoji
  const p = ex.preview(invoices);
  assert.equal(p.documents.length, 2);
  assert.equal(p.documents[0].blocked, false);
  assert.deepEqual(p.documents[1].issues.filter((i) => i.code === 'TEXT_INVALID').map((i) => i.path), ['invoices[1].lines[0].description']);
  const evil = structuredClone(clinic.invoices[0]);
  evil.payer = { kind: 'patient', id: 'p-evil', name: 'Evil\u202Egnp.exe' };
  assert.ok(ex.preview([evil]).documents[0].issues.some((i) => i.code === 'TEXT_INVALID' && i.path === 'invoices[0].payer.name'));
  ex.free();
});

// Regression: a lone surrogate in a *key* (a host field named from cut user text) failed the
// whole call with INVALID_JSON; values were already repaired.
test('a lone surrogate in a key is an unknown key on that invoice, not a failed batch', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const invoices = structuredClone(clinic.invoices.slice(0, 2));
  invoices[1].lines[0]['note😀'.slice(0, -1)] = 'x';
  const p = ex.preview(invoices);
  assert.equal(p.documents.length, 2);
  const unknown = p.documents[1].issues.filter((i) => i.code === 'FIELD_UNKNOWN');
  assert.deepEqual(unknown.map((i) => i.path), ['invoices[1].lines[0].note\uFFFD']);
  assert.ok(!p.documents[0].issues.some((i) => i.code === 'FIELD_UNKNOWN'));
  ex.free();
});

test('the same source invoice twice: the second is blocked, so it is sent once', () => {
  const ex = new api.Exporter(snapshot, clinic.settings);
  const inv = clinic.invoices[0];
  const p = ex.preview([inv, { ...inv, number: 'OTHER-1' }]);
  assert.equal(p.documents[1].blocked, true);
  assert.ok(p.documents[1].issues.some((i) => i.code === 'SOURCE_ID_DUPLICATE' && i.path === 'invoices[1].id'));
  assert.equal(code(() => ex.plan([inv], { tenantId: 'tenant\r\nX-Injected: 1' })), 'INVALID_INPUT');
  ex.free();
});

test('unknown settings keys are errors with a did-you-mean; unknown invoice keys warnings', () => {
  const ex = new api.Exporter(snapshot, { ...clinic.settings, kind: 'ACCPAY', contacts: { ...clinic.settings.contacts, onMisssing: 'error' } });
  const issues = ex.issues.filter((i) => i.code === 'SETTING_UNKNOWN');
  // In the order written: `contacts` keeps its place in the spread, `kind` comes last.
  assert.deepEqual(issues.map((i) => [i.severity, i.path]), [['error', 'settings.contacts.onMisssing'], ['error', 'settings.kind']]);
  assert.match(issues[0].message, /did you mean "onMissing"/);
  ex.free();
  const ok = new api.Exporter(snapshot, clinic.settings);
  const inv = structuredClone(clinic.invoices[0]);
  inv.lines[0].service = 'CONSULT';
  const doc = ok.preview([inv]).documents[0];
  const found = doc.issues.filter((i) => i.code === 'FIELD_UNKNOWN');
  assert.deepEqual(found.map((i) => [i.severity, i.path]), [['warning', 'invoices[0].lines[0].service']]);
  ok.free();
  // The plan reads invoices the same way: with unknownFields 'error' the invoice is blocked.
  const strict = new api.Exporter(snapshot, { ...clinic.settings, unknownFields: 'error' });
  const [outcome] = strict.plan([inv], { tenantId: 't' }).outcomes();
  assert.equal(outcome.status, 'blocked');
  assert.ok(outcome.issues.some((i) => i.code === 'FIELD_UNKNOWN' && i.path === 'invoices[0].lines[0].service'));
  strict.free();
});

test('a value of the wrong type is said at its path in your terms, with the right code', () => {
  for (const [settings, at] of [[{ status: null }, 'settings.status'], [{ status: 5 }, 'settings.status'], [{ negativeInvoices: {} }, 'settings.negativeInvoices']]) {
    assert.throws(() => new api.Exporter(snapshot, settings), (e) => {
      assert.equal(e.code, 'INVALID_SETTINGS', e.message);
      assert.ok(e.message.includes(`\`${at}\``), e.message);
      assert.ok(!/ column \d/.test(e.message), e.message);
      return true;
    });
  }
  const ex = new api.Exporter(snapshot, clinic.settings);
  const invoices = structuredClone(clinic.invoices.slice(0, 4));
  invoices[3].lines[0].quantity = true;
  assert.throws(() => ex.preview(invoices), (e) => e.code === 'INVALID_INPUT' && e.message.includes('`invoices[3].lines[0].quantity`') && !/ column \d/.test(e.message));
  assert.throws(() => ex.plan(invoices, { tenantId: 't' }), (e) => e.code === 'INVALID_INPUT' && e.message.includes('`invoices[3].lines[0].quantity`'));
  ex.free();
});

// Regression: `lineAmount({unitdp: NaN})` said "invalid type: map, expected u32": the JS entry's
// marker for NaN and a Rust type, neither of which the caller wrote.
test('a whole number given as NaN, Infinity, 2.5 or an object is said in your terms', () => {
  for (const [unitdp, said] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [2.5, '2.5'], [{}, 'object']]) {
    assert.throws(() => api.lineAmount({ quantity: 1, unitAmount: 1, unitdp }), (e) => {
      assert.equal(e.code, 'INVALID_INPUT', e.message);
      assert.ok(e.message.includes('`line.unitdp`') && e.message.includes(said) && e.message.includes('expected a whole number'), e.message);
      assert.ok(!/u32|\bmap\b|\$nonFinite/.test(e.message), e.message);
      return true;
    });
  }
  assert.throws(() => new api.Exporter(snapshot, { unitdp: NaN }), (e) => e.code === 'INVALID_SETTINGS' && /`settings.unitdp`: invalid value: NaN, expected a whole number/.test(e.message));
  assert.equal(api.lineAmount({ quantity: 1, unitAmount: '1.2345', unitdp: 4 }).unitAmount, '1.2345');
});

test('text that is not JSON is still INVALID_JSON through the watched readers', () => {
  // Regression: the watch turned an unexpected end inside an invoice or the settings into a
  // shape error (INVALID_INPUT / INVALID_SETTINGS) without a position.
  assert.throws(() => new api.Exporter(snapshot, '{"status": "DRAFT", "accounts": {'), (e) => e.code === 'INVALID_JSON' && / column \d/.test(e.message));
  const ex = new api.Exporter(snapshot, clinic.settings);
  for (const text of ['[{"id": "a", "lines": [{"quantity": ', '[{"id": "a"} x]', '[{"id": tru}]']) {
    assert.equal(code(() => ex.preview(text)), 'INVALID_JSON', text);
    assert.equal(code(() => ex.previewJson(text)), 'INVALID_JSON', text);
    assert.equal(code(() => ex.plan(text, { tenantId: 't' })), 'INVALID_JSON', text);
  }
  assert.equal(code(() => ex.preview('[{"id": "a", "lines": [{"quantity": true}]}]')), 'INVALID_INPUT');
  ex.free();
});

// Regression: a snapshot of the wrong shape was said as serde_json's "at line 1 column 15", a
// column of the text JSON.stringify wrote, which the caller never saw. Both entries now say the
// path of the value, as for invoices and settings.
test('a misshapen snapshot is said at the path of the value, in both entries', () => {
  const bad = structuredClone(snapshot);
  bad.trackingCategories.TrackingCategories[0].Options = 'all';
  const said = (fn) => assert.throws(fn, (e) => {
    assert.equal(e.code, 'INVALID_SNAPSHOT', e.message);
    assert.ok(e.message.includes('`snapshot.trackingCategories.TrackingCategories[0].Options`: invalid type: string "all", expected an array'), e.message);
    assert.ok(!/ line \d| column \d/.test(e.message), e.message);
    return true;
  });
  said(() => new api.Exporter(bad, clinic.settings));
  said(() => api.validateTrackingCsv(bad, 'Client ID\n'));
  said(() => csvEntry.validateTrackingCsv(bad, 'Client ID\n'));
  const contacts = structuredClone(snapshot);
  contacts.contacts.Contacts[1].Name = { first: 'Ann' };
  assert.throws(() => new api.Exporter(contacts, null), (e) => e.code === 'INVALID_SNAPSHOT'
    && e.message.includes('`snapshot.contacts.Contacts[1].Name`: invalid type: object, expected a string'));
});

// Regression: `settings.dueDate` was read as one buffered value: `days: 'x'` was said at
// `settings.dueDate`, and a misspelt key threw "unknown field" without a did-you-mean.
test('due-date settings are said at their own keys, misspelt ones with a did-you-mean', () => {
  const threw = (dueDate, said) => assert.throws(() => new api.Exporter(snapshot, { dueDate }), (e) => {
    assert.equal(e.code, 'INVALID_SETTINGS', e.message);
    assert.ok(e.message.includes(said), e.message);
    return true;
  });
  threw({ rule: 'daysAfter', days: 'x' }, '`settings.dueDate.days`: invalid type: string "x", expected a whole number');
  threw({ rule: 'daysAfter', dys: 3 }, '`settings.dueDate.dys` is not a known key: did you mean "days"?');
  const ex = new api.Exporter(snapshot, { dueDate: { rule: 'paymentTerms', fallbakDays: 7 } });
  assert.deepEqual(ex.issues.map((i) => `${i.code}@${i.path}`), ['SETTING_UNKNOWN@settings.dueDate.fallbakDays']);
  assert.match(ex.issues[0].message, /did you mean "fallbackDays"/);
  ex.free();
});
