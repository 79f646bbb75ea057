/**
 * Guarded waits for tests: every wait has a bound so that a broken test fails with what it
 * was waiting for instead of hanging. The bounds are guards, never assertions on timing.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Default guard of a wait, ms. */
export const WAIT_MS = 5000;

/** Rejects after `ms` with `what`, unless `p` settles first. */
export function within<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Resolves once `cond()` holds, checking every few ms; rejects after `ms` with `what`. */
export function until(cond: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  let gaveUp = false;
  return within((async () => {
    while (!gaveUp && !cond()) await sleep(5); // stops polling once the guard has fired
  })(), what, ms).finally(() => { gaveUp = true; });
}
