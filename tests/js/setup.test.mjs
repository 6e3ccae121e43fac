// scripts/setup.sh's contract, run on a copy with stub tools on PATH (no network, nothing
// installed): `build` installs only what building and the demo need, `test` everything; one
// terminal line per step with the tools' output in target/setup.log; a failing step prints the
// log's path and tail and stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root } from './helpers.mjs';

/** A copy of the script, Cargo.lock and tests/ beside a bin/ of stubs that record their calls. */
async function sandbox({ failCargo = false } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'xero-export-setup-'));
  await mkdir(path.join(dir, 'scripts'));
  await mkdir(path.join(dir, 'tests'));
  await mkdir(path.join(dir, 'bin'));
  await copyFile(path.join(root, 'scripts/setup.sh'), path.join(dir, 'scripts/setup.sh'));
  await copyFile(path.join(root, 'Cargo.lock'), path.join(dir, 'Cargo.lock'));
  for (const tool of ['bash', 'awk', 'grep', 'tail', 'date', 'mkdir', 'cat', 'dirname', 'id', 'seq']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    await symlink(found, path.join(dir, 'bin', tool));
  }
  const calls = path.join(dir, 'calls');
  const stub = async (name, body) => {
    await writeFile(path.join(dir, 'bin', name), `#!${path.join(dir, 'bin/bash')}\necho "${name} $*" >> ${calls}\n${body}\n`);
    await chmod(path.join(dir, 'bin', name), 0o755);
  };
  await stub('rustup', 'case "$*" in "target list --installed") echo wasm32-unknown-unknown;; "component list --installed") printf "rustfmt-x\\nclippy-x\\n";; esac');
  await stub('wasm-bindgen', 'echo "wasm-bindgen 0.0.1"');
  // cargo install prints what a compile prints: hundreds of lines.
  await stub('cargo', `case "$*" in "+nightly fuzz --version") exit 1;; esac\nfor i in $(seq 1 400); do echo "   Compiling crate-$i v1.0.0"; done\n${failCargo ? 'echo "error: linker cc not found" >&2; exit 101' : ''}`);
  await stub('npm', 'case "$*" in *ls*) exit 1;; esac; echo "added 240 packages"');
  await stub('apt-get', 'echo "Setting up chromium"');
  await stub('sudo', '"$@"');
  return { dir, calls, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

function setup(dir, mode) {
  return spawnSync(path.join(dir, 'bin/bash'), [path.join(dir, 'scripts/setup.sh'), mode], {
    encoding: 'utf8', env: { PATH: path.join(dir, 'bin'), HOME: dir },
  });
}

test('`setup.sh build` installs only what building and the demo need, one line a step', async () => {
  const { dir, calls, cleanup } = await sandbox();
  try {
    const r = setup(dir, 'build');
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0], /^setup: wasm-bindgen-cli \d+\.\d+\.\d+ \(was: 0\.0\.1; compiles for ~2 min\) … done in \d+ s$/);
    assert.match(lines[1], /^setup: npm ci --omit=dev in tests\/ \(wasm-opt, Prism\) … done in \d+ s$/);
    const made = await readFile(calls, 'utf8');
    assert.match(made, /cargo install wasm-bindgen-cli --version \d/);
    assert.match(made, /npm ci --omit=dev/);
    assert.doesNotMatch(made, /apt-get|cargo-fuzz|\+nightly|component add/);
    const log = await readFile(path.join(dir, 'target/setup.log'), 'utf8');
    assert.equal(log.match(/Compiling crate-/g).length, 400, 'the compiler output is in the log');
  } finally {
    await cleanup();
  }
});

test('`setup.sh test` also installs the browser, Redis, the npm test tools and cargo-fuzz', async () => {
  const { dir, calls, cleanup } = await sandbox();
  try {
    const r = setup(dir, 'test');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.replace(/ … done in \d+ s$/, '')), [
      'setup: wasm-bindgen-cli ' + r.stdout.match(/wasm-bindgen-cli (\S+)/)[1] + ' (was: 0.0.1; compiles for ~2 min)',
      'setup: Debian chromium + chromium-driver',
      'setup: Debian redis-server',
      'setup: npm ci in tests/ (every test tool)',
      'setup: cargo-fuzz 0.13.2 (nightly; compiles for ~2 min)',
    ]);
    assert.match(await readFile(calls, 'utf8'), /apt-get install -y -qq chromium chromium-driver/);
  } finally {
    await cleanup();
  }
});

test('a failing step names the log and shows its tail, and setup stops', async () => {
  const { dir, calls, cleanup } = await sandbox({ failCargo: true });
  try {
    const r = setup(dir, 'build');
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^setup: wasm-bindgen-cli .* … FAILED after \d+ s\n$/);
    assert.match(r.stderr, new RegExp(`full output in ${path.join(dir, 'target/setup.log').replace(/[.]/g, '\\.')}`));
    assert.match(r.stderr, /Compiling crate-400 v1\.0\.0\nerror: linker cc not found\n$/);
    assert.doesNotMatch(await readFile(calls, 'utf8'), /npm ci/, 'no step after the failing one');
  } finally {
    await cleanup();
  }
});

// Regression: vite 8.4's Windows-only optional dependency is not on the registry reachable here,
// so `npm install` wrote a lock that `npm ci` (what setup runs on a fresh machine) refused.
test('tests/package-lock.json is in sync with tests/package.json (npm ci accepts it)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'xero-export-lock-'));
  try {
    for (const f of ['package.json', 'package-lock.json']) await copyFile(path.join(root, 'tests', f), path.join(dir, f));
    for (const args of [['ci', '--dry-run'], ['ci', '--dry-run', '--omit=dev']]) {
      const r = spawnSync('npm', [...args, '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `npm ${args.join(' ')}:\n${r.stderr}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
