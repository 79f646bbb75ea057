/**
 * Adapts the call layer's registry (CallManager) to the admin API's read-only view plus
 * "end this one call".
 */
import type { LiveCall } from '../call/index.ts';
import type { LiveCallRegistry } from './types.ts';

/** What the adapter needs from the call registry (CallManager satisfies it). */
export interface CallRegistrySource {
  list(): LiveCall[];
  /** Ends one live call (`ended_by: system`); false when no such call. */
  hangupCall(conversationId: string): boolean;
}

/** The admin API's view of `source`. */
export function liveCallRegistry(source: CallRegistrySource): LiveCallRegistry {
  return {
    list: () => source.list(),
    end: (conversationId) => source.hangupCall(conversationId),
  };
}
