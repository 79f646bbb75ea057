import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FlowAgent } from './agent.ts';
import { cachedFlowFromConfig } from './cache.ts';
import { FlowConfigError } from './load.ts';

const ok = { steps: { hello: { say: 'hi', next: 'bye' }, bye: { end: null } } };

/** The issues of the FlowConfigError that `fn` throws. */
function issuesOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof FlowConfigError);
    assert.equal(e.code, 'agent_config_invalid');
    return e.issues;
  }
  assert.fail('no FlowConfigError');
}

test('a flow is parsed once per config object', () => {
  const config = { flow: ok };
  const a = new FlowAgent(config);
  const b = new FlowAgent(config);
  assert.equal(a.flow, b.flow);
  assert.equal(cachedFlowFromConfig(config), a.flow);
  // Another object (the directory changed) is parsed anew.
  assert.notEqual(new FlowAgent({ flow: ok }).flow, a.flow);
  const yaml = { flow: 'steps:\n  a: { end: null }\n' };
  assert.equal(new FlowAgent(yaml).flow, new FlowAgent(yaml).flow);
});

test('a bad flow fails every time with the same error', () => {
  const config = { flow: { steps: { a: { say: 'x', next: 'nowhere' } } } };
  const first = issuesOf(() => new FlowAgent(config));
  assert.deepEqual(first, ['steps.a.next: unknown step "nowhere"']);
  assert.deepEqual(issuesOf(() => new FlowAgent(config)), first);
  const neither = {};
  assert.deepEqual(issuesOf(() => new FlowAgent(neither)), issuesOf(() => new FlowAgent(neither)));
});

test('a flow file is read once per version: an edit takes effect on the next agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flow-cache-'));
  try {
    const path = join(dir, 'flow.yaml');
    writeFileSync(path, 'steps:\n  a: { end: null }\n');
    utimesSync(path, 1000, 1000);
    const config = { flowFile: path };
    const first = new FlowAgent(config).flow;
    assert.equal(new FlowAgent(config).flow, first);
    writeFileSync(path, 'steps:\n  b: { end: null }\n');
    utimesSync(path, 2000, 2000);
    const edited = new FlowAgent(config).flow;
    assert.equal(edited.start, 'b');
    assert.equal(new FlowAgent(config).flow, edited);
    // Broken, then missing: an error each time, never the old flow.
    writeFileSync(path, 'steps:\n  b: { say: x, next: nowhere }\n');
    utimesSync(path, 3000, 3000);
    const broken = issuesOf(() => new FlowAgent(config));
    assert.deepEqual(issuesOf(() => new FlowAgent(config)), broken);
    rmSync(path);
    assert.deepEqual(issuesOf(() => new FlowAgent(config)), ['cannot read the flow file (ENOENT)']);
    assert.deepEqual(issuesOf(() => new FlowAgent(config)), ['cannot read the flow file (ENOENT)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
