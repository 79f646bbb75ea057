#!/usr/bin/env node
// Runs node:test through tsx on an explicit file list.
// Node 20 expands no globs, and `node --test dir/` finds no .ts file yet exits 0,
// so the list is built here and an empty list is an error.
// Usage: node scripts/run-tests.mjs <suite...> [-- extra node args]
//   suites: unit (src/**/*.test.ts and bench/**/*.test.ts), integration, e2e, interop (test/<suite>/**/*.test.ts)
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const roots = { unit: ['src', 'bench'], integration: ['test/integration'], e2e: ['test/e2e'], interop: ['test/interop'] };

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
const suites = sep === -1 ? argv : argv.slice(0, sep);
const extra = sep === -1 ? [] : argv.slice(sep + 1);
if (suites.length === 0) suites.push('unit', 'integration', 'e2e');
const files = [];
for (const s of suites) {
  if (!(s in roots)) { console.error(`unknown test suite "${s}" (known: ${Object.keys(roots).join(', ')})`); process.exit(2); }
  for (const dir of roots[s]) walk(join(root, dir), files);
}
const filter = process.env.TEST_FILTER;
const selected = filter ? files.filter((f) => f.includes(filter)) : files;
if (selected.length === 0) {
  console.error(`no test files found for ${suites.join(', ')}${filter ? ` matching "${filter}"` : ''}`);
  process.exit(1);
}
const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const res = spawnSync(process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=60000', ...extra, ...selected],
  { cwd: root, stdio: 'inherit' });
process.exit(res.status ?? 1);
