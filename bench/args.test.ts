import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headerComment } from './args.ts';

describe('bench args', () => {
  it('takes the first block comment as the usage text', () => {
    assert.equal(headerComment('/**\n * Does X.\n *\n *   node x.ts [--a 1]\n */\nconst a = 1; /** not this */'), 'Does X.\n\n  node x.ts [--a 1]');
    assert.equal(headerComment('const a = 1;'), '');
  });

  it('answers --help with the usage and a bad option with one line and exit 2', () => {
    const script = fileURLToPath(new URL('./cps.ts', import.meta.url));
    const help = spawnSync(process.execPath, ['--import', 'tsx', script, '--help'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Calls-per-second benchmark/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', script, '--bogus'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^Unknown option '--bogus'/);
    assert.doesNotMatch(bad.stderr, /at parseArgs/);
  });
});
