import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { LeanHistogram } from './lean-histogram.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** The same observations into prom-client's histogram and ours, each on its own registry. */
function both(labelName: string | undefined, observations: Array<[string, number]>, defaultLabels?: Record<string, string>) {
  const theirs = new Registry();
  const ours = new Registry();
  if (defaultLabels !== undefined) {
    theirs.setDefaultLabels(defaultLabels);
    ours.setDefaultLabels(defaultLabels);
  }
  const h = new Histogram({
    name: 'x_seconds', help: 'X.', buckets: BUCKETS, registers: [theirs], ...(labelName === undefined ? {} : { labelNames: [labelName] }),
  });
  const lean = new LeanHistogram({ name: 'x_seconds', help: 'X.', buckets: BUCKETS, registry: ours, ...(labelName === undefined ? {} : { labelName }) });
  for (const [label, v] of observations) {
    if (labelName === undefined) h.observe(v);
    else h.observe({ [labelName]: label }, v);
    lean.observe(label, v);
  }
  return { theirs, ours, lean };
}

// Bounds themselves (le is inclusive), values between, above the last bound, zero, and sums
// whose floating-point order matters.
const VALUES = [0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.3, 1, 7.5, 0.1 + 0.2, 1e-9];

describe('LeanHistogram', () => {
  it('reads on /metrics exactly as prom-client\'s histogram, text and JSON, with one label', async () => {
    const obs: Array<[string, number]> = VALUES.flatMap((v, i) => [['putHandoff', v], [i % 3 === 0 ? 'getRecord' : 'putHandoff', v * 2]] as Array<[string, number]>);
    const { theirs, ours } = both('op', obs);
    assert.equal(await ours.metrics(), await theirs.metrics());
    assert.deepEqual(await ours.getMetricsAsJSON(), await theirs.getMetricsAsJSON());
  });

  it('reads alike without a label, and with the registry\'s default labels', async () => {
    const obs: Array<[string, number]> = VALUES.map((v) => ['', v]);
    for (const defaults of [undefined, { node: 'gw-1' }]) {
      const plain = both(undefined, obs, defaults);
      assert.equal(await plain.ours.metrics(), await plain.theirs.metrics());
      assert.deepEqual(await plain.ours.getMetricsAsJSON(), await plain.theirs.getMetricsAsJSON());
      const labelled = both('op', obs.map(([, v]) => ['putHandoff', v]), defaults);
      assert.equal(await labelled.ours.metrics(), await labelled.theirs.metrics());
    }
  });

  it('shows nothing before its first observation, and nothing again after a reset', async () => {
    const { theirs, ours } = both('op', []);
    assert.equal(await ours.metrics(), await theirs.metrics());
    const again = both('op', [['a', 0.5]]);
    again.theirs.resetMetrics();
    again.ours.resetMetrics();
    assert.equal(await again.ours.metrics(), await again.theirs.metrics());
    assert.doesNotMatch(await again.ours.metrics(), /_count/);
  });

  it('ignores values that are not finite, where prom-client throws', async () => {
    const { ours, lean } = both('op', [['a', 0.5]]);
    lean.observe('a', Number.NaN);
    lean.observe('a', Number.POSITIVE_INFINITY);
    assert.match(await ours.metrics(), /x_seconds_count\{op="a"\} 1\n/);
  });

  it('refuses bucket bounds that do not ascend, and a name its registry already holds', () => {
    assert.throws(() => new LeanHistogram({ name: 'y', help: 'Y.', buckets: [1, 1], registry: new Registry() }), /must ascend/);
    const registry = new Registry();
    new LeanHistogram({ name: 'y', help: 'Y.', buckets: [1], registry });
    assert.throws(() => new LeanHistogram({ name: 'y', help: 'Y.', buckets: [1], registry }), /already been registered/);
  });
});
