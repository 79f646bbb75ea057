/**
 * What the CLI prints: JSON for scripts (`--json`), aligned tables and `key: value`
 * blocks for people. Everything goes to stdout; errors go to stderr (see `errors.ts`).
 */

/** One column of a table: header and how to render a row's cell. */
export interface Column<T> {
  header: string;
  cell: (row: T) => string;
}

/** Prints `value` as indented JSON. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Prints rows as a left-aligned table with a header line; `empty` when there are none. */
export function printTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, empty = '(none)'): void {
  if (rows.length === 0) {
    console.log(empty);
    return;
  }
  const cells = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: readonly string[]): string => values.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log(line(columns.map((c) => c.header)));
  for (const row of cells) console.log(line(row));
}

/** Prints `key: value` lines, aligned, skipping undefined values. */
export function printFields(fields: ReadonlyArray<[string, string | undefined]>): void {
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  for (const [k, v] of shown) console.log(`${`${k}:`.padEnd(width + 1)} ${v}`);
}

/** Epoch ms as an ISO 8601 time without milliseconds; `-` when absent. */
export function time(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Elapsed time between two epoch ms as `1m05s` / `12.3s`; `-` when either is absent. */
export function duration(from: number | undefined, to: number | undefined): string {
  if (from === undefined || to === undefined) return '-';
  const sec = Math.max(0, to - from) / 1000;
  if (sec < 60) return `${sec.toFixed(1)}s`;
  const min = Math.floor(sec / 60);
  return `${min}m${String(Math.floor(sec % 60)).padStart(2, '0')}s`;
}

/** A value or `-`. */
export function orDash(value: string | number | boolean | undefined): string {
  return value === undefined || value === '' ? '-' : String(value);
}
