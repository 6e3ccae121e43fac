// The package as a bundler user meets it: `npm pack` pkg/, install the tarball into a fresh app,
// build the same small app with Vite, webpack 5 and esbuild (the versions pinned in
// tests/package.json), serve each output on 127.0.0.1 and open it in headless Chromium, where it
// previews the clinic sample and writes the result into the page.
//
// Vite and webpack follow the web entry's `new URL('xero_export_bg.wasm', import.meta.url)` and
// emit the .wasm themselves. esbuild does not (evanw/esbuild#795), so the esbuild app takes the
// one step the README documents: import the wasm's URL with `--loader:.wasm=file` and pass it to
// init(). This test runs exactly that step.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium, pkgDir, root } from './helpers.mjs';

const bin = (name) => path.join(root, 'tests/node_modules/.bin', name);
let dir;
let browser;

/** The app: one preview of the clinic sample, its first document's total written to the page. */
function appSource(prelude, initArgument) {
  return `import init, { Exporter, version } from 'xero-export';
${prelude}
import snapshot from './snapshot.json';
import scenario from './clinic.json';

async function main() {
  await init(${initArgument});
  const { documents, summary } = new Exporter(snapshot, scenario.settings).preview(scenario.invoices);
  const first = documents[0];
  document.body.dataset.result = [version(), first.sourceId, first.totals.total, summary.ready].join(' ');
}
main().catch((err) => { document.body.dataset.result = 'error: ' + err.message; });
`;
}

const page = (script) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>app</title></head>
<body>${script}</body></html>`;

const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed:\n${err.stdout}${err.stderr}`);
  }
};

/** A fresh app directory with the packed package installed, as `npm install <tarball>` leaves it. */
async function app(name, files) {
  const appDir = path.join(dir, name);
  await mkdir(appDir);
  await writeFile(path.join(appDir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(dir, 'xero-export.tgz')], appDir);
  for (const fixture of ['sample/snapshot.json', 'scenarios/clinic.json']) {
    await writeFile(path.join(appDir, path.basename(fixture)), await readFile(path.join(root, 'tests/fixtures', fixture)));
  }
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(appDir, file)), { recursive: true });
    await writeFile(path.join(appDir, file), text);
  }
  return appDir;
}

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };

/** Serves `out` on 127.0.0.1 (port 0), as a static host would. */
async function serve(out) {
  const server = createServer(async (req, res) => {
    const file = path.normalize(path.join(out, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    if (!file.startsWith(out)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file.endsWith(path.sep) ? path.join(file, 'index.html') : file);
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Opens the built app and returns what it wrote, failing on any page or console error. */
async function open(out) {
  const server = await serve(out);
  const tab = await browser.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  try {
    await tab.goto(server.url);
    await tab.waitForSelector('body[data-result]', { state: 'attached', timeout: 20000 });
    return { result: await tab.getAttribute('body', 'data-result'), errors };
  } finally {
    await tab.close();
    await server.close();
  }
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'xero-export-bundlers-'));
  const tarball = run('npm', ['pack', pkgDir, '--pack-destination', dir, '--silent'], dir).trim().split('\n').pop();
  await writeFile(path.join(dir, 'xero-export.tgz'), await readFile(path.join(dir, tarball)));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const expected = /^\d+\.\d+\.\d+ appt-1001 87\.74 \d+$/;

test('Vite builds the app with no configuration and it previews in Chromium', async () => {
  const appDir = await app('vite-app', {
    'main.js': appSource('', ''),
    'index.html': page('<script type="module" src="./main.js"></script>'),
  });
  run(bin('vite'), ['build', '--logLevel', 'error', '--outDir', 'dist'], appDir);
  const { result, errors } = await open(path.join(appDir, 'dist'));
  assert.match(result, expected);
  assert.deepEqual(errors, []);
});

test('webpack 5 builds the app with no configuration and it previews in Chromium', async () => {
  const appDir = await app('webpack-app', {
    'main.js': appSource('', ''),
    'dist/index.html': page('<script src="./main.js"></script>'),
  });
  run(bin('webpack'), ['--mode', 'production', '--entry', './main.js', '--output-path', 'dist', '--no-stats'], appDir);
  const { result, errors } = await open(path.join(appDir, 'dist'));
  assert.match(result, expected);
  assert.deepEqual(errors, []);
});

test("esbuild builds the app with the README's one step and it previews in Chromium", async () => {
  const appDir = await app('esbuild-app', {
    // The README's esbuild step: the wasm's URL from the package's export, passed to init().
    'main.js': appSource("import wasmUrl from 'xero-export/xero_export_bg.wasm';", 'wasmUrl'),
    'dist/index.html': page('<script type="module" src="./main.js"></script>'),
  });
  run(bin('esbuild'), ['main.js', '--bundle', '--format=esm', '--outdir=dist', '--loader:.wasm=file', '--log-level=error'], appDir);
  const { result, errors } = await open(path.join(appDir, 'dist'));
  assert.match(result, expected);
  assert.deepEqual(errors, []);
});

test('without that step esbuild output cannot find the wasm (why the README names it)', async () => {
  const appDir = await app('esbuild-plain', {
    'main.js': appSource('', ''),
    'dist/index.html': page('<script type="module" src="./main.js"></script>'),
  });
  run(bin('esbuild'), ['main.js', '--bundle', '--format=esm', '--outdir=dist', '--log-level=error'], appDir);
  const { result } = await open(path.join(appDir, 'dist'));
  assert.match(result, /^error: xero-export: fetching the wasm failed: 404/);
});
