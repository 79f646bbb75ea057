/**
 * `agentline key add|list|revoke`: Handoff API keys, scoped to a tenant or one of its
 * agents. A key is printed once, at creation; listings show its prefix only.
 */
import type { Command } from 'commander';
import type { AdminService, ApiKeyView } from '../../admin/index.ts';
import { withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';
import { orDash, printFields, printJson, printTable, time } from '../output.ts';

/** Registers the `key` commands. */
export function registerKey(program: Command): void {
  const key = program.command('key').description('manage Handoff API keys');
  withCommonOptions(key.command('add')
    .description('create an API key; prints it once')
    .argument('<tenant>', 'tenant id or slug')
    .option('--agent <agent>', 'scope the key to one agent (id or slug); default: the whole tenant')
    .option('--name <name>', 'label shown in listings (default: the agent slug, or "key")'))
    .action(async (tenant: string, opts: CommonOptions & { agent?: string; name?: string }) => {
      const input = { ...(opts.agent === undefined ? {} : { agent: opts.agent }), ...(opts.name === undefined ? {} : { name: opts.name }) };
      const created = await withAdmin(opts, (admin) => admin.createApiKey(tenant, input));
      if (opts.json) {
        printJson(created);
        return;
      }
      console.log(`created API key for ${tenant}${opts.agent === undefined ? '' : `/${opts.agent}`}`);
      printFields([['id', created.apiKey.id], ['name', created.apiKey.name], ['prefix', created.apiKey.prefix]]);
      console.log(`key (shown once, send it as x-api-key): ${created.key}`);
    });
  withCommonOptions(key.command('list').description('list a tenant\'s API keys (revoked ones too)').argument('<tenant>', 'tenant id or slug'))
    .action(async (tenant: string, opts: CommonOptions) => {
      const { keys, slugs } = await withAdmin(opts, (admin) => keysWithAgentSlugs(admin, tenant));
      if (opts.json) printJson(keys);
      else printKeyTable(keys, slugs);
    });
  withCommonOptions(key.command('revoke')
    .description('revoke an API key at once (idempotent)')
    .argument('<tenant>', 'tenant id or slug')
    .argument('<key>', 'key id (or its prefix, as listed)'))
    .action(async (tenant: string, ref: string, opts: CommonOptions) => {
      const revoked = await withAdmin(opts, (admin) => admin.revokeApiKey(tenant, ref));
      if (opts.json) printJson(revoked);
      else console.log(`revoked API key ${revoked.prefix}… (${revoked.id}) at ${time(revoked.revokedAt)}`);
    });
}

async function keysWithAgentSlugs(admin: AdminService, tenant: string): Promise<{ keys: ApiKeyView[]; slugs: Map<string, string> }> {
  const keys = await admin.listApiKeys(tenant);
  const slugs = new Map((await admin.listAgents(tenant)).map((a) => [a.id, a.slug] as const));
  return { keys, slugs };
}

function printKeyTable(keys: readonly ApiKeyView[], slugs: ReadonlyMap<string, string>): void {
  printTable(keys, [
    { header: 'PREFIX', cell: (k) => `${k.prefix}…` },
    { header: 'NAME', cell: (k) => k.name },
    { header: 'SCOPE', cell: (k) => (k.agentId === undefined ? 'tenant' : `agent ${slugs.get(k.agentId) ?? k.agentId}`) },
    { header: 'CREATED', cell: (k) => time(k.createdAt) },
    { header: 'REVOKED', cell: (k) => orDash(k.revokedAt === undefined ? undefined : time(k.revokedAt)) },
    { header: 'ID', cell: (k) => k.id },
  ], '(no API keys)');
}
