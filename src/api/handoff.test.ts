import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRecord } from './handoff.ts';

describe('renderRecord', () => {
  const base = { id: 'c0ffee00-0000-4000-8000-000000000001', tenantId: 't', agentId: 'a', createdAt: 1, expiresAt: 2 };

  it('writes the body JSON.stringify would, with the stored data text as is', () => {
    const data = { contained: false, destination: 'billing', note: 'quote " backslash \\ é 🌍 \u2028', n: [1, 2.5, null] };
    const body = renderRecord({ ...base, sharedId: 'S-"1"\\\n', dataJson: JSON.stringify(data) });
    assert.equal(body, JSON.stringify({ id: base.id, shared_id: 'S-"1"\\\n', data }));
  });

  it('answers shared_id null when the record has none', () => {
    const body = renderRecord({ ...base, dataJson: '{"contained":true}' });
    assert.deepEqual(JSON.parse(body), { id: base.id, shared_id: null, data: { contained: true } });
  });
});
