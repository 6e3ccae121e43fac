// Durable runs on a real job queue: BullMQ on a redis-server this test starts (127.0.0.1, a free
// port) and stops. A producer enqueues the export of 300 invoices (with payments and refunds
// allocated to the invoices they credit) for each of two organisations; two worker processes
// (tests/examples/queue-worker.mjs) drive the runs against two fake Xeros with faults (429
// minute and day, 5xx, dropped connections, answers that never come), persisting the run state
// in Redis after every call and re-enqueueing on wakeAt. The test SIGKILLs workers at random
// moments and right after Xero saved a request (before the worker could persist the answer),
// starting a new worker each time, then checks: one outcome per source invoice, each document
// once in Xero, no payment or allocation twice, and per tenant never more than 5 requests in
// flight nor 60 in a minute, across workers. And a tenant locked by another worker is given up
// without sending anything.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { prng, root } from './helpers.mjs';
import { startFakeXero } from './fake-xero.mjs';

const require = createRequire(path.join(root, 'tests/package.json'));
const { Queue } = require('bullmq');
const { Redis } = require('ioredis');

const read = async (p) => JSON.parse(await readFile(path.join(root, 'tests/fixtures', p), 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const WORKER = path.join(root, 'tests/examples/queue-worker.mjs');
const MODULE = pathToFileURL(path.join(root, 'pkg/node/index.mjs')).href;
const N = 300;

let redisProc, redisUrl, dir;

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'xe-queue-'));
  const port = await freePort();
  redisProc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  redisUrl = `redis://127.0.0.1:${port}`;
  const probe = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => {}); // refused until redis-server listens: retried below
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(50);
    }
  }
  probe.disconnect();
});

after(async () => {
  redisProc?.kill('SIGTERM');
  await new Promise((r) => (redisProc?.exitCode !== null ? r() : redisProc.once('exit', r)));
  await rm(dir, { recursive: true, force: true });
});

/** A worker process; its JSON log lines are collected in `events`. */
function startWorker(queue, events, extraEnv = {}) {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE: queue, XERO_TOKEN: 'test-token', XERO_EXPORT_MODULE: MODULE, LOCK_MS: '2000', REQUEST_TIMEOUT_MS: '500', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let buf = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try { events.push(JSON.parse(line)); } catch { /* not ours */ }
    }
  });
  return child;
}

const stop = (child) => new Promise((r) => {
  if (child.exitCode !== null || child.signalCode !== null) return r();
  child.once('exit', r);
  child.kill('SIGKILL');
});

/** 300 invoices of one organisation: every 7th for a new patient, every 50th a refund of the
 *  invoice before it (a credit note then allocated to it), a payment on every 3rd. */
function work(prefix) {
  const invoices = [];
  for (let i = 0; i < N; i++) {
    const inv = {
      id: `${prefix}-${i}`, number: `${prefix}-${String(i).padStart(4, '0')}`, date: '2024-02-01', reference: `visit ${i}`,
      payer: { kind: 'patient', id: 'P-100', name: 'Katherine Warren' },
      lines: [{ description: `Consultation ${i}`, quantity: 1 + (i % 3), unitAmount: `${40 + (i % 17)}.${String(i % 100).padStart(2, '0')}`, taxCode: 'GST', clinicianId: 'dr-1', locationId: 'north' }],
    };
    if (i % 7 === 3) inv.payer = { kind: 'patient', id: `NEW-${prefix}-${Math.floor(i / 14)}`, name: `New Patient ${prefix} ${Math.floor(i / 14)}` };
    if (i % 50 === 49) {
      inv.lines = [{ description: 'Refund', quantity: 1, unitAmount: '-10.00', taxCode: 'GST' }];
      inv.creditsInvoiceNumber = invoices[i - 1].number;
      inv.payer = invoices[i - 1].payer;
    }
    invoices.push(inv);
  }
  const payments = invoices
    .filter((inv, i) => i % 3 === 0 && i % 50 !== 49 && (i + 1) % 50 !== 49)
    .map((inv) => ({ id: `pay-${inv.id}`, invoice: { sourceId: inv.id }, amount: '5.00', date: '2024-02-02', account: { code: '091' } }));
  return { invoices, payments };
}

async function produce(redis, queue, tenantId, xero, w) {
  const snapshot = await read('sample/snapshot.json');
  const { settings } = await read('scenarios/clinic.json');
  const options = { tenantId, maxDocuments: 20, backoffMs: 50, maxAttempts: 40 };
  await redis.set(`xe:${tenantId}:export`, JSON.stringify({ snapshot, settings, work: w, options, baseUrl: xero.url }));
  await queue.add('export', { tenantId }, { removeOnComplete: true, removeOnFail: true });
}

