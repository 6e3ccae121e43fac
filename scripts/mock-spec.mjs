#!/usr/bin/env node
// Writes the Prism "mock spec": Xero's official OpenAPI file cut down to the endpoints the sending
// plan uses, with every request-body schema inlined (no $ref; cycles, and refs deeper than 4 —
// Invoices → Invoice → LineItem → Tracking is 4 — cut to {type: object}, except scalar ones
// such as enums, which are inlined at any depth). Prism does not
// validate request bodies whose schema is a shared $ref (stoplightio/prism#2574, see
// shared/reference/toolchain.md); inlined, it does: an invalid body gets 400 (mock) or 422
// (proxy --errors) instead of 200.
//
//   node scripts/mock-spec.mjs [out.json]     default: target/mock/xero_mock.json
//
// Also importable: `import { writeMockSpec } from '../../scripts/mock-spec.mjs'`.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// js-yaml is a pinned dev dependency of tests/ (installed by scripts/setup.sh).
const yaml = createRequire(path.join(root, 'tests/package.json'))('js-yaml');

export const SPEC = path.resolve(root, '../shared/xero-openapi/xero_accounting.yaml');

/** Endpoints the sending plan uses: path → methods. */
export const ENDPOINTS = {
  '/Invoices': ['get', 'put', 'post'],
  '/Invoices/{InvoiceID}': ['get'], // xero.document for updates (README "Updating exported invoices")
  '/CreditNotes': ['get', 'put', 'post'],
  '/CreditNotes/{CreditNoteID}': ['get'],
  '/CreditNotes/{CreditNoteID}/Allocations': ['put'],
  '/Contacts': ['get', 'put', 'post'], // post: the people's contact updates (issue 19)
  // Recording payments and finding them again after a lost answer (plan({payments})).
  '/Payments': ['get', 'put'],
  // Items to create before the documents that use them, and their lookups (issue 19).
  '/Items': ['get', 'put'],
};

function inline(node, schemas, depth, seen) {
  if (Array.isArray(node)) return node.map((v) => inline(v, schemas, depth, seen));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.split('/').pop();
    // A scalar schema (an enum such as PaymentTermType) is inlined at any depth: cutting it to
    // an object would make Prism refuse every valid value.
    const scalar = schemas[name] && !JSON.stringify(schemas[name]).includes('$ref') && schemas[name].type !== 'object';
    if (seen.has(name) || (depth <= 0 && !scalar) || !schemas[name]) return { type: 'object' };
    return inline(schemas[name], schemas, depth - 1, new Set([...seen, name]));
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) out[k] = inline(v, schemas, depth, seen);
  return out;
}

/** Every `#/components/<kind>/<name>` reachable from `node`. */
function collectRefs(node, components, found) {
  if (Array.isArray(node)) { for (const v of node) collectRefs(v, components, found); return; }
  if (node === null || typeof node !== 'object') return;
  if (typeof node.$ref === 'string' && node.$ref.startsWith('#/components/')) {
    const [, , kind, name] = node.$ref.split('/');
    const key = `${kind}/${name}`;
    if (!found.has(key) && components[kind]?.[name]) {
      found.add(key);
      collectRefs(components[kind][name], components, found);
    }
  }
  for (const v of Object.values(node)) collectRefs(v, components, found);
}

/** The cut-down spec as an object. */
export function mockSpec(specPath = SPEC) {
  // CORE_SCHEMA: no timestamp type, so example dates stay strings.
  const d = yaml.load(readFileSync(specPath, 'utf8'), { schema: yaml.CORE_SCHEMA });
  const schemas = d.components.schemas;
  const paths = {};
  for (const [p, methods] of Object.entries(ENDPOINTS)) {
    const item = d.paths[p];
    if (!item) throw new Error(`the spec has no path ${p}`);
    const kept = {};
    if (item.parameters) kept.parameters = item.parameters;
    for (const m of methods) {
      const op = item[m];
      if (!op) throw new Error(`the spec has no ${m.toUpperCase()} ${p}`);
      const copy = structuredClone(op);
      for (const media of Object.values(copy.requestBody?.content ?? {})) {
        media.schema = inline(media.schema, schemas, 4, new Set());
      }
      kept[m] = copy;
    }
    paths[p] = kept;
  }
  // Keep only the components the kept paths reach (a smaller file starts Prism faster).
  const found = new Set();
  collectRefs(paths, d.components, found);
  const components = { securitySchemes: d.components.securitySchemes };
  for (const key of [...found].sort()) {
    const [kind, name] = key.split('/');
    (components[kind] ??= {})[name] = d.components[kind][name];
  }
  return { openapi: d.openapi, info: d.info, servers: d.servers, paths, components };
}

/** Writes the mock spec as JSON to `out` and returns the path. */
export function writeMockSpec(out = path.join(root, 'target/mock/xero_mock.json')) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(mockSpec(), null, 1));
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = writeMockSpec(process.argv[2] && path.resolve(process.argv[2]));
  console.log(`wrote ${path.relative(process.cwd(), out)}`);
}
