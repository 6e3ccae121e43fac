// The preview benchmarks' workload, shared by tests/bench/preview.mjs, the JS baseline's
// equality test (tests/js/bench-baseline.test.mjs) and the per-side child processes: the same
// generator as tests/bench/preview.rs, and the settings of tests/bench/workload.json.
import { readFileSync } from 'node:fs';

const read = (p) => JSON.parse(readFileSync(new URL(p, import.meta.url), 'utf8'));
export const snapshot = read('../fixtures/sample/snapshot.json');
export const { settings } = read('./workload.json');

/** `n` clinic invoices × 5 lines, tracking on every line, four payers (one to create). */
export function invoices(n, from = 0) {
  const payers = [
    { kind: 'patient', id: 'P-100', contactNumber: 'P-100', name: 'Katherine Warren' },
    { kind: 'thirdParty', id: 'ins-7', name: 'Southern Cross', accountNumber: 'INS-7' },
    { kind: 'patient', id: 'p-new', name: 'New Patient', email: 'new@example.com' },
    { kind: 'patient', id: 'p-x', name: 'sam jones' },
  ];
  const clinicians = ['dr-1', 'dr-2', 'dr-1', 'dr-9'];
  const locations = ['north', 'south'];
  const out = [];
  for (let i = from; i < from + n; i++) {
    const lines = [];
    for (let l = 0; l < 5; l++) {
      lines.push({ description: `Appointment item ${l}`, quantity: (l % 3) + 1,
        unitAmount: `${20 + ((i * 7 + l * 13) % 180)}.${String((i + l) % 100).padStart(2, '0')}`,
        taxCode: l === 4 ? 'EXEMPT' : 'GST', clinicianId: clinicians[(i + l) % 4], locationId: locations[(i + l) % 2] });
    }
    out.push({ id: `appt-${i}`, number: `CL-${i}`, reference: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`, date: '2024-01-15', payer: payers[i % 4], lines });
  }
  return out;
}