async function until(what, fn, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('the README shows the worker verbatim', async () => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const worker = await readFile(WORKER, 'utf8');
  const section = readme.slice(readme.indexOf('## Running exports on a job queue'), readme.indexOf('## Syncing statuses back'));
  const blocks = [...section.matchAll(/```js\n\/\/ tests\/examples\/queue-worker\.mjs[^\n]*\n(?:\/\/[^\n]*\n)*([\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(blocks.length >= 2);
  for (const b of blocks) {
    const indented = b.trimEnd().split('\n').map((l) => (l ? `  ${l}` : l)).join('\n');
    assert.ok(worker.includes(indented), `the README snippet is a verbatim part of tests/examples/queue-worker.mjs:\n${b}`);
  }
});

test('a tenant another worker holds is given up without sending anything, then exported once free', { timeout: 60_000 }, async () => {
  const snapshot = await read('sample/snapshot.json');
  const xero = await startFakeXero({ snapshot });
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('lock-test', { connection: redis });
  const events = [];
  const child = startWorker('lock-test', events);
  try {
    await redis.set('xe:tenant-c:lock', 'another-worker:1', 'PX', 60_000);
    const w = work('C');
    w.invoices = w.invoices.slice(0, 12);
    w.payments = [];
    await produce(redis, queue, 'tenant-c', xero, w);
    await until('the busy job', () => events.some((e) => e.event === 'busy' && e.tenantId === 'tenant-c'), 20_000);
    await sleep(500);
    assert.equal(xero.requests.length, 0, 'nothing was sent for a tenant another worker drives');
    assert.equal(await redis.exists('xe:tenant-c:state'), 0, 'nothing was planned or persisted');
    // The holder finishes (or its lock expires): the tenant's next job exports it.
    await redis.del('xe:tenant-c:lock');
    await queue.add('export', { tenantId: 'tenant-c' }, { removeOnComplete: true });
    await until('the export', async () => (await redis.exists('xe:tenant-c:result')) === 1, 20_000);
    const result = JSON.parse(await redis.get('xe:tenant-c:result'));
    assert.equal(result.summary.exported, 12);
    assert.equal(xero.state.invoices.length + xero.state.creditNotes.length, 12);
  } finally {
    await stop(child);
    await queue.close();
    redis.disconnect();
    await xero.close();
  }
});

test('two workers, two organisations, 20+ SIGKILLs: every invoice once, limits kept', { timeout: 300_000 }, async () => {
  const started = Date.now();
  const seed = Number(process.env.QUEUE_SEED ?? 20241117);
  const random = prng(seed);
  const snapshot = await read('sample/snapshot.json');
  const tenants = ['tenant-a', 'tenant-b'];
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('kill-test', { connection: redis });
  const events = [];
  const workers = new Set();
  const holders = new Map(); // tenant → pid holding its lock (polled)
  const kills = { random: 0, afterSave: 0 };
  let killing = true;
  const faults = {};

  const spawnWorker = () => {
    const child = startWorker('kill-test', events);
    workers.add(child);
    child.once('exit', () => {
      workers.delete(child);
      if (killing || !finished) spawnWorker();
    });
  };
  const kill = (child, why) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return false;
    kills[why]++;
    child.kill('SIGKILL');
    return true;
  };
  const totalKills = () => kills.random + kills.afterSave;
  let finished = false;

  const fakes = {};
  for (const t of tenants) {
    fakes[t] = await startFakeXero({
      snapshot,
      uniqueNumbers: false, // only the library's lookups keep a document from being created twice
      idempotency: false,
      fault: (entry) => {
        const forced = ['drop-after', '500-after', 'hang-after', '429', 'drop-before', '500-before', '429-day', 'kill'];
        const k = faults[entry.tenant]?.n ?? 0;
        faults[entry.tenant] = { ...faults[entry.tenant], n: k + 1 };
        const r = random();
        let f = k < forced.length ? forced[k]
          : r < 0.05 ? '429' : r < 0.06 ? '429-day' : r < 0.09 ? '500-before' : r < 0.12 ? '500-after'
          : r < 0.14 ? 'drop-before' : r < 0.17 ? 'drop-after' : r < 0.19 ? 'hang-after'
          : r < 0.25 ? 'kill' : 'none';
        if (f === 'kill') {
          // Xero saves the request; the worker dies before it can persist the answer.
          const pid = holders.get(entry.tenant);
          const child = [...workers].find((c) => c.pid === pid);
          if (killing && entry.method !== 'GET' && child) setImmediate(() => kill(child, 'afterSave'));
          f = 'hang-after';
        }
        faults[entry.tenant][f] = (faults[entry.tenant][f] ?? 0) + 1;
        return f;
      },
    });
  }

  const poll = setInterval(async () => {
    for (const t of tenants) {
      const v = await redis.get(`xe:${t}:lock`).catch(() => null);
      if (v) holders.set(t, Number(v.split(':').pop()));
      else holders.delete(t);
    }
  }, 50);
  let randomKiller;
  const scheduleKill = () => {
    randomKiller = setTimeout(() => {
      if (!killing) return;
      const list = [...workers];
      kill(list[Math.floor(random() * list.length)], 'random');
      if (totalKills() >= 24) killing = false;
      else scheduleKill();
    }, 1_000 + random() * 3_000);
  };

  try {
    spawnWorker();
    spawnWorker();
    const works = { 'tenant-a': work('A'), 'tenant-b': work('B') };
    for (const t of tenants) await produce(redis, queue, t, fakes[t], works[t]);
    scheduleKill();
    await until('both exports', async () => {
      if (totalKills() >= 24) killing = false;
      return (await redis.exists('xe:tenant-a:result', 'xe:tenant-b:result')) === 2;
    }, Number(process.env.QUEUE_WAIT_MS ?? 270_000));
    killing = false;
    finished = true;

    for (const t of tenants) {
      const xero = fakes[t];
      const w = works[t];
      const result = JSON.parse(await redis.get(`xe:${t}:result`));
      // One outcome per source invoice, each exported.
      assert.deepEqual(result.outcomes.map((o) => o.sourceId), w.invoices.map((i) => i.id), t);
      const bad = result.outcomes.filter((o) => o.status !== 'exported');
      assert.deepEqual(bad, [], t);
      // Each document exactly once in Xero.
      const numbers = [...xero.state.invoices.map((d) => d.InvoiceNumber), ...xero.state.creditNotes.map((d) => d.CreditNoteNumber)];
      assert.equal(numbers.length, N, `${t}: ${numbers.length} documents in Xero`);
      assert.equal(new Set(numbers).size, N, `${t}: a document was created twice`);
      for (const [key, times] of xero.state.created) assert.equal(times, 1, `${t}: ${key} created ${times} times`);
      // Each payment once, each allocation once.
      assert.equal(xero.state.payments.length, w.payments.length, `${t}: payments in Xero`);
      const paid = xero.state.payments.map((p) => p.Invoice?.InvoiceID);
      assert.equal(new Set(paid).size, paid.length, `${t}: an invoice was paid twice`);
      assert.ok(result.payments.every((p) => p.status === 'exported'), `${t}: ${JSON.stringify(result.payments.filter((p) => p.status !== 'exported'))}`);
      for (const cn of xero.state.creditNotes) assert.equal(cn.Allocations.length, 1, `${t}: ${cn.CreditNoteNumber} allocated ${cn.Allocations.length} times`);
      // Xero's limits per organisation, across workers.
      const stats = xero.state.tenants.get(t);
      assert.ok(stats.maxInFlight <= 5, `${t}: ${stats.maxInFlight} requests in flight at once`);
      assert.ok(xero.state.maxPerMinute(t) <= 60, `${t}: ${xero.state.maxPerMinute(t)} requests in a minute`);
      const other = tenants.find((x) => x !== t);
      assert.ok(xero.requests.every((r) => r.tenant === t), `${t}: a request for ${other} reached this organisation`);
    }
    assert.ok(totalKills() >= 20, `only ${totalKills()} kills`);
    assert.ok(kills.afterSave >= 1, 'no kill between Xero saving and the worker persisting');
    const resumed = events.filter((e) => e.event === 'resumed').length;
    const failed = events.filter((e) => e.event === 'failed');
    assert.deepEqual(failed, []);
    console.log(`queue: ${totalKills()} kills (${kills.random} random, ${kills.afterSave} after Xero saved), ${resumed} resumes, `
      + `${events.filter((e) => e.event === 'paused').length} pauses, ${events.filter((e) => e.event === 'busy').length} busy, `
      + `requests ${tenants.map((t) => `${t} ${fakes[t].requests.length} (max ${fakes[t].state.tenants.get(t).maxInFlight} in flight, ${fakes[t].state.maxPerMinute(t)}/min)`).join(', ')}, `
      + `state ${events.filter((e) => e.event === 'done').map((e) => `${e.tenantId} ${e.stateBytes} bytes (${Math.round(e.stateBytes / N)} per invoice)`).join(', ')}, `
      + `faults ${JSON.stringify(faults)}, ${Date.now() - started} ms`);
  } finally {
    if (process.env.QUEUE_DEBUG) {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(process.env.QUEUE_DEBUG, JSON.stringify({ kills, faults, events, requests: Object.fromEntries(tenants.map((t) => [t, fakes[t].requests.map(({ n, method, url, status, fault }) => ({ n, method, url: url.slice(0, 60), status, fault }))])) }, null, 1));
    }
    killing = false;
    finished = true;
    clearTimeout(randomKiller);
    clearInterval(poll);
    await Promise.all([...workers].map(stop));
    await queue.close();
    redis.disconnect();
    for (const t of tenants) await fakes[t].close();
  }
});
