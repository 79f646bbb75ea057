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

test('the V8 flags take effect when set at start: no scavenge is started by V8\'s minor-GC task', () => {
  // Allocates young garbage in bursts once the flags are set, yielding to the event loop between
  // them (where V8's foreground tasks run). With the task on, V8 starts most of these scavenges from it.
  const child = (setFlags: boolean): string[] => {
    const code = `${setFlags ? `import { setGatewayV8Flags } from ${JSON.stringify(new URL('node-flags.ts', import.meta.url).href)};
      setGatewayV8Flags();` : ''}
      console.log('FLAGS-SET');
      let keep = [];
      for (let i = 0; i < 300; i++) {
        for (let j = 0; j < 20000; j++) keep.push({ a: j, b: i });
        if (keep.length > 100000) keep = [];
        await new Promise((r) => setImmediate(r));
      }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--trace-gc', '--input-type=module', '-e', code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // Only what follows the flags: the scavenges of start-up (tsx's loader too) ran before them.
    const lines = r.stdout.split('\n');
    return lines.slice(lines.indexOf('FLAGS-SET') + 1).filter((l) => l.includes('Scavenge'));
  };
  const byTask = (lines: string[]): number => lines.filter((l) => /\) task; *$/.test(l)).length;
  assert.ok(byTask(child(false)) > 0, 'V8\'s default: some scavenges come from the task (else this test proves nothing)');
  const lines = child(true);
  assert.ok(lines.length > 0, 'the child did scavenge');
  assert.equal(byTask(lines), 0, lines.join('\n'));
});
