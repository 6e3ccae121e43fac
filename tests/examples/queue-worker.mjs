// The README's "Running exports on a job queue": a BullMQ worker that drives one sending run per
// organisation (tenant), persists the run's state in Redis after every call that changed it, and
// re-enqueues itself with a delay when the run waits (delay = wakeAt − now). Any worker process
// can pick the next job up: the run continues from the state, exactly where it stood.
// tests/js/queue.test.mjs runs two of these against a local fake Xero and SIGKILLs them.
//
//   REDIS_URL=redis://127.0.0.1:6379 XERO_TOKEN=… node queue-worker.mjs
//
// Redis keys per tenant t (written by the producer: xe:{t}:export):
//   xe:{t}:export   {snapshot, settings, work, options, baseUrl}: what to export
//   xe:{t}:state    run.save() at the last compaction (or after planning)
//   xe:{t}:changes  list: run.changes(seq) appended after every call since (append-only)
//   xe:{t}:lock     the worker driving t (SET NX PX, renewed while driving, released after)
//   xe:{t}:rate     sorted set: this tenant's sends in the last minute (Xero allows 60)
//   xe:{t}:result   {summary, outcomes, payments} once the run is done
import os from 'node:os';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const { Exporter } = await import(process.env.XERO_EXPORT_MODULE ?? 'xero-export');

const QUEUE = process.env.QUEUE ?? 'xero-export';
const TOKEN = process.env.XERO_TOKEN; // an OAuth 2.0 access token: the host's business
const LOCK_MS = Number(process.env.LOCK_MS ?? 10_000); // a dead worker's tenant is free after this
const TIMEOUT_MS = Number(process.env.REQUEST_TIMEOUT_MS ?? 60_000);
const INLINE_WAIT_MS = 1_000; // longer waits free the worker: persist, re-enqueue with a delay
const PER_MINUTE = 60; // Xero's limit per tenant; the window has a second of margin below
const WINDOW_MS = 61_000;
const ME = `${os.hostname()}:${process.pid}`;

const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
const queue = new Queue(QUEUE, { connection: redis });
const keys = (t) => ({
  export: `xe:${t}:export`, state: `xe:${t}:state`, changes: `xe:${t}:changes`,
  lock: `xe:${t}:lock`, rate: `xe:${t}:rate`, result: `xe:${t}:result`,
});
const log = (event) => console.log(JSON.stringify({ worker: ME, at: Date.now(), ...event }));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every write of the run's state is fenced by the lock: a worker that lost it (stalled past
// LOCK_MS) can no longer append to a run another worker now drives.
redis.defineCommand('renewLock', { numberOfKeys: 1, lua: `
  if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
  return 0` });
redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: `
  if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
  return 0` });
redis.defineCommand('appendChanges', { numberOfKeys: 2, lua: `
  if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
  redis.call('rpush', KEYS[2], ARGV[2])
  return 1` });
redis.defineCommand('writeState', { numberOfKeys: 3, lua: `
  if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
  redis.call('set', KEYS[2], ARGV[2])
  redis.call('del', KEYS[3])
  return 1` });
// A send slot of the tenant's minute: 0 when taken, else how long to wait for one.
redis.defineCommand('takeSlot', { numberOfKeys: 1, lua: `
  local now = tonumber(ARGV[1])
  redis.call('zremrangebyscore', KEYS[1], '-inf', now - tonumber(ARGV[3]))
  if redis.call('zcard', KEYS[1]) < tonumber(ARGV[2]) then
    redis.call('zadd', KEYS[1], now, ARGV[4])
    redis.call('pexpire', KEYS[1], ARGV[3])
    return 0
  end
  local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
  return tonumber(oldest[2]) + tonumber(ARGV[3]) - now` });

class LockLost extends Error {}

/** One tenant's run, driven while this worker holds the tenant's lock. */
class Driver {
  constructor(tenantId) {
    this.t = tenantId;
    this.k = keys(tenantId);
    this.lost = false;
  }

  async lock() {
    if ((await redis.set(this.k.lock, ME, 'PX', LOCK_MS, 'NX')) !== 'OK') return false;
    this.renewal = setInterval(async () => {
      if ((await redis.renewLock(this.k.lock, ME, LOCK_MS)) !== 1) this.lost = true;
    }, LOCK_MS / 3);
    return true;
  }

  async unlock() {
    clearInterval(this.renewal);
    await redis.releaseLock(this.k.lock, ME);
  }

  /** Appends what the run recorded since the last write: before a request is sent (so a
   *  crash leaves it in flight in the state, to be looked up) and after every answer. */
  async persist() {
    if (this.run.seq === this.seq) return;
    const chunk = this.run.changes(this.seq);
    this.seq = this.run.seq;
    if ((await redis.appendChanges(this.k.lock, this.k.changes, ME, chunk)) !== 1) throw new LockLost();
  }

