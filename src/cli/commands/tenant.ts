/**
 * `agentline tenant add|list`: customer accounts (`account_id` in the Handoff API).
 */
import type { Command } from 'commander';
import type { Tenant } from '../../store/index.ts';
import { withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';
import { printFields, printJson, printTable, time } from '../output.ts';

/** Registers `tenant add` and `tenant list`. */
export function registerTenant(program: Command): void {
  const tenant = program.command('tenant').description('manage tenants (Handoff API account_id)');
  withCommonOptions(tenant.command('add')
    .description('create a tenant')
    .argument('<slug>', 'unique name, [a-z0-9-]{1,64}')
    .option('--name <name>', 'display name (default: the slug)'))
    .action(async (slug: string, opts: CommonOptions & { name?: string }) => {
      const created = await withAdmin(opts, (admin) => admin.createTenant({ slug, ...(opts.name === undefined ? {} : { name: opts.name }) }));
      if (opts.json) printJson(created);
      else printTenant(created);
    });
  withCommonOptions(tenant.command('list').description('list tenants'))
    .action(async (opts: CommonOptions) => {
      const tenants = await withAdmin(opts, (admin) => admin.listTenants());
      if (opts.json) {
        printJson(tenants);
        return;
      }
      printTable(tenants, [
        { header: 'SLUG', cell: (t) => t.slug },
        { header: 'NAME', cell: (t) => t.name },
        { header: 'CREATED', cell: (t) => time(t.createdAt) },
        { header: 'ID', cell: (t) => t.id },
      ], '(no tenants)');
    });
}

function printTenant(t: Tenant): void {
  console.log(`created tenant ${t.slug}`);
  printFields([['id', t.id], ['name', t.name], ['created', time(t.createdAt)]]);
}
