// Packaging: `npm pack` the built pkg/, install the tarball into a fresh project, and use it the
// ways a user would: CommonJS require, ESM import, the README's example, and TypeScript types
// (node16 ESM, node16 CommonJS and bundler projects). publint and attw check the layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, copyFile, readdir, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pkgDir, root } from './helpers.mjs';

let dir;
let tarballPath;
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', ...opts });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'xero-export-pack-'));
  const tarball = run('npm', ['pack', pkgDir, '--pack-destination', dir, '--silent']).trim().split('\n').pop();
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  tarballPath = path.join(dir, tarball);
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarballPath]);
});

after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

test('the tarball holds only the files the package needs', async () => {
  const installed = path.join(dir, 'node_modules/xero-export');
  const top = (await readdir(installed)).sort();
  assert.deepEqual(top, ['LICENSE', 'README.md', 'csv', 'index.d.cts', 'index.d.mts', 'node', 'package.json', 'types.d.cts', 'types.d.mts', 'web']);
  assert.deepEqual((await readdir(path.join(installed, 'web'))).sort(), ['index.js', 'package.json', 'xero_export_bg.wasm']);
});

// npm metadata (issue 21): where the code, the documentation and the bug tracker are, the licence
// as a field and as a file, and the module type stated rather than defaulted.
test('the package says where it lives, how it is licensed and its module type', async () => {
  const installed = path.join(dir, 'node_modules/xero-export');
  const meta = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
  assert.equal(meta.license, 'MIT');
  assert.equal(meta.type, 'commonjs');
  assert.match(meta.repository?.url ?? '', /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
  assert.match(meta.homepage ?? '', /^https:\/\/github\.com\/.+#readme$/);
  assert.match(meta.bugs?.url ?? '', /^https:\/\/github\.com\/.+\/issues$/);
  const licence = await readFile(path.join(installed, 'LICENSE'), 'utf8');
  assert.match(licence, /^MIT License\n\nCopyright \(c\) \d{4} xero-export contributors\n/);
  const readme = await readFile(path.join(installed, 'README.md'), 'utf8');
  assert.ok(readme.includes(meta.homepage), 'the npm README links to the full documentation');
});

test('the tarball ships the main .wasm once', () => {
  const [packed] = JSON.parse(run('npm', ['pack', pkgDir, '--dry-run', '--json', '--silent']));
  const wasm = packed.files.map((f) => f.path).filter((p) => p.endsWith('xero_export_bg.wasm'));
  assert.deepEqual(wasm, ['web/xero_export_bg.wasm']);
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

// Each TypeScript consumer in a project of its own beside the installed package: node16 ESM
// (`import init from` must be callable: TS2349 before the per-format types), node16 CommonJS,
// and a bundler (moduleResolution bundler, which takes the `default` condition).
const tsc = () => path.join(root, 'tests/node_modules/.bin/tsc');
const usage = `
import init, { lineAmount, version, type Issue, type IssueCode, type Preview } from 'xero-export';
export async function main(): Promise<string> {
  await init();
  const r = lineAmount({ quantity: 1, unitAmount: '2.50' });
  const codes: IssueCode[] = r.issues.map((i: Issue) => i.code);
  return (r.lineAmount ?? '') + version() + codes.join();
}
export const documents = (p: Preview): number => p.summary.documents;
`;

async function typecheck(name, packageJson, file, compilerOptions) {
  const project = path.join(dir, name);
  await mkdir(path.join(project, 'node_modules'), { recursive: true });
  await symlink(path.join(dir, 'node_modules/xero-export'), path.join(project, 'node_modules/xero-export'), 'dir');
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name, private: true, ...packageJson }));
  await writeFile(path.join(project, file), usage);
  await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'es2022', skipLibCheck: false, ...compilerOptions },
    files: [file],
  }));
  try {
    execFileSync(tsc(), ['-p', project], { cwd: project, encoding: 'utf8' });
  } catch (err) {
    assert.fail(`${name}: tsc failed\n${err.stdout}${err.stderr}`);
  }
}

test('the types type-check from a node16 ES module', () =>
  typecheck('ts-node16-esm', { type: 'module' }, 'usage.ts', { module: 'node16', moduleResolution: 'node16' }));

