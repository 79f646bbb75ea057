/**
 * docs/benchmarks.md is written by several benches, each owning one `## ` section: this
 * replaces a section in place (up to the next `## ` heading), or appends it when absent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The document with `section` (starting with its `heading` line) in place of the old one. The
 * heading must be a whole line: `## Calls per second` is not `## Calls per second: what a call costs`.
 */
export function withSection(doc: string, heading: string, section: string): string {
  const start = headingLine(doc, heading);
  if (start < 0) return `${doc.trimEnd()}\n\n${section}`;
  const next = doc.indexOf('\n## ', start + 3);
  return `${doc.slice(0, start)}${section}${next < 0 ? '' : `\n${doc.slice(next + 1)}`}`;
}

/** Where the line `heading` starts in `doc`, or -1. */
function headingLine(doc: string, heading: string): number {
  if (doc.startsWith(`${heading}\n`)) return 0;
  const at = doc.indexOf(`\n${heading}\n`);
  return at < 0 ? -1 : at + 1;
}

/** Replaces (or appends) the section under `heading` in the markdown `file`. */
export function writeSection(file: string, heading: string, section: string): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, withSection(doc, heading, section));
}
