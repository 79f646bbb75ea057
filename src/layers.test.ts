/**
 * Keeps the layer arrows of ARCHITECTURE.md ("Layers and folders"): reads every import
 * line under src/ and fails on an import that points the wrong way. A layer may use what
 * its declared dependencies use (the transitive closure); leaves use nothing.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';

const SRC = dirname(new URL(import.meta.url).pathname);

/**
 * Declared arrows, as in ARCHITECTURE.md (plus obs, which every non-leaf may log through;
 * admin/, the service layer the CLI and the admin API share: ARCHITECTURE.md asks for one
 * service layer but names no folder for it; and lib/, a leaf of plain data structures,
 * process settings and the native UDP binding (lib/native-udp.ts, which RTP in media/ and the
 * SIP socket in transport/ share) that know nothing of SIP, media, tenants or HTTP).
 */
const ARROWS: Record<string, string[]> = {
  lib: [],
  sip: [],
  sdp: [],
  media: ['lib'],
  store: [],
  obs: [],
  config: [],
  transport: ['sip', 'lib'],
  transaction: ['sip', 'transport', 'lib'],
  dialog: ['transaction', 'sip', 'sdp', 'transport'],
  agents: ['media', 'obs'],
  routing: ['sip', 'store'],
  call: ['dialog', 'sdp', 'media', 'agents', 'routing', 'store', 'obs', 'config'],
  admin: ['store', 'routing', 'config', 'obs'],
  api: ['store', 'routing', 'call', 'obs', 'config', 'admin'],
  ccsim: ['sip', 'transport', 'transaction', 'dialog', 'sdp', 'media'],
  app: ['call', 'api', 'admin', 'ccsim', 'config', 'obs'],
  cli: ['app'],
};

function closure(layer: string, seen = new Set<string>()): Set<string> {
  for (const dep of ARROWS[layer] ?? []) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    closure(dep, seen);
  }
  return seen;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The layer a file under src/ belongs to (`src/app.ts` is the layer `app`). */
function layerOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split(sep)[0] as string;
  return first.endsWith('.ts') ? first.slice(0, -3) : first;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function violations(): string[] {
  const out: string[] = [];
  for (const file of walk(SRC)) {
    if (file === new URL(import.meta.url).pathname) continue;
    const from = layerOf(file);
    if (!(from in ARROWS)) {
      out.push(`${relative(SRC, file)}: folder "${from}" is not a layer of ARCHITECTURE.md`);
      continue;
    }
    const allowed = closure(from);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(IMPORT_RE)) {
      const spec = (m[1] ?? m[2]) as string;
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      if (!target.startsWith(SRC + sep)) continue; // test/support and the like
      const to = layerOf(target);
      if (to !== from && !allowed.has(to)) out.push(`${relative(SRC, file)}: ${from} must not import ${to} (${spec})`);
    }
  }
  return out;
}

test('imports follow the layer arrows of ARCHITECTURE.md', () => {
  assert.deepEqual(violations(), []);
});

test('the check sees a wrong-way import', () => {
  const line = "import { x } from '../dialog/index.ts';";
  const m = [...line.matchAll(IMPORT_RE)][0];
  assert.equal(m?.[1], '../dialog/index.ts');
  assert.equal(closure('sip').has('dialog'), false);
  assert.equal(closure('call').has('sip'), true);
});
