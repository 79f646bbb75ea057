import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summarizeProfile, type CpuProfile } from './cps-profile.ts';

test('the UDP addon\'s ops are named as the addon, not as the op it registered last', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4] },
      { id: 2, callFrame: frame('send', 'file:///x/src/media/native-rtp-socket.ts'), children: [3] },
      { id: 3, callFrame: frame('formatAddress', '') },
      { id: 4, callFrame: frame('formatAddress', 'file:///x/src/media/native-rtp-socket.ts') },
    ],
    samples: [3, 3, 3, 4],
  };
  const lines = summarizeProfile(profile, 5);
  assert.deepEqual(lines.map((l) => [l.name, l.selfPct]), [['UDP addon ops (agentline_udp)', 75], ['formatAddress', 25]]);
});
