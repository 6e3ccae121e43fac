// Starts Prism (@stoplight/prism-cli, pinned in tests/package.json) on the mock spec that
// scripts/mock-spec.mjs writes from ../shared/xero-openapi/xero_accounting.yaml: request bodies
// inlined, so Prism really validates them (toolchain.md). Two modes:
//   mock:  Prism answers with the spec's examples (an invalid body gets the spec's 400);
//   proxy: Prism validates each request against the spec (invalid → 422, not forwarded) and
//          forwards valid ones to `upstream` (the stateful fake Xero), checking its answers too.
// Prism is a child `node` process on 127.0.0.1; `stop()` ends it by its PID.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeMockSpec } from '../../scripts/mock-spec.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PRISM = path.join(root, 'tests/node_modules/@stoplight/prism-cli/dist/index.js');

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let specPath;
/** Writes the mock spec once per process (into a temp dir removed at exit). */
export function mockSpecPath() {
  if (!specPath) {
    const dir = mkdtempSync(path.join(tmpdir(), 'xero-mock-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    specPath = writeMockSpec(path.join(dir, 'xero_mock.json'));
  }
  return specPath;
}

/**
 * Starts Prism and waits until it listens. Returns {url, pid, log, stop}. `log()` is Prism's
 * output so far (its validator lines say which requests passed).
 */
export async function startPrism({ mode = 'mock', upstream, timeoutMs = 90_000 } = {}) {
  const port = await freePort();
  const args = mode === 'proxy'
    ? [PRISM, 'proxy', '-h', '127.0.0.1', '-p', String(port), '--errors', mockSpecPath(), upstream]
    : [PRISM, 'mock', '-h', '127.0.0.1', '-p', String(port), mockSpecPath()];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => { out += c; });
  child.stderr.on('data', (c) => { out += c; });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(); return; }
    child.once('exit', () => resolve());
    process.kill(child.pid, 'SIGTERM');
  });
  const started = Date.now();
  try {
    await new Promise((resolve, reject) => {
      const check = () => {
        if (out.includes('Prism is listening')) resolve();
        else if (child.exitCode !== null) reject(new Error(`prism exited (${child.exitCode}):\n${out}`));
        else if (Date.now() - started > timeoutMs) reject(new Error(`prism did not start in ${timeoutMs} ms:\n${out}`));
        else setTimeout(check, 100);
      };
      check();
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid, startedInMs: Date.now() - started, log: () => out, stop };
}
