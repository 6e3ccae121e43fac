// `make bench-contacts`: the configuration screen's contact search over 10,000 contacts, one
// search per keystroke as a user types, through the built package (the wasm a browser runs).
// Prints the per-keystroke latency (median, p99, max) and searches/s, against a naive JS filter
// over the raw contacts (lower-case + includes, no ranking) as the yardstick. A benchmark, not a
// test: nothing asserts on time. The budget a keystroke has is one frame (16 ms).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { Exporter } = require('../../pkg/node/index.cjs');

const N = 10_000;
const first = ['Aroha', 'Ben', 'José', 'Katherine', 'Sam', 'Tui', 'Mere', 'Liam', 'Zoë', 'Hemi', 'Olivia', 'Noah'];
const last = ['Warren', 'Ngata', 'Smith', 'Lee', 'Jones', "O'Brien", 'Te Rangi', 'Müller', 'Patel', 'Wong'];
const contacts = [];
for (let i = 0; i < N; i++) {
  const name = `${first[i % first.length]} ${last[(i * 7) % last.length]} ${i}`;
  contacts.push({
    ContactID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    Name: i % 50 === 0 ? `${name} Ltd` : name,
    ContactNumber: `P-${i}`,
    EmailAddress: `user${i}@example.com`,
    ContactStatus: i % 20 === 0 ? 'ARCHIVED' : 'ACTIVE',
  });
}
const t0 = performance.now();
const exporter = new Exporter({ contacts: { Contacts: contacts } }, null);
console.log(`exporter over ${N} contacts built in ${(performance.now() - t0).toFixed(1)} ms (the indexes, once)`);

// What users type, one prefix per keystroke.
const typed = ['katherine warren', 'jose smith', 'p-12', 'user99', "o'brien", 'zoe', 'te rangi 4'];
const queries = typed.flatMap((t) => [...t].map((_, i) => t.slice(0, i + 1)));

function measure(label, fn) {
  for (const q of queries) fn(q); // warm-up
  const times = [];
  const rounds = 5;
  const start = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const s = performance.now();
      fn(q);
      times.push(performance.now() - s);
    }
  }
  const total = performance.now() - start;
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))];
  console.log(`${label.padEnd(40)} median ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms  max ${times[times.length - 1].toFixed(3)} ms  ${(times.length / (total / 1000)).toFixed(0)} searches/s`);
  return at(0.5);
}

const ours = measure('searchContacts (wasm, ranked, limit 20)', (q) => exporter.searchContacts(q, { limit: 20 }));
const naive = measure('naive JS filter (lower-case includes)', (q) => {
  const k = q.toLowerCase();
  return contacts.filter((c) => c.Name.toLowerCase().includes(k) || c.EmailAddress.includes(k)).slice(0, 20);
});
console.log(`ratio searchContacts / naive filter (median): ${(ours / naive).toFixed(2)}×; budget per keystroke 16 ms`);
exporter.free();
