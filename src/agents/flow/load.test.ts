import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_FLOW } from './demo.ts';
import { FlowConfigError, flowFromConfig, formatPath, parseFlow } from './load.ts';

/** Asserts that `raw` is rejected with `agent_config_invalid` and an issue equal to `issue`. */
function rejects(raw: unknown, issue: string | RegExp): void {
  assert.throws(() => parseFlow(raw), (e: unknown) => {
    assert.ok(e instanceof FlowConfigError);
    assert.equal(e.code, 'agent_config_invalid');
    const hit = e.issues.some((i) => (typeof issue === 'string' ? i === issue : issue.test(i)));
    assert.ok(hit, `no issue matches ${String(issue)} in ${JSON.stringify(e.issues)}`);
    return true;
  });
}

const ok = { steps: { hello: { say: 'hi', next: 'bye' }, bye: { end: null } } };

test('the demo flow is valid and gets its defaults', () => {
  const flow = parseFlow(DEMO_FLOW);
  assert.equal(flow.start, 'greet');
  assert.equal(flow.maxSteps, 200);
  assert.deepEqual(flow.onHangup, { contained: true });
  const menu = flow.steps['menu'];
  assert.equal(menu?.kind, 'collect');
  if (menu?.kind === 'collect') assert.equal(menu.collect.terminator, '#');
});

test('start defaults to the first step written', () => {
  assert.equal(parseFlow(ok).start, 'hello');
});

test('an unknown step is named with its path', () => {
  const flow = { steps: { menu: { branch: { on: { 1: 'billng' }, default: 'menu' } } } };
  rejects(flow, 'steps.menu.branch.on["1"]: unknown step "billng"');
  rejects({ steps: { a: { say: 'x', next: 'nowhere' } } }, 'steps.a.next: unknown step "nowhere"');
  rejects({ start: 'zz', ...ok }, 'start: unknown step "zz"');
  rejects({ steps: { c: { collect: { into: 'v', onNoInput: 'gone' }, next: 'c' } } }, 'steps.c.collect.onNoInput: unknown step "gone"');
});

test('a step has exactly one action and "next" only when it goes on', () => {
  rejects({ steps: { a: { say: 'x', play: 'y.wav', next: 'a' } } }, /^steps\.a: a step has exactly one of .* \(found say and play\)$/);
  rejects({ steps: { a: { next: 'a' } } }, /^steps\.a: .*found none/);
  rejects({ steps: { a: { say: 'x' } } }, 'steps.a.next: a say step needs "next"');
  rejects({ steps: { a: { end: true, next: 'a' } } }, /^steps\.a\.next: a end step ends/);
  rejects({ steps: { a: { set: { v: 1 }, next: 'a', bargeIn: false } } }, /^steps\.a\.bargeIn:/);
});

test('shape errors name the field', () => {
  rejects({ steps: { a: { sya: 'x', next: 'a' } } }, /^steps\.a: Unrecognized key/);
  rejects({ steps: { m: { collect: { into: 'v', minDigits: 3, maxDigits: 2 }, next: 'm' } } }, /^steps\.m\.collect\.minDigits:/);
  rejects({ steps: { m: { collect: { into: '1bad' }, next: 'm' } } }, /^steps\.m\.collect\.into:/);
  rejects({ steps: { m: { collect: { into: 'v', terminator: '##' }, next: 'm' } } }, /^steps\.m\.collect\.terminator:/);
  rejects({ steps: { m: { collect: { into: 'v', prompt: 'hello' }, next: 'm' } } }, /^steps\.m\.collect\.prompt:/);
  rejects({ steps: {} }, /^steps: a flow needs at least one step/);
  rejects('not a flow', /^\(flow\):/);
});

test('templates are checked at load', () => {
  rejects({ steps: { a: { say: 'hi ${call.nope}', next: 'a' } } }, /^steps\.a\.say: unknown call field/);
  rejects({ steps: { a: { set: { s: '${x.X-sid' }, next: 'a' } } }, /^steps\.a\.set\.s: unclosed/);
  rejects({ steps: { a: { handoff: { data: { d: ['${a b}'] } } } } }, /^steps\.a\.handoff\.data\.d\[0\]: bad reference/);
  assert.doesNotThrow(() => parseFlow({ steps: { a: { set: { s: '${x.X-five9sessionid} ${call.caller} ${v}' }, next: 'b' }, b: { end: true } } }));
});

test('YAML digits written as numbers are accepted', () => {
  const flow = parseFlow({ steps: { m: { collect: { into: 'v', valid: [1, 2] }, next: 'e' }, e: { end: null } } });
  const m = flow.steps['m'];
  assert.ok(m?.kind === 'collect');
  assert.deepEqual(m.collect.valid, ['1', '2']);
});

test('formatPath quotes keys that are not identifiers', () => {
  assert.equal(formatPath(['steps', 'my-step', 'branch', 'on', '1']), 'steps["my-step"].branch.on["1"]');
  assert.equal(formatPath(['a', 0, 'b']), 'a[0].b');
});

test('config: flow object, YAML text or flowFile; exactly one', () => {
  assert.equal(flowFromConfig({ flow: ok }).start, 'hello');
  assert.equal(flowFromConfig({ flow: 'steps:\n  x:\n    end:\n' }).start, 'x');
  for (const bad of [{}, { flow: ok, flowFile: 'a.yaml' }, { flowFile: 3 }, { flow: 'steps: [' }]) {
    assert.throws(() => flowFromConfig(bad), (e: unknown) => e instanceof FlowConfigError && e.code === 'agent_config_invalid');
  }
});

test('flowFile: read, validated, play paths relative to the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-'));
  try {
    const file = join(dir, 'ivr.yaml');
    writeFileSync(file, 'steps:\n  intro:\n    play: prompts/intro.wav\n    next: bye\n  bye:\n    end:\n');
    const flow = flowFromConfig({ flowFile: file });
    assert.deepEqual(flow.steps['intro'], { kind: 'play', file: join(dir, 'prompts/intro.wav'), next: 'bye', bargeIn: true });
    writeFileSync(file, 'steps:\n  intro:\n    say: hi\n    next: byee\n  bye:\n    end:\n');
    assert.throws(() => flowFromConfig({ flowFile: file }), /steps\.intro\.next: unknown step "byee"/);
    assert.throws(() => flowFromConfig({ flowFile: join(dir, 'missing.yaml') }), /cannot read the flow file \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
