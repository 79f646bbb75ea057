/**
 * Loaded flows, by the config object they came from. An agent is made per call, and the
 * router hands every call the same agent record (its lookup cache) until the directory
 * changes, which makes new objects; a config object is never changed in place. So a flow is
 * validated (zod, cross-step checks) once per config, not once per call.
 *
 * A `flowFile` is re-read when its size or mtime changes (one `stat` per agent made): the
 * file was read for every call before this cache, so an edited flow has always taken
 * effect from the next call, and still does. Failures are not cached: a bad flow fails
 * every time, with the same error.
 */
import { statSync } from 'node:fs';
import { flowFromConfig } from './load.ts';
import type { Flow } from './types.ts';

interface Loaded {
  flow: Flow;
  /** `size:mtimeMs` of the file it was read from (after a stat taken before the read). */
  version: string | undefined;
}

const loaded = new WeakMap<object, Loaded>();

/** `size:mtimeMs` of `path`, or undefined when it cannot be stat'ed (the read then reports why). */
function versionOf(path: string): string | undefined {
  try {
    const s = statSync(path, { throwIfNoEntry: false });
    return s === undefined ? undefined : `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined; // e.g. EACCES
  }
}

/**
 * {@link flowFromConfig}, once per config object (and per version of its `flowFile`).
 * The flow is shared by every call of the config: it is never modified.
 * @throws FlowConfigError for a missing, ambiguous or invalid flow, every time
 */
export function cachedFlowFromConfig(config: Readonly<Record<string, unknown>>): Flow {
  const { flow, flowFile } = config;
  // Only a well-formed flowFile config has a file to watch; flowFromConfig reports the rest.
  const file = flow === undefined && typeof flowFile === 'string' && flowFile !== '';
  const version = file ? versionOf(flowFile) : undefined;
  const hit = loaded.get(config);
  if (hit !== undefined && hit.version === version) return hit.flow;
  loaded.delete(config);
  const fresh = flowFromConfig(config);
  // A file that could not be stat'ed has no version to compare: read it again next time.
  if (!file || version !== undefined) loaded.set(config, { flow: fresh, version });
  return fresh;
}
