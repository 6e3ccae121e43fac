// Packaging: `npm pack` the built pkg/, install the tarball into a fresh project, and use it the
// ways a user would: CommonJS require, ESM import, the README's example, and TypeScript types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, copyFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pkgDir, root } from './helpers.mjs';

let dir;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', ...opts });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'xero-export-pack-'));
  const tarball = run('npm', ['pack', pkgDir, '--pack-destination', dir, '--silent']).trim().split('\n').pop();
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(dir, tarball)]);
});

after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

test('the tarball holds only the files the package needs', async () => {
  const installed = path.join(dir, 'node_modules/xero-export');
  const top = (await readdir(installed)).sort();
  assert.deepEqual(top, ['README.md', 'index.d.ts', 'node', 'package.json', 'web']);
  assert.deepEqual((await readdir(path.join(installed, 'web'))).sort(), ['index.js', 'xero_export_bg.wasm']);
});

test('CommonJS require works', () => {
  const out = run('node', ['-e', "const x=require('xero-export');console.log(x.lineAmount({quantity:2,unitAmount:'20'}).lineAmount)"]);
  assert.equal(out.trim(), '40.00');
});

test('ESM import works (named and default)', () => {
  const out = run('node', ['--input-type=module', '-e', "import init,{lineAmount} from 'xero-export';await init();console.log(lineAmount({quantity:2,unitAmount:'20'}).lineAmount)"]);
  assert.equal(out.trim(), '40.00');
});

test("the README's Node example runs", async () => {
  await copyFile(path.join(root, 'tests/examples/node-example.mjs'), path.join(dir, 'example.mjs'));
  const out = run('node', ['example.mjs']);
  assert.match(out, /ACCREC for Katherine Warren \(matched by name\), due 2024-02-20/);
  assert.match(out, /totals 76\.30 \+ 11\.44 = 87\.74/);
  assert.match(out, /PUT \/Invoices \{"Invoices":\[\{"Type":"ACCREC"/);
  assert.match(out, /error TOO_MANY_DECIMALS at unitAmount/);
});

test('the types type-check a usage file', async () => {
  await writeFile(path.join(dir, 'usage.ts'), `
import init, { lineAmount, version, type Issue } from 'xero-export';
async function main(): Promise<string> {
  await init();
  const r = lineAmount({ quantity: 1, unitAmount: '2.50' });
  const codes: string[] = r.issues.map((i: Issue) => i.code);
  return (r.lineAmount ?? '') + version() + codes.join();
}
void main;
`);
  const tsc = path.join(root, 'tests/node_modules/.bin/tsc');
  run(tsc, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'usage.ts']);
});
