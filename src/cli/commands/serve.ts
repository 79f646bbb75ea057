/**
 * `agentline serve`: runs the gateway until SIGTERM/SIGINT, then drains (new calls get
 * 503, live ones finish or are ended after `limits.drainTimeoutSec`) and exits 0.
 * The banner's first line, `agentline: SIP on <host>:<port> (udp/tcp)`, names the bound
 * port (tests and scripts read it when the config asks for port 0).
 */
import type { Command } from 'commander';
import { startGateway, type Gateway } from '../../app.ts';
import { loadConfig } from '../../config/index.ts';

/** Registers `serve`. */
export function registerServe(program: Command): void {
  program.command('serve')
    .description('start the gateway (without --config: loopback demo with defaults)')
    .option('-c, --config <path>', 'agentline.yaml to load (also AGENTLINE_CONFIG)')
    .action(async (opts: { config?: string }) => {
      await serve(opts.config);
    });
}

async function serve(configPath: string | undefined): Promise<void> {
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  const gateway = await startGateway(config);
  printBanner(gateway, config.sip.host, config.http.host);
  let signalled = false;
  const shutdown = (signal: string): void => {
    if (signalled) {
      process.exit(1); // a second signal: stop waiting
    }
    signalled = true;
    console.log(`${signal}: draining (new calls get 503), up to ${config.limits.drainTimeoutSec}s`);
    void gateway.drain().then(() => gateway.stop()).then(() => process.exit(0), (err: unknown) => {
      console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function printBanner(gateway: Gateway, host: string, httpHost: string): void {
  console.log(`agentline: SIP on ${host}:${gateway.sipPort} (udp/tcp)`);
  const web = `http://${httpHost.includes(':') ? `[${httpHost}]` : httpHost}:${gateway.httpPort}`;
  console.log(`agentline: HTTP on ${web} (Handoff API /v1/…/handoff_state, docs ${web}/docs, metrics ${web}/metrics)`);
  const demo = gateway.demo;
  if (!demo) return;
  console.log(`demo agent ${demo.tenant}/${demo.agent}: dial extension ${demo.extension} (sip:${demo.extension}@${host}:${gateway.sipPort})`);
  if (demo.token !== undefined) console.log(`  or send X-PolyAi-Auth-Token: ${demo.token}`);
  if (demo.apiKey !== undefined) console.log(`  Handoff API key (shown once): ${demo.apiKey}`);
  console.log('  press 1 → billing, 2 → support, 3 → contained');
}
