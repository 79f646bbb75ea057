/**
 * One call's media, owned as a unit: the RTP session and SDP state (`media.ts`), the
 * agent's handle on it (`call-media.ts`), the optional recording (`recorder.ts`) and the
 * statistics (`media-stats.ts`). `close()` is idempotent and closes the children in order:
 * the handle (playback cut), the session (RTCP BYE, port back), then the recording.
 */
import { join } from 'node:path';
import type { Dialog } from '../dialog/index.ts';
import { PromptCache } from '../media/prompts.ts';
import type { Logger } from '../obs/index.ts';
import type { JsonObject } from '../store/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { CallMediaHandle } from './call-media.ts';
import { openCallMedia, type CallMedia } from './media.ts';
import { mediaRecord, RtpMeter } from './media-stats.ts';
import { formatsChanged, reanswer } from './modify.ts';
import { CallRecorder } from './recorder.ts';
import type { CallDeps } from './types.ts';
import { SETTLED } from '../lib/settled.ts';

/** What closing the leg reports. */
export interface MediaLegSummary {
  /** The record's `media` field. */
  record: JsonObject;
  /** Settles when the recording file is complete (at once without recording). */
  recorded: Promise<void>;
}

/** The media of one answered (or about to be answered) call. */
export class MediaLeg {
  #closed: MediaLegSummary | undefined;

  private constructor(
    readonly media: CallMedia,
    readonly handle: CallMediaHandle,
    private readonly recorder: CallRecorder | undefined,
    private readonly meter: RtpMeter,
    private readonly log: Logger,
  ) {}

  /**
   * Reserves the port, answers the offer, opens the session, the agent's handle and the
   * recording (a recording that cannot be created is logged and skipped).
   * @throws as {@link openCallMedia}: `media_ports_exhausted` (503), SDP errors (400/488)
   */
  static open(offer: string, deps: CallDeps, sessionId: string, conversationId: string, log: Logger): Promise<MediaLeg> {
    // Not an async function: without a recording, the one promise made is the media's then().
    const dir = deps.settings.recordDir;
    const opening = openCallMedia(offer, deps, sessionId);
    if (dir === undefined) return opening.then((media) => MediaLeg.#withHandle(media, deps, undefined, log));
    return opening.then(async (media) => {
      let recorder: CallRecorder | undefined;
      try {
        recorder = await CallRecorder.open(join(dir, `${conversationId}.wav`), deps.mediaClock);
      } catch (err) {
        log.warn({ err, dir }, 'call not recorded');
      }
      return MediaLeg.#withHandle(media, deps, recorder, log);
    });
  }

  /** The agent's handle on the open media, and the leg. */
  static #withHandle(media: CallMedia, deps: CallDeps, recorder: CallRecorder | undefined, log: Logger): MediaLeg {
    const meter = new RtpMeter(deps.metrics);
    const rtp = media.rtp;
    // Methods, not named arrow functions: see the note on keepNames in call.ts's answer step.
    const handle = new CallMediaHandle(rtp, {
      prompts: deps.prompts ?? new PromptCache(),
      now() { return deps.mediaClock.now(); },
      ...(deps.settings.dtmfDedupMs === undefined ? {} : { dtmfDedupMs: deps.settings.dtmfDedupMs }),
      ...(recorder === undefined ? {} : { recorder }),
      onError(err) { log.warn({ err }, 'agent media listener failed'); },
      onSecond() { meter.report(rtp); },
    });
    rtp.on('error', (err) => log.debug({ err }, 'RTP error'));
    rtp.on('latched', (remote) => log.debug({ remote }, 'RTP latched'));
    return new MediaLeg(media, handle, recorder, meter, log);
  }

  /** Our SDP answer. */
  get answer(): string {
    return this.media.answer;
  }

  /** A digit relayed by SIP INFO. */
  infoDigit(digit: string): void {
    this.handle.pushDigit(digit, 'info');
  }

  /**
   * Answers a re-INVITE/UPDATE (hold, resume, refresh, a codec change; see `modify.ts`);
   * `headers` go on the 200. A codec change switches the running session in place.
   */
  modify(tx: ServerTransaction, dialog: Dialog, address: string, sessionId: string, headers: Array<[string, string]> = []): void {
    const before = this.media.media;
    const after = reanswer(tx, dialog, this.media, address, sessionId, headers)?.media;
    if (after === undefined || !formatsChanged(before, after)) return;
    this.log.info({ codec: after.codec, telephoneEventPt: after.telephoneEventPt, was: before.codec }, 'media format changed by re-offer');
  }

  /** Closes the handle, the session and the recording; returns the statistics. Idempotent. */
  close(): MediaLegSummary {
    if (this.#closed !== undefined) return this.#closed;
    this.handle.close();
    const rtp = this.media.rtp;
    const stats = rtp.stats;
    rtp.close();
    this.meter.finish(stats);
    const recorded = this.recorder === undefined
      ? SETTLED
      : this.recorder.close().then(
        (r) => this.log.info({ path: r.path, durationMs: r.durationMs }, 'call recorded'),
        (err: unknown) => this.log.warn({ err }, 'recording failed'),
      );
    const record = mediaRecord({
      codec: this.media.media.codec.name, rtp: stats, handle: this.handle.stats,
      ...(this.recorder === undefined ? {} : { recording: this.recorder.path }),
    });
    this.#closed = { record, recorded };
    return this.#closed;
  }
}
