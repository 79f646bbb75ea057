/**
 * Two user agents on linked in-memory transports and one driven clock: a gateway side
 * (192.0.2.1, takes INVITEs) and a contact-center side (192.0.2.10), for dialog-level
 * tests that need exact timers (RFC 3261 §13.3.1.4 retransmissions, RFC 4028 refreshes)
 * without sockets.
 */
import { UserAgent, type IncomingInvite } from '../../src/dialog/index.ts';
import { ManualClock } from '../../src/transaction/index.ts';
import type { Transport } from '../../src/transport/types.ts';
import { FakeTransport, flush } from './fake-transport.ts';

/** A {@link FakeTransport} dressed as a full `Transport` (advertised address = local). */
export function asTransport(fake: FakeTransport): Transport {
  return Object.assign(fake, { advertised: () => fake.local, onDrop: () => {}, close: async () => {} }) as unknown as Transport;
}

/** Lets deliveries run, moves the clock by `ms`, and lets what that fired run too. */
export async function settle(clock: ManualClock, ms = 0): Promise<void> {
  for (let i = 0; i < 4; i++) await flush();
  if (ms > 0) clock.advance(ms);
  for (let i = 0; i < 4; i++) await flush();
}

/** The two sides; `invites` collects what reached the gateway side. */
export interface SipPair {
  clock: ManualClock;
  gwT: FakeTransport;
  ccT: FakeTransport;
  gw: UserAgent;
  cc: UserAgent;
  invites: IncomingInvite[];
  /** Errors either user agent reported. */
  errors: unknown[];
}

/** Builds a {@link SipPair} over UDP. */
export function sipPair(): SipPair {
  const clock = new ManualClock();
  const gwT = new FakeTransport({ clock, local: { address: '192.0.2.1', port: 5060 }, remote: { address: '192.0.2.10', port: 5060 } });
  const ccT = new FakeTransport({ clock, local: { address: '192.0.2.10', port: 5060 }, remote: { address: '192.0.2.1', port: 5060 } });
  gwT.link(ccT);
  const invites: IncomingInvite[] = [];
  const errors: unknown[] = [];
  const gw = new UserAgent({ transport: asTransport(gwT), clock, onInvite: (i) => invites.push(i), onError: (e) => errors.push(e) });
  const cc = new UserAgent({ transport: asTransport(ccT), clock, onError: (e) => errors.push(e) });
  return { clock, gwT, ccT, gw, cc, invites, errors };
}
