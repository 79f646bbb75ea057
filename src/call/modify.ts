/**
 * Mid-call offers: re-INVITE and UPDATE (RFC 3261 §14, RFC 3311) for hold, resume and
 * session refresh. We answer with the same port; the `o=` version goes up with each new
 * answer (RFC 3264 §8).
 */
import type { Dialog } from '../dialog/index.ts';
import { answerOffer } from '../sdp/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { remoteOf, type CallMedia } from './media.ts';

const versions = new WeakMap<CallMedia, number>();

/**
 * Answers a re-INVITE/UPDATE. Without a body (a session refresh, RFC 4028) our current
 * answer is sent again; a bad offer gets 488 and leaves the session as it was (§14.2).
 */
export function reanswer(tx: ServerTransaction, dialog: Dialog, media: CallMedia, address: string, sessionId: string): void {
  const toTag = dialog.id.localTag;
  const offer = tx.request.body.toString();
  if (offer.trim() === '') {
    tx.reply(200, { body: media.answer, contentType: 'application/sdp', toTag });
    return;
  }
  const version = (versions.get(media) ?? 1) + 1;
  try {
    const result = answerOffer(offer, { address, port: media.rtp.port, sessionId, sessionVersion: version });
    versions.set(media, version);
    media.answer = result.answer;
    media.media = result.media;
    media.rtp.setRemote(remoteOf(result.media));
    media.rtp.setSending(!result.media.hold);
    tx.reply(200, { body: result.answer, contentType: 'application/sdp', toTag });
  } catch {
    tx.reply(488, { toTag });
  }
}
