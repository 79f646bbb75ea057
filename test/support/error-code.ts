/**
 * Tests assert error codes, not messages (STYLE.md, after fastify): the stable `code` of
 * what a function throws.
 */

/**
 * Runs `fn`: undefined when it returns, the thrown error's string `code`, or `'other'` for
 * something thrown without one.
 */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return typeof code === 'string' ? code : 'other';
  }
  return undefined;
}
