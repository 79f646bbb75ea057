/**
 * Counts the asynchronous resources a process creates (promises, timers, `nextTick`s, fs
 * requests: `async_hooks` init events, by type) while it runs, and where the most come from:
 * every `sampleEvery`-th one records the first frames of its stack outside Node's internals.
 * Counts do not move with the machine's hour as CPU times do, so they show what a change to the
 * call's path removed (docs/benchmarks.md, "Calls per second: what a call costs", item 9).
 *
 * Enabling an init hook turns on V8's promise hooks, which slow every promise: the CPU figures
 * of a counted step are not the gateway's.
 */
import { createHook, type AsyncHook } from 'node:async_hooks';

/** Where one kind of resource was created, with how many (sampled counts scaled back up). */
export interface AsyncSite {
  type: string;
  site: string;
  count: number;
}

/** What a count window saw. */
export interface AsyncCounts {
  /** Resources created, by `async_hooks` type (`PROMISE`, `Timeout`, `TickObject`, ...). */
  types: Record<string, number>;
  /** The most frequent creation sites, most first (from the sampled stacks). */
  sites: AsyncSite[];
  /** One stack in this many was sampled. */
  sampleEvery: number;
}

/** Frames of a sampled stack that name the site. */
const SITE_FRAMES = 3;

/** One `async_hooks` counter; `start` and `stop` bound a window. */
export class AsyncCounter {
  #hook: AsyncHook | undefined;
  #types = new Map<string, number>();
  #sites = new Map<string, number>();
  #seen = 0;
  #sampleEvery = 1;

  /** Starts counting from zero. @param sampleEvery one stack sampled per this many resources (1: all) */
  start(sampleEvery = 16): void {
    this.#hook?.disable();
    this.#types = new Map();
    this.#sites = new Map();
    this.#seen = 0;
    this.#sampleEvery = Math.max(1, Math.floor(sampleEvery));
    const hook = createHook({
      init: (_id, type) => {
        this.#types.set(type, (this.#types.get(type) ?? 0) + 1);
        if (++this.#seen % this.#sampleEvery !== 0) return;
        const key = `${type}\n${siteOf(new Error().stack ?? '')}`;
        this.#sites.set(key, (this.#sites.get(key) ?? 0) + 1);
      },
    });
    this.#hook = hook;
    hook.enable();
  }

  /** Stops counting and returns the window's counts, the `top` most frequent sites. */
  stop(top = 40): AsyncCounts {
    this.#hook?.disable();
    this.#hook = undefined;
    const sites = [...this.#sites].map(([key, n]) => {
      const nl = key.indexOf('\n');
      return { type: key.slice(0, nl), site: key.slice(nl + 1), count: n * this.#sampleEvery };
    }).sort((a, b) => b.count - a.count).slice(0, top);
    return { types: Object.fromEntries(this.#types), sites, sampleEvery: this.#sampleEvery };
  }
}

/**
 * The first frames of `stack` that are not this file's, Node's async_hooks or the Error line,
 * as `fn (file:line) < caller (file:line)`, paths cut to the repository's.
 */
export function siteOf(stack: string): string {
  return stack.split('\n').slice(1)
    .map((l) => l.trim().replace(/^at /, ''))
    .filter((l) => !l.includes('node:internal/async_hooks') && !l.includes('async-count.ts'))
    .slice(0, SITE_FRAMES)
    .map((l) => l.replace(/(?:file:\/\/)?\/[^\s()]*?\/((?:src|bench|test|node_modules)\/)/, '$1'))
    .join(' < ');
}
