/**
 * A real gateway for one end-to-end test: {@link loopbackConfig} in a temp folder of its
 * own (or a given one), silent logs, and a `close()` that stops it and removes the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type Gateway } from '../../src/app.ts';
import { parseConfig } from '../../src/config/index.ts';
import { createLogger, type Logger } from '../../src/obs/index.ts';
import type { Clock } from '../../src/transaction/index.ts';
import { loopbackConfig } from './gateway-config.ts';

/** A running test gateway. */
export type TestGateway = Gateway & {
  /** The temp folder: the SQLite file is `agentline.db` in it; tests may write files there. */
  dir: string;
  /** Stops the gateway, then removes the folder. Idempotent. */
  close(): Promise<void>;
};

/** Options of {@link startTestGateway}. */
export interface TestGatewayOptions {
  /** Use this folder (e.g. one holding a database seeded beforehand) instead of a new temp one. */
  dir?: string;
  /** Size of the RTP range (see {@link loopbackConfig}). Default 200 ports. */
  rtpPorts?: number;
  /** The gateway's clock (see test/support/time-warp.ts). Default: the system clock. */
  clock?: Clock;
  /** The gateway's logger (e.g. one writing to a stream the test reads). Default: silent. */
  logger?: Logger;
}

/**
 * Starts a gateway on loopback.
 * @param name part of the temp folder's name (`agentline-<name>-…`)
 * @param overrides top-level config sections that replace the defaults (see {@link loopbackConfig})
 */
export async function startTestGateway(
  name: string, overrides: Record<string, unknown> = {}, options: TestGatewayOptions = {},
): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `agentline-${name}-`));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  let gw: Gateway;
  try {
    gw = await startGateway(parseConfig(loopbackConfig(dir, overrides, options.rtpPorts)), {
      logger: options.logger ?? createLogger({ level: 'silent' }), ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
  } catch (err) {
    remove();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= gw.stop().finally(remove));
  return { ...gw, dir, close };
}

/** The id of the demo tenant (`demo.enabled: true`). @throws when it was not seeded */
export async function demoTenantId(gw: Gateway): Promise<string> {
  const tenant = await gw.store.getTenantBySlug('demo');
  if (tenant === undefined) throw new Error('the demo tenant was not seeded');
  return tenant.id;
}
