/**
 * `agentline agent add|list|show|update|rotate-token`: voice agents (`project_id` in
 * the Handoff API). A token is printed once, at creation and rotation; only its hash
 * is stored.
 */
import { Option, type Command } from 'commander';
import { AGENT_KINDS, type AgentView, type CreatedAgent } from '../../admin/index.ts';
import type { AgentFallback } from '../../store/index.ts';
import {
  commaList, jsonObjectArg, nonNegativeInt, objectFileArg, withAdmin, withCommonOptions, type CommonOptions,
} from '../context.ts';
import { orDash, printFields, printJson, printTable, time } from '../output.ts';

/** Options shared by `agent add` and `agent update` (`false` from `--no-…` clears a field). */
interface AgentOptions extends CommonOptions {
  name?: string;
  kind?: string;
  extension?: string | false;
  destinations?: string[];
  defaultDestination?: string | false;
  maxCalls?: number;
  ringMs?: number;
  fallback?: AgentFallback;
  configJson?: Record<string, unknown>;
  configFile?: Record<string, unknown>;
}

/** `contained` → `{ contained: true }`; a destination → `{ contained: false, destination }`. */
function fallbackArg(value: string): AgentFallback {
  return value === 'contained' ? { contained: true } : { contained: false, destination: value };
}

/** Adds the agent field options; `clearable` adds `--no-extension` and `--no-default-destination`. */
function agentOptions(cmd: Command, clearable: boolean): Command {
  cmd.option('--name <name>', 'display name (default: the slug)')
    .addOption(new Option('--kind <kind>', 'agent kind (default: builtin)').choices(AGENT_KINDS))
    .option('--extension <ext>', 'Request-URI user part that reaches the agent (unique on the trunk)');
  if (clearable) cmd.option('--no-extension', 'remove the extension (token routing only)');
  cmd.option('--destinations <list>', 'comma-separated logical destinations, e.g. billing,support', commaList)
    .option('--default-destination <dest>', 'used when the agent names none or an unknown one');
  if (clearable) cmd.option('--no-default-destination', 'remove the default destination');
  return cmd
    .option('--max-calls <n>', 'concurrent call limit, 0 = unlimited', nonNegativeInt)
    .option('--ring-ms <ms>', 'delay before answering, ms', nonNegativeInt)
    .option('--fallback <contained|dest>', 'outcome when the agent cannot run (default: not contained, to the default destination)', fallbackArg)
    .addOption(new Option('--config-json <json>', 'kind-specific configuration as a JSON object').argParser(jsonObjectArg).conflicts('configFile'))
    .addOption(new Option('--config-file <path>', 'kind-specific configuration from a JSON or YAML file').argParser(objectFileArg));
}

/** The service input for the options given (absent options stay absent). */
function agentInput(opts: AgentOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    if (value !== undefined) out[key] = value === false ? null : value;
  };
  set('name', opts.name);
  set('kind', opts.kind);
  set('extension', opts.extension);
  set('destinations', opts.destinations);
  set('defaultDestination', opts.defaultDestination);
  set('maxConcurrentCalls', opts.maxCalls);
  set('ringTimeMs', opts.ringMs);
  set('fallback', opts.fallback);
  set('config', opts.configJson ?? opts.configFile);
  return out;
}

