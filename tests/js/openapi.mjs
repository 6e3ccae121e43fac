// Validation against Xero's official OpenAPI file (../shared/xero-openapi/xero_accounting.yaml)
// with ajv + ajv-formats, as toolchain.md describes: the spec's components registered once,
// schemas looked up by name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { root } from './helpers.mjs';

const specPath = path.resolve(root, '../shared/xero-openapi/xero_accounting.yaml');
let ajv;

function load() {
  if (ajv) return ajv;
  const spec = yaml.load(readFileSync(specPath, 'utf8'), { schema: yaml.JSON_SCHEMA });
  ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const f of ['double', 'int32', 'int64']) ajv.addFormat(f, true);
  closeObjects(spec.components.schemas);
  ajv.addSchema({ $id: 'xero', components: spec.components });
  return ajv;
}

// The spec leaves objects open (no `additionalProperties`), so a key Xero does not define (say
// Url on a credit note) would pass. Our bodies must use only the spec's keys: every object
// schema with properties is closed here.
function closeObjects(node) {
  if (Array.isArray(node)) {
    node.forEach(closeObjects);
  } else if (node && typeof node === 'object') {
    if (node.properties && node.additionalProperties === undefined) node.additionalProperties = false;
    Object.values(node).forEach(closeObjects);
  }
}

/** Errors of `body` against components/schemas/<name> (empty when valid). */
export function schemaErrors(name, body) {
  const validate = load().getSchema(`xero#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name}`);
  return validate(body) ? [] : validate.errors.map((e) => `${e.instancePath} ${e.message}`);
}
