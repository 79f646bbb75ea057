/**
 * End to end, issue "call's life": the trunk ACL (ARCHITECTURE.md "SIP, inbound": a
 * source outside every trunk gets 403, the same answer whatever it asks, or nothing
 * with `onDenied: drop`), and a whole call over TCP.
 */
import { createSocket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMessage, type SipResponse } from '../../src/sip/index.ts';
import { startTestGateway, type TestGateway } from '../support/test-gateway.ts';
import { TestUac, within } from './uac.ts';

const TOKEN = 'alt_e2e-trunk-token-0123456789abcdef';

/** A gateway with the demo agent on one trunk named five9 with `trunk`'s settings. */
function gateway(name: string, trunk: Record<string, unknown>): Promise<TestGateway> {
  return startTestGateway(name, { demo: { enabled: true, token: TOKEN }, trunks: [{ name: 'five9', ...trunk }] }, { rtpPorts: 100 });
}

/** Sends one raw request over UDP and collects what comes back within `ms`. */
async function exchange(port: number, method: string, user: string, extra = '', ms = 400): Promise<SipResponse[]> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', () => resolve()));
  const local = sock.address().port;
  const id = Math.random().toString(36).slice(2);
  const out: SipResponse[] = [];
  sock.on('message', (buf) => {
    const r = parseMessage(buf);
    if (r.ok && !r.message.isRequest) out.push(r.message);
  });
  sock.send(Buffer.from(
    `${method} sip:${user}@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${id};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: <sip:cc@127.0.0.1>;tag=${id}\r\nTo: <sip:${user}@127.0.0.1>\r\nCall-ID: ${id}\r\n` +
    `CSeq: 1 ${method}\r\n${extra}Content-Length: 0\r\n\r\n`), port, '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, ms));
  sock.close();
  return out;
}

describe('trunk ACL: a source outside every trunk', () => {
  let rejecting: TestGateway;
  let dropping: TestGateway;

  before(async () => {
    rejecting = await gateway('acl', { sources: ['192.0.2.0/24', '2001:db8::/32'], onDenied: 'reject' });
    dropping = await gateway('acl-drop', { sources: ['192.0.2.0/24'], onDenied: 'drop' });
  });

  after(async () => {
    await rejecting?.close();
    await dropping?.close();
  });

  test('gets 403, the same status and reason whatever it asks', async () => {
    const asks = [
      ['INVITE', '7001', ''], // a known extension
      ['INVITE', '9999', ''], // an unknown one (would be 404 from inside)
      ['INVITE', '7001', `X-PolyAi-Auth-Token: ${TOKEN}\r\n`], // a valid token
      ['INVITE', '7001', 'X-PolyAi-Auth-Token: alt_wrong\r\n'],
      ['OPTIONS', 'ping', ''],
    ] as const;
    const finals: string[] = [];
    for (const [method, user, extra] of asks) {
      const replies = await exchange(rejecting.sipPort, method, user, extra);
      const final = replies.find((r) => r.status >= 200);
      assert.ok(final, `${method} ${user}: no final response`);
      finals.push(`${final.status} ${final.reason}`);
    }
    assert.deepEqual(new Set(finals), new Set(['403 Forbidden']));
  });

  test('gets no answer at all with onDenied: drop', async () => {
    assert.deepEqual(await exchange(dropping.sipPort, 'OPTIONS', 'ping'), []);
    const invite = await exchange(dropping.sipPort, 'INVITE', '7001');
    assert.equal(invite.filter((r) => r.status >= 200).length, 0);
  });
});

describe('a whole call over TCP', () => {
  let gw: TestGateway;
  let uac: TestUac;

  before(async () => {
    gw = await gateway('tcp', {});
    uac = await TestUac.start(gw.sipPort, 'tcp');
  });

  after(async () => {
    await uac?.close();
    await gw?.close();
  });

  test('by extension, pressing 1: BYE with X-contained: false and X-destination: billing', async () => {
    const placed = await uac.call('7001', [['X-five9sessionid', 'tcp-session-1']]);
    assert.equal(placed.response.status, 200);
    assert.ok(placed.dialog);
    assert.equal(await uac.pressDigit(placed.dialog, '1'), 200);
    const bye = await placed.bye();
    assert.equal(bye.get('X-contained'), 'false');
    assert.equal(bye.get('X-destination'), 'billing');
    const tenant = await gw.store.getTenantBySlug('demo');
    const record = await within(gw.store.getHandoffBySharedId(tenant!.id, 'tcp-session-1'), 'record');
    assert.equal(record?.data.destination, 'billing');
  });
});
