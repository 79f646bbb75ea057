/**
 * Mid-call offers: re-INVITE and UPDATE (RFC 3261 §14, RFC 3311) for hold, resume and
 * session refresh. We answer with the same port and the codec the RTP session runs (a
 * re-offer without it gets 488 and leaves the session as it was, §14.2). The `o=` version
 * goes up only when the answer changed (RFC 3264 §8). Hold (`a=sendonly`, `a=inactive`,
 * or the old `c=0.0.0.0`, §8.4) stops our RTP; resume starts it again. A re-offer naming
 * the same address as before keeps the symmetric-RTP latch (NAT), a new one replaces it.
 */
import type { Dialog } from '../dialog/index.ts';
import type { RtpEndpoint } from '../media/rtp-session-types.ts';
import { answerOffer, type AnswerResult } from '../sdp/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { remoteOf, sends, type CallMedia } from './media.ts';

function sameEndpoint(a: RtpEndpoint | undefined, b: RtpEndpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.address === b.address && a.port === b.port && a.rtcpPort === b.rtcpPort;
}

/**
 * Answers `offer` for the running session.
 * @throws SdpError when the offer is unusable or lacks the session's codec
 */
export function answerReoffer(offer: string, media: CallMedia, address: string, sessionId: string): AnswerResult {
  const answer = (sessionVersion: number): AnswerResult =>
    answerOffer(offer, { address, port: media.rtp.port, sessionId, sessionVersion, codecs: [media.media.codec.name] });
  const same = answer(media.version);
  if (same.answer === media.answer) return same;
  media.version++;
  return answer(media.version);
}

/** Applies a new negotiation to the RTP session: where to send, and whether to send. */
export function applyNegotiation(media: CallMedia, result: AnswerResult): void {
  media.answer = result.answer;
  media.media = result.media;
  const remote = remoteOf(result.media);
  // c=0.0.0.0 (hold) keeps the current target: sending stops anyway.
  if (remote !== undefined && !sameEndpoint(remote, media.sdpRemote)) {
    media.sdpRemote = remote;
    media.rtp.setRemote(remote);
  }
  media.rtp.setSending(sends(result.media));
}

/**
 * Answers a re-INVITE/UPDATE. Without a body (a session refresh, RFC 4028) our current
 * answer is sent again; a bad offer gets 488 and leaves the session as it was (§14.2).
 * @param headers added to the 200 (the session timer's, RFC 4028 §9)
 */
export function reanswer(
  tx: ServerTransaction, dialog: Dialog, media: CallMedia, address: string, sessionId: string, headers: Array<[string, string]> = [],
): void {
  const toTag = dialog.id.localTag;
  const offer = tx.request.body.toString();
  if (offer.trim() === '') {
    tx.reply(200, { body: media.answer, contentType: 'application/sdp', toTag, headers });
    return;
  }
  let result: AnswerResult;
  try {
    result = answerReoffer(offer, media, address, sessionId);
  } catch {
    tx.reply(488, { toTag });
    return;
  }
  applyNegotiation(media, result);
  tx.reply(200, { body: result.answer, contentType: 'application/sdp', toTag, headers });
}
