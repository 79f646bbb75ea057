/**
 * Mid-call offers: re-INVITE and UPDATE (RFC 3261 §14, RFC 3311) for hold, resume, session
 * refresh and codec changes. We answer with the same port; the codec the RTP session runs
 * is kept while the offer lists it, and an offer with only another codec we support
 * switches the running call to it in place (RFC 3264 §8.3.2; see `answerModifiedOffer`).
 * Only an offer with nothing in common gets 488 and leaves the session as it was (§14.2).
 * The `o=` version goes up only when the answer changed (RFC 3264 §8). Hold
 * (`a=sendonly`, `a=inactive`, or the old `c=0.0.0.0`, §8.4) stops our RTP; resume starts
 * it again. A re-offer naming the same address as before keeps the symmetric-RTP latch
 * (NAT), a new one replaces it.
 */
import type { Dialog } from '../dialog/index.ts';
import type { RtpEndpoint } from '../media/rtp-session-types.ts';
import type { AnswerResult, NegotiatedMedia } from '../sdp/index.ts';
import { answerModifiedOffer } from '../sdp/negotiate.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { remoteOf, sends, type CallMedia } from './media.ts';

function sameEndpoint(a: RtpEndpoint | undefined, b: RtpEndpoint | undefined): boolean {
  return a !== undefined && b !== undefined && a.address === b.address && a.port === b.port && a.rtcpPort === b.rtcpPort;
}

/** True when the codec or the telephone-event payload type differ. */
export function formatsChanged(a: NegotiatedMedia, b: NegotiatedMedia): boolean {
  return a.codec.name !== b.codec.name || a.codec.pt !== b.codec.pt || a.telephoneEventPt !== b.telephoneEventPt;
}

/**
 * Answers `offer` for the running session.
 * @throws SdpError when the offer is unusable or has no codec we support
 */
export function answerReoffer(offer: string, media: CallMedia, address: string, sessionId: string): AnswerResult {
  const answer = (sessionVersion: number): AnswerResult =>
    answerModifiedOffer(offer, { address, port: media.rtp.port, sessionId, sessionVersion }, media.media.codec.name);
  const same = answer(media.version);
  if (same.answer === media.answer) return same;
  media.version++;
  return answer(media.version);
}

/**
 * Applies a new negotiation to the RTP session: the codec and telephone-event payload type
 * (switched in place, the call goes on), where to send, and whether to send.
 */
export function applyNegotiation(media: CallMedia, result: AnswerResult): void {
  // RFC 3264 §8.3.2: from our answer on we send in the answered format; switch before it leaves.
  if (formatsChanged(media.media, result.media)) {
    const { codec, telephoneEventPt } = result.media;
    media.rtp.setCodec({ name: codec.name, pt: codec.pt }, telephoneEventPt);
  }
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
 * Answers a re-INVITE/UPDATE. A re-INVITE without a body (a session refresh, RFC 4028)
 * gets our current session description again as the offer of its 200 (RFC 6337 §5.2: a
 * UA should then offer what it has, unchanged); an UPDATE without one gets a 200 without
 * SDP (RFC 3311 §5.2: only an offer in the UPDATE is answered in its 2xx). An offer we
 * cannot take gets 488 and leaves the session as it was (§14.2).
 * @param headers added to the 200 (the session timer's, RFC 4028 §9)
 * @returns the new negotiation, or undefined when nothing was negotiated (refresh or 488)
 */
export function reanswer(
  tx: ServerTransaction, dialog: Dialog, media: CallMedia, address: string, sessionId: string, headers: Array<[string, string]> = [],
): AnswerResult | undefined {
  const toTag = dialog.id.localTag;
  const offer = tx.request.body.toString();
  if (offer.trim() === '') {
    dialog.acceptModify(tx, tx.isInvite ? { body: media.answer, contentType: 'application/sdp', headers } : { headers });
    return undefined;
  }
  let result: AnswerResult;
  try {
    result = answerReoffer(offer, media, address, sessionId);
  } catch {
    tx.reply(488, { toTag });
    return undefined;
  }
  applyNegotiation(media, result);
  dialog.acceptModify(tx, { body: result.answer, contentType: 'application/sdp', headers });
  return result;
}
