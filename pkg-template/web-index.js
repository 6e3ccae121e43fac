// Browser entry: the --target web build behind an idempotent init().
// `await init()` once before calling anything; calling it again (or concurrently) reuses the
// same instance. Bundlers: pass the URL of 'xero-export/xero_export_bg.wasm' if
// import.meta.url does not survive bundling: `await init(wasmUrl)`.
import wbgInit from './xero_export.js';
export * from './xero_export.js';

let ready;
export default function init(moduleOrPath) {
  if (!ready) {
    ready = wbgInit(moduleOrPath === undefined ? undefined : { module_or_path: moduleOrPath })
      .then(() => undefined, (err) => { ready = undefined; throw err; });
  }
  return ready;
}
