/**
 * The `agentline` command (commander). `serve` runs the gateway until SIGTERM/SIGINT,
 * then drains; `init` writes the commented example config. Admin commands come later.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { startGateway, type Gateway } from '../app.ts';
import { exampleConfigYaml, loadConfig } from '../config/index.ts';

/** Builds the program. */
function buildProgram(): Command {
  const program = new Command('agentline')
    .description('SIP gateway that puts voice-AI agents on a contact center trunk')
    .showHelpAfterError();
  program.command('serve')
    .description('start the gateway (without --config: loopback demo with defaults)')
    .option('-c, --config <path>', 'agentline.yaml to load (also AGENTLINE_CONFIG)')
    .action(async (opts: { config?: string }) => {
      await serve(opts.config);
    });
  program.command('init')
    .description('write a commented example configuration')
    .argument('[path]', 'where to write it', 'agentline.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action((path: string, opts: { force?: boolean }) => {
      init(path, opts.force === true);
    });
  return program;
}

/** Writes the example config; refuses to overwrite without `force`. */
function init(path: string, force: boolean): void {
  const abs = resolve(path);
  if (existsSync(abs) && !force) {
    console.error(`${abs} exists; use --force to overwrite`);
    process.exitCode = 1;
    return;
  }
  writeFileSync(abs, exampleConfigYaml(), { mode: 0o600 });
  console.log(`wrote ${abs}`);
}

async function serve(configPath: string | undefined): Promise<void> {
  const config = loadConfig(configPath === undefined ? {} : { path: configPath });
  const gateway = await startGateway(config);
  printBanner(gateway, config.sip.host);
  let signalled = false;
  const shutdown = (signal: string): void => {
    if (signalled) {
      process.exit(1); // a second signal: stop waiting
    }
    signalled = true;
    console.log(`${signal}: draining (new calls get 503), up to ${config.limits.drainTimeoutSec}s`);
    void gateway.drain().then(() => gateway.stop()).then(() => process.exit(0), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

function printBanner(gateway: Gateway, host: string): void {
  console.log(`agentline: SIP on ${host}:${gateway.sipPort} (udp/tcp)`);
  const demo = gateway.demo;
  if (!demo) return;
  console.log(`demo agent ${demo.tenant}/${demo.agent}: dial extension ${demo.extension} (sip:${demo.extension}@${host}:${gateway.sipPort})`);
  if (demo.token !== undefined) console.log(`  or send X-PolyAi-Auth-Token: ${demo.token}`);
  if (demo.apiKey !== undefined) console.log(`  Handoff API key (shown once): ${demo.apiKey}`);
  console.log('  press 1 → billing, 2 → support, 3 → contained');
}

await buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
