// Node entry (CommonJS): the --target nodejs build, which instantiates synchronously on
// require. init() exists so code shared with browsers can always `await init()`.
'use strict';
const wasm = require('./xero_export.js');
const init = async () => {};
module.exports = { ...wasm, init, default: init };