/** Registers the `agent` commands. */
export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('manage voice agents (Handoff API project_id)');
  withCommonOptions(agentOptions(agent.command('add')
    .description('create an agent; prints its SIP token once')
    .argument('<tenant>', 'tenant id or slug')
    .argument('<slug>', 'unique in the tenant, [a-z0-9-]{1,64}'), false))
    .action(async (tenant: string, slug: string, opts: AgentOptions) => {
      const created = await withAdmin(opts, (admin) => admin.createAgent(tenant, { slug, ...agentInput(opts) }));
      printCreated(created, opts, `created agent ${tenant}/${created.agent.slug}`);
    });
  withCommonOptions(agent.command('list').description('list a tenant\'s agents').argument('<tenant>', 'tenant id or slug'))
    .action(async (tenant: string, opts: CommonOptions) => {
      const agents = await withAdmin(opts, (admin) => admin.listAgents(tenant));
      if (opts.json) printJson(agents);
      else printAgentTable(agents);
    });
  withCommonOptions(agent.command('show').description('show one agent').argument('<tenant>', 'tenant id or slug').argument('<agent>', 'agent id or slug'))
    .action(async (tenant: string, ref: string, opts: CommonOptions) => {
      const found = await withAdmin(opts, (admin) => admin.getAgent(tenant, ref));
      if (opts.json) printJson(found);
      else printAgent(found);
    });
  registerUpdate(agent);
  registerRotate(agent);
}

function registerUpdate(agent: Command): void {
  withCommonOptions(agentOptions(agent.command('update')
    .description('change an agent (only the options given)')
    .argument('<tenant>', 'tenant id or slug')
    .argument('<agent>', 'agent id or slug')
    .option('--slug <slug>', 'rename the agent'), true))
    .action(async (tenant: string, ref: string, opts: AgentOptions & { slug?: string }) => {
      const patch = { ...agentInput(opts), ...(opts.slug === undefined ? {} : { slug: opts.slug }) };
      const updated = await withAdmin(opts, (admin) => admin.updateAgent(tenant, ref, patch));
      if (opts.json) printJson(updated);
      else printAgent(updated);
    });
}

function registerRotate(agent: Command): void {
  withCommonOptions(agent.command('rotate-token')
    .description('replace the agent\'s SIP token (the old one stops routing); prints the new one once')
    .argument('<tenant>', 'tenant id or slug')
    .argument('<agent>', 'agent id or slug'))
    .action(async (tenant: string, ref: string, opts: CommonOptions) => {
      const rotated = await withAdmin(opts, (admin) => admin.rotateToken(tenant, ref));
      printCreated(rotated, opts, `new token for ${tenant}/${rotated.agent.slug}; the old token no longer routes`);
    });
}

function printCreated(created: CreatedAgent, opts: CommonOptions, title: string): void {
  if (opts.json) {
    printJson(created);
    return;
  }
  console.log(title);
  printAgent(created.agent);
  console.log(`token (shown once, send it as X-PolyAi-Auth-Token): ${created.token}`);
}

function printAgent(a: AgentView): void {
  printFields([
    ['slug', a.slug], ['id', a.id], ['name', a.name], ['kind', a.kind], ['extension', orDash(a.extension)],
    ['destinations', orDash(a.destinations.join(','))], ['default', orDash(a.defaultDestination)],
    ['fallback', a.fallback.contained ? 'contained' : `handoff to ${orDash(a.fallback.destination)}`],
    ['max calls', a.maxConcurrentCalls === 0 ? 'unlimited' : String(a.maxConcurrentCalls)], ['ring ms', String(a.ringTimeMs)],
    ['token', a.tokenPrefix === undefined ? '-' : `${a.tokenPrefix}…`], ['config', JSON.stringify(a.config)],
    ['created', time(a.createdAt)],
  ]);
}

function printAgentTable(agents: readonly AgentView[]): void {
  printTable(agents, [
    { header: 'SLUG', cell: (a) => a.slug },
    { header: 'KIND', cell: (a) => a.kind },
    { header: 'EXTENSION', cell: (a) => orDash(a.extension) },
    { header: 'DESTINATIONS', cell: (a) => orDash(a.destinations.join(',')) },
    { header: 'DEFAULT', cell: (a) => orDash(a.defaultDestination) },
    { header: 'MAX', cell: (a) => (a.maxConcurrentCalls === 0 ? '-' : String(a.maxConcurrentCalls)) },
    { header: 'TOKEN', cell: (a) => (a.tokenPrefix === undefined ? '-' : `${a.tokenPrefix}…`) },
    { header: 'ID', cell: (a) => a.id },
  ], '(no agents)');
}
