/**
 * The handoff spool: where a handoff record goes when the store refused it even after
 * retries, BEFORE the BYE leaves (ARCHITECTURE.md: the record comes first). Each record is
 * appended as one JSON line to a file next to the database and fsynced; the spool keeps
 * offering its records to the store in the background, and `replay()` at start writes
 * what a previous process left. Without a file it holds records in memory only.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../obs/index.ts';
import { isStoreError, type HandoffRecord, type Store } from '../store/index.ts';
import type { Clock, TimerHandle } from '../transaction/index.ts';

/** Options of a {@link HandoffSpool}. */
export interface HandoffSpoolOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The spool file (JSON lines); absent: memory only (lost with the process). */
  path?: string;
  /** Delay between background offers to the store, ms. Default 5000. */
  retryMs?: number;
  /** Epoch ms now, for dropping expired records. Default `Date.now`. */
  now?: () => number;
}

/** What a replay or a flush did. */
export interface SpoolFlush {
  /** Records now in the store. */
  written: number;
  /** Records still spooled. */
  pending: number;
}

/** Records waiting for the store; see the module comment. */
export class HandoffSpool {
  readonly #pending = new Map<string, HandoffRecord>();
  readonly #retryMs: number;
  readonly #now: () => number;
  #timer: TimerHandle | undefined;
  #flushing: Promise<SpoolFlush> | undefined;
  #closed = false;

  constructor(private readonly options: HandoffSpoolOptions) {
    this.#retryMs = options.retryMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  /** Records waiting for the store. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The spool file, when there is one. */
  get path(): string | undefined {
    return this.options.path;
  }

  /**
   * Keeps `record` until the store takes it: appended and fsynced to the file first
   * (synchronously, so it is on disk when this returns), then offered in the background.
   * @returns true when the record is on disk; false when only in memory (no file, or the write failed)
   */
  keep(record: HandoffRecord): boolean {
    this.#pending.set(record.id, record);
    let durable = false;
    const path = this.options.path;
    if (path !== undefined) {
      try {
        appendDurably(path, `${JSON.stringify(record)}\n`);
        durable = true;
      } catch (err) {
        this.options.logger.error({ err, id: record.id, path }, 'handoff spool write failed; record held in memory only');
      }
    }
    this.#arm();
    return durable;
  }

  /** Reads the file a previous process left and offers every record to the store. */
  async replay(): Promise<SpoolFlush> {
    for (const record of this.#readFile()) this.#pending.set(record.id, record);
    if (this.#pending.size > 0) this.options.logger.warn({ records: this.#pending.size }, 'replaying spooled handoff records');
    return this.flush();
  }

  /** Offers every pending record to the store once; rewrites the file with what is left. */
  flush(): Promise<SpoolFlush> {
    this.#flushing ??= this.#flushOnce().finally(() => { this.#flushing = undefined; });
    return this.#flushing;
  }

  /** Stops the background offers (records stay in the file for the next start). */
  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  async #flushOnce(): Promise<SpoolFlush> {
    let written = 0;
    for (const record of [...this.#pending.values()]) {
      if (record.expiresAt <= this.#now()) {
        this.#pending.delete(record.id);
        continue;
      }
      try {
        await this.options.store.putHandoff(record);
        written++;
        this.#pending.delete(record.id);
      } catch (err) {
        // `conflict`: an earlier attempt did commit (its answer was lost); nothing to keep.
        if (isStoreError(err, 'conflict') || isStoreError(err, 'invalid')) this.#pending.delete(record.id);
        if (isStoreError(err, 'invalid')) this.options.logger.error({ err, id: record.id }, 'spooled handoff record refused as invalid');
      }
    }
    this.#rewrite();
    if (written > 0) this.options.logger.info({ written, pending: this.#pending.size }, 'spooled handoff records written');
    this.#arm();
    return { written, pending: this.#pending.size };
  }

  #arm(): void {
    if (this.#closed || this.#timer !== undefined || this.#pending.size === 0) return;
    this.#timer = this.options.clock.setTimer(this.#retryMs, () => {
      this.#timer = undefined;
      void this.flush();
    });
  }

  #readFile(): HandoffRecord[] {
    const path = this.options.path;
    if (path === undefined || !existsSync(path)) return [];
    const out: HandoffRecord[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line) as HandoffRecord);
      } catch {
        // A line torn by a crash mid-append: its record's BYE was never sent.
        this.options.logger.warn({ path }, 'skipping a torn handoff spool line');
      }
    }
    return out;
  }

  /** Replaces the file by the pending records (write, fsync, rename: never a half file). */
  #rewrite(): void {
    const path = this.options.path;
    if (path === undefined || (!existsSync(path) && this.#pending.size === 0)) return;
    try {
      const tmp = `${path}.tmp`;
      const text = [...this.#pending.values()].map((r) => `${JSON.stringify(r)}\n`).join('');
      const fd = openSync(tmp, 'w');
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      fsyncDir(path);
    } catch (err) {
      this.options.logger.warn({ err, path }, 'handoff spool rewrite failed; the file keeps already written records');
    }
  }
}

/** Appends `text` to `path` and fsyncs it (and its directory when the file is new). */
function appendDurably(path: string, text: string): void {
  const created = !existsSync(path);
  const fd = openSync(path, 'a');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) fsyncDir(path);
}

function fsyncDir(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dirname(path), 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse directory fsync; the rename or create is still ordered.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
