// Prints the gzipped size of the built JavaScript and fails past the budget (250 KB).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const dir = new URL('../dist/assets/', import.meta.url).pathname;
let files;
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.js'));
} catch {
  console.error('size: dist/assets not found; run `npm run build` first');
  process.exit(1);
}
let total = 0;
for (const file of files.sort()) {
  const gz = gzipSync(readFileSync(join(dir, file)), { level: 9 }).length;
  total += gz;
  console.log(`  ${file.padEnd(40)} ${(gz / 1024).toFixed(1).padStart(7)} KB gz`);
}
console.log(`bundle: ${(total / 1024).toFixed(1)} KB gzipped JS (budget ${BUDGET / 1024} KB)`);
if (total > BUDGET) {
  console.error('size: over budget');
  process.exit(1);
}
