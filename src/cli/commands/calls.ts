/**
 * `agentline calls`: call detail records, newest first, filtered and paged. `--json`
 * prints the page (`{ items, nextCursor? }`); pass `nextCursor` back with `--cursor`.
 */
import type { Command } from 'commander';
import type { AdminService, CallsPage } from '../../admin/index.ts';
import type { CallRecord } from '../../store/index.ts';
import { nonNegativeInt, timeArg, withAdmin, withCommonOptions, type CommonOptions } from '../context.ts';
import { duration, orDash, printJson, printTable, time } from '../output.ts';

/** Options of `calls`. */
interface CallsOptions extends CommonOptions {
  tenant?: string;
  agent?: string;
  since?: string | number;
  until?: string | number;
  outcome?: string;
  limit?: number;
  cursor?: string;
}

/** Registers `calls`. */
export function registerCalls(program: Command): void {
  withCommonOptions(program.command('calls')
    .description('list call records (CDRs), newest first')
    .option('--tenant <tenant>', 'only this tenant (id or slug)')
    .option('--agent <agent>', 'only this agent (id, or slug with --tenant)')
    .option('--since <time>', 'started at or after: ISO 8601, epoch ms, or ago (90s, 15m, 2h, 7d)', (v: string) => timeArg(v))
    .option('--until <time>', 'started before (same forms as --since)', (v: string) => timeArg(v))
    .option('--outcome <outcome>', 'only this outcome (handoff, contained, rejected, failed…)')
    .option('--limit <n>', 'page size, 1-1000 (default 50)', nonNegativeInt)
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)'))
    .action(async (opts: CallsOptions) => {
      const query: Record<string, unknown> = {};
      for (const key of ['tenant', 'agent', 'since', 'until', 'outcome', 'limit', 'cursor'] as const) {
        if (opts[key] !== undefined) query[key] = opts[key];
      }
      const { page, names } = await withAdmin(opts, async (admin) => {
        const listed = await admin.listCalls(query);
        return { page: listed, names: opts.json ? new Map<string, string>() : await namesOf(admin, listed) };
      });
      if (opts.json) printJson(page);
      else printCalls(page, names);
    });
}

/** `tenantId` → slug and `agentId` → `tenant/agent` for the tenants of a page. */
async function namesOf(admin: AdminService, page: CallsPage): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const wanted = new Set(page.items.map((c) => c.tenantId).filter((t): t is string => t !== undefined));
  for (const tenant of await admin.listTenants()) {
    if (!wanted.has(tenant.id)) continue;
    names.set(tenant.id, tenant.slug);
    for (const a of await admin.listAgents(tenant.id)) names.set(a.id, `${tenant.slug}/${a.slug}`);
  }
  return names;
}

function printCalls(page: CallsPage, names: ReadonlyMap<string, string>): void {
  const agentName = (c: CallRecord): string => (c.agentId === undefined ? '-' : names.get(c.agentId) ?? c.agentId);
  printTable(page.items, [
    { header: 'STARTED', cell: (c) => time(c.startedAt) },
    { header: 'AGENT', cell: agentName },
    { header: 'SHARED-ID', cell: (c) => orDash(c.sharedId) },
    { header: 'OUTCOME', cell: (c) => c.outcome },
    { header: 'DESTINATION', cell: (c) => orDash(c.destination) },
    { header: 'ENDED-BY', cell: (c) => orDash(c.endedBy) },
    { header: 'DURATION', cell: (c) => duration(c.answeredAt ?? c.startedAt, c.endedAt) },
    { header: 'SIP', cell: (c) => orDash(c.answerCode) },
    { header: 'ID', cell: (c) => c.id },
  ], '(no calls)');
  if (page.nextCursor !== undefined) console.log(`more: --cursor ${page.nextCursor}`);
}
