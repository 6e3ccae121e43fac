// The stateful fake Xero behind Prism (proxy mode, every request and answer validated against
// Xero's OpenAPI file), started before a test file's tests and stopped after them.
import { before, after } from 'node:test';
import { startFakeXero } from './fake-xero.mjs';
import { startPrism } from './prism.mjs';

/** `{xero, proxy}`, filled in before the file's first test: `fake` is startFakeXero's options. */
export function fakeXeroBehindPrism(fake) {
  const servers = { xero: undefined, proxy: undefined };
  before(async () => {
    servers.xero = await startFakeXero(fake);
    servers.proxy = await startPrism({ mode: 'proxy', upstream: servers.xero.url });
  });
  after(async () => {
    await servers.proxy?.stop();
    await servers.xero?.close();
  });
  return servers;
}
