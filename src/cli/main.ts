/**
 * The `agentline` command (commander): `serve` runs the gateway, `init` writes the
 * example config, and the admin commands (`tenant`, `agent`, `key`, `calls`) work on
 * the same store as the server through the admin service. Each command lives in
 * `commands/<name>.ts` and exports one `register…(program)`.
 *
 * A failure prints `error: …` on stderr (a JSON error object with `--json`), no stack
 * trace, and exits 1.
 */
import { Command } from 'commander';
import { registerAgent } from './commands/agent.ts';
import { registerCallCommand } from './commands/call.ts';
import { registerCalls } from './commands/calls.ts';
import { registerInit } from './commands/init.ts';
import { registerKey } from './commands/key.ts';
import { registerServe } from './commands/serve.ts';
import { registerTenant } from './commands/tenant.ts';
import { reportError } from './errors.ts';

/** Builds the program with every command registered. */
export function buildProgram(): Command {
  const program = new Command('agentline')
    .description('SIP gateway that puts voice-AI agents on a contact center trunk')
    .showHelpAfterError();
  registerServe(program);
  registerInit(program);
  registerTenant(program);
  registerAgent(program);
  registerKey(program);
  registerCalls(program);
  registerCallCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv).catch((err: unknown) => {
  reportError(err, process.argv.includes('--json'));
});
