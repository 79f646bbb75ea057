/**
 * `agentline init [path]`: writes the commented example configuration.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { exampleConfigYaml } from '../../config/index.ts';
import { EXIT_FAILURE } from '../errors.ts';

/** Registers `init`. */
export function registerInit(program: Command): void {
  program.command('init')
    .description('write a commented example configuration')
    .argument('[path]', 'where to write it', 'agentline.yaml')
    .option('-f, --force', 'overwrite an existing file')
    .action((path: string, opts: { force?: boolean }) => {
      init(path, opts.force === true);
    });
}

/** Writes the example config (mode 0600: it may hold keys); refuses to overwrite without `force`. */
function init(path: string, force: boolean): void {
  const abs = resolve(path);
  if (existsSync(abs) && !force) {
    console.error(`error: ${abs} exists; use --force to overwrite`);
    process.exitCode = EXIT_FAILURE;
    return;
  }
  writeFileSync(abs, exampleConfigYaml(), { mode: 0o600 });
  console.log(`wrote ${abs}`);
}