  /** The whole state in one key, the appended changes dropped (atomically). */
  async compact() {
    if ((await redis.writeState(this.k.lock, this.k.state, this.k.changes, ME, this.run.save())) !== 1) throw new LockLost();
    this.seq = this.run.seq;
  }

  async load() {
    const job = JSON.parse(await redis.get(this.k.export));
    this.job = job;
    this.exporter = new Exporter(job.snapshot, job.settings);
    const state = await redis.get(this.k.state);
    if (state === null) {
      this.run = this.exporter.plan(job.work, job.options);
      log({ event: 'planned', tenantId: this.t });
    } else {
      const changes = await redis.lrange(this.k.changes, 0, -1);
      // Requests in flight when the last worker stopped are lost: looked up, never resent.
      this.run = this.exporter.resume(state, job.work, { tenantId: this.t, changes });
      log({ event: 'resumed', tenantId: this.t, chunks: changes.length, seq: this.run.seq });
    }
    await this.compact();
  }

  async slot() {
    for (;;) {
      const wait = await redis.takeSlot(this.k.rate, Date.now(), PER_MINUTE, WINDOW_MS, `${ME}:${Math.random()}`);
      if (wait === 0) return;
      await sleep(Math.min(wait, LOCK_MS / 3));
      if (this.lost) throw new LockLost();
    }
  }

  async perform(r) {
    await this.slot();
    if (this.lost) throw new LockLost();
    let response, body;
    try {
      response = await fetch(this.job.baseUrl + r.url, {
        method: r.method,
        headers: { ...r.headers, Authorization: `Bearer ${TOKEN}` },
        body: r.body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      body = await response.text();
    } catch {
      this.run.lost(r.id, Date.now());
      return this.persist();
    }
    this.run.handle(r.id, { status: response.status, headers: response.headers, body }, Date.now());
    return this.persist();
  }

  /** Drives until the run is done ('done') or waits longer than INLINE_WAIT_MS ('paused'). */
  async drive() {
    while (!this.run.done) {
      if (this.lost) throw new LockLost();
      const requests = this.run.next(Date.now());
      await this.persist(); // persist, then send
      if (requests.length > 0) {
        await Promise.all(requests.map((r) => this.perform(r)));
        continue;
      }
      const wakeAt = this.run.wakeAt;
      if (wakeAt === null) break;
      const delay = wakeAt - Date.now();
      if (delay > INLINE_WAIT_MS) {
        // Persist, then re-enqueue with delay = wakeAt − now, and free this worker.
        await this.compact();
        await queue.add('export', { tenantId: this.t }, { delay, removeOnComplete: true, removeOnFail: true });
        log({ event: 'paused', tenantId: this.t, delay });
        return 'paused';
      }
      await sleep(Math.max(0, delay));
    }
    await this.compact();
    const result = { summary: this.run.summary(), outcomes: this.run.outcomes(), payments: this.run.payments() };
    await redis.set(this.k.result, JSON.stringify(result));
    log({ event: 'done', tenantId: this.t, summary: result.summary, stateBytes: (await redis.strlen(this.k.state)) });
    return 'done';
  }
}

/** One job: `{tenantId}`. A tenant another worker drives is given up without sending anything:
 *  that worker re-enqueues the tenant itself (or BullMQ re-queues its job if it died). */
async function processJob(job) {
  const d = new Driver(job.data.tenantId);
  if (await redis.exists(d.k.result)) return 'done';
  if (!(await d.lock())) {
    log({ event: 'busy', tenantId: d.t });
    return 'busy';
  }
  try {
    if (await redis.exists(d.k.result)) return 'done';
    await d.load();
    return await d.drive();
  } catch (err) {
    if (!(err instanceof LockLost)) throw err;
    log({ event: 'lock-lost', tenantId: d.t });
    return 'lock-lost';
  } finally {
    await d.unlock();
    d.run?.free();
    d.exporter?.free();
  }
}

const worker = new Worker(QUEUE, processJob, {
  connection: redis,
  concurrency: 2,
  // A killed worker's job is taken back once its BullMQ lock expires and handed to another
  // worker. Twice the tenant lock: by then the dead worker's tenant lock has expired, so the
  // job taken back drives the run instead of finding it busy and giving up.
  lockDuration: 2 * LOCK_MS,
  stalledInterval: LOCK_MS / 2,
  maxStalledCount: 1_000,
});
worker.on('failed', (job, err) => log({ event: 'failed', tenantId: job?.data?.tenantId, error: String(err?.stack ?? err) }));
log({ event: 'ready' });
