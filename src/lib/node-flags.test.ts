import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { GATEWAY_NODE_FLAGS, GATEWAY_V8_FLAGS } from './node-flags.ts';

const ROOT = new URL('../../', import.meta.url);

test('npm start, npm run agentline and bin/agentline.mjs run node with the gateway flags', () => {
  const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { scripts: Record<string, string> };
  const shebang = readFileSync(new URL('bin/agentline.mjs', ROOT), 'utf8').split('\n')[0] ?? '';
  for (const flag of GATEWAY_NODE_FLAGS) {
    assert.match(pkg.scripts['start'] ?? '', new RegExp(`^node .*${flag}`), 'npm start');
    assert.match(pkg.scripts['agentline'] ?? '', new RegExp(`^node .*${flag}`), 'npm run agentline');
    assert.match(shebang, new RegExp(`^#!/usr/bin/env -S node .*${flag}`), 'bin/agentline.mjs');
  }
});

test('every flag is one this node accepts', () => {
  // node exits with "bad option" for a flag it does not know, on the command line or in V8's list.
  for (const flag of [...GATEWAY_NODE_FLAGS, ...GATEWAY_V8_FLAGS]) {
    const r = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${flag}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /bad option|unknown/i, flag);
  }
});
