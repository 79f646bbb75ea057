/**
 * A contact-center side for the gateway's end-to-end tests, built on our own SIP stack:
 * sends INVITEs with an SDP offer, relays DTMF by SIP INFO, hangs up, and collects the
 * gateway's BYE. Every wait has a guard timeout so that a broken test fails instead of
 * hanging; none asserts timing.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { UserAgent, type Dialog, type OutgoingInvite } from '../../src/dialog/index.ts';
import { createOffer } from '../../src/sdp/index.ts';
import type { SipRequest, SipResponse } from '../../src/sip/index.ts';
import { SipTransport } from '../../src/transport/index.ts';
import { within } from '../support/wait.ts';

export { WAIT_MS, until, within } from '../support/wait.ts';

/** One call placed by the test UAC. */
export interface PlacedCall {
  response: SipResponse;
  dialog: Dialog | undefined;
  /** Waits for the gateway's BYE (guarded by {@link WAIT_MS}). */
  bye(): Promise<SipRequest>;
}

/** A UAC on 127.0.0.1 with an RTP socket that swallows the gateway's media. */
export class TestUac {
  private constructor(
    readonly transport: SipTransport,
    readonly ua: UserAgent,
    private readonly rtp: Socket,
    private readonly gatewayPort: number,
    private readonly protocol: 'udp' | 'tcp',
  ) {}

  /** Starts a UAC that calls the gateway on `gatewayPort` over UDP (or TCP). */
  static async start(gatewayPort: number, protocol: 'udp' | 'tcp' = 'udp'): Promise<TestUac> {
    const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0, protocols: ['udp', 'tcp'] });
    const rtp = createSocket('udp4');
    rtp.on('message', () => {});
    rtp.bind(0, '127.0.0.1');
    await once(rtp, 'listening');
    return new TestUac(transport, new UserAgent({ transport }), rtp, gatewayPort, protocol);
  }

  /**
   * Places a call to `sip:<user>@gateway` with `headers`.
   * @param onBye runs synchronously when the gateway's BYE arrives (to look at the store then)
   */
  async call(user: string, headers: Array<[string, string]> = [], onBye?: (req: SipRequest) => void): Promise<PlacedCall> {
    const address = this.rtp.address();
    const invite = this.ua.invite({
      target: { protocol: this.protocol, address: '127.0.0.1', port: this.gatewayPort },
      uri: `sip:${user}@127.0.0.1:${this.gatewayPort}`,
      headers,
      sdp: createOffer({ address: '127.0.0.1', port: address.port }),
    });
    const { response, dialog } = await within(invite.result, `final response to INVITE ${user}`);
    let resolveBye!: (req: SipRequest) => void;
    const bye = new Promise<SipRequest>((resolve) => { resolveBye = resolve; });
    if (dialog) {
      dialog.handlers = {
        onBye: (req) => {
          onBye?.(req);
          resolveBye(req);
        },
      };
    }
    return { response, dialog, bye: () => within(bye, 'the gateway BYE') };
  }

  /** Sends an INVITE to `user` and returns it unanswered (to CANCEL it, RFC 3261 §9.1). */
  ring(user: string, headers: Array<[string, string]> = []): OutgoingInvite {
    return this.ua.invite({
      target: { protocol: this.protocol, address: '127.0.0.1', port: this.gatewayPort },
      uri: `sip:${user}@127.0.0.1:${this.gatewayPort}`,
      headers,
      sdp: createOffer({ address: '127.0.0.1', port: this.rtp.address().port }),
    });
  }

  /** Sends one digit by SIP INFO (`application/dtmf-relay`); resolves with the final status. */
  async pressDigit(dialog: Dialog, digit: string): Promise<number> {
    const tx = dialog.request('INFO', { body: `Signal=${digit}\r\nDuration=160\r\n`, contentType: 'application/dtmf-relay' });
    return (await within(tx.final, 'INFO response')).status;
  }

  /** Closes the UAC. */
  async close(): Promise<void> {
    this.ua.close();
    this.rtp.close();
    await this.transport.close();
  }
}