test('the types type-check from node16 CommonJS', () =>
  typecheck('ts-node16-cjs', { type: 'commonjs' }, 'usage.ts', { module: 'node16', moduleResolution: 'node16' }));

test('the types type-check from a bundler project', () =>
  typecheck('ts-bundler', { type: 'module' }, 'usage.ts', { module: 'esnext', moduleResolution: 'bundler' }));

test('publint finds no problem (strict: warnings fail too)', () => {
  const bin = path.join(root, 'tests/node_modules/.bin/publint');
  try {
    const out = run(bin, ['--strict', path.join(dir, 'node_modules/xero-export')]);
    assert.doesNotMatch(out, /Suggestions:|Warnings:|Errors:/, out);
  } catch (err) {
    assert.fail(`publint:\n${err.stdout ?? ''}${err.stderr ?? ''}${err.message}`);
  }
});

test('attw finds no problem in the tarball', () => {
  // ./xero_export_bg.wasm is a file to fetch or hand to a bundler, not a module with types:
  // attw cannot resolve it by design, so only the module entry points are checked.
  const bin = path.join(root, 'tests/node_modules/.bin/attw');
  try {
    run(bin, [tarballPath, '--exclude-entrypoints', './xero_export_bg.wasm', './csv/xero_export_csv_bg.wasm', '--format', 'ascii']);
  } catch (err) {
    assert.fail(`attw:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
});

// ---- xero-export/csv: the CSV-only entry and its own .wasm (scripts/build-csv.sh) ----------

test('the tarball holds the CSV entry: its own .wasm, the Node and browser entries, types', async () => {
  const csv = path.join(dir, 'node_modules/xero-export/csv');
  assert.deepEqual((await readdir(csv)).sort(), ['index.d.cts', 'index.d.mts', 'node', 'web']);
  assert.deepEqual((await readdir(path.join(csv, 'node'))).sort(), ['index.cjs', 'index.mjs']);
  assert.deepEqual((await readdir(path.join(csv, 'web'))).sort(), ['index.js', 'package.json', 'xero_export_csv_bg.wasm']);
});

test('xero-export/csv works from require and import', () => {
  const check = "validateTrackingCsv({trackingCategories:[]},'Client ID,Xero Tracking Category 1,Xero Tracking Category 2\\nC1,,\\n').rowsValid";
  assert.equal(run('node', ['-e', `const x=require('xero-export/csv');console.log(x.${check}, typeof x.Exporter)`]).trim(), '1 undefined');
  assert.equal(run('node', ['--input-type=module', '-e', `import init,{validateTrackingCsv} from 'xero-export/csv';await init();console.log(${check})`]).trim(), '1');
});

test('the CSV entry\'s types type-check from node16 ESM and CommonJS', async () => {
  const csvUsage = `
import init, { validateTrackingCsv, TrackingCsvValidator, type TrackingCsvResult, type XeroExportError } from 'xero-export/csv';
async function main(): Promise<number> {
  await init();
  const v = new TrackingCsvValidator({ trackingCategories: [] }, { maxIssues: 10 });
  v.push(new Uint8Array([67, 10]));
  const r: TrackingCsvResult = validateTrackingCsv('{}', 'Client ID', { assignments: false });
  const e: XeroExportError | undefined = undefined;
  return r.rowsFailing + v.finish().rowsRead + (e ? 1 : 0);
}
void main;
`;
  for (const type of ['module', 'commonjs']) {
    const name = `ts-csv-${type}`;
    const project = path.join(dir, name);
    await mkdir(path.join(project, 'node_modules'), { recursive: true });
    await symlink(path.join(dir, 'node_modules/xero-export'), path.join(project, 'node_modules/xero-export'), 'dir');
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name, private: true, type }));
    await writeFile(path.join(project, 'usage.ts'), csvUsage);
    try {
      execFileSync(tsc(), ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', 'usage.ts'], { cwd: project, encoding: 'utf8' });
    } catch (err) {
      assert.fail(`${name}: tsc failed\n${err.stdout}${err.stderr}`);
    }
  }
});
