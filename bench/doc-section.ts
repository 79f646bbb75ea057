/**
 * docs/benchmarks.md is written by several benches, each owning one `## ` section: this
 * replaces a section in place (up to the next `## ` heading), or appends it when absent.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The document with `section` (starting with its `heading` line) in place of the old one. */
export function withSection(doc: string, heading: string, section: string): string {
  const start = doc.indexOf(heading);
  if (start < 0) return `${doc.trimEnd()}\n\n${section}`;
  const next = doc.indexOf('\n## ', start + 3);
  return `${doc.slice(0, start)}${section}${next < 0 ? '' : `\n${doc.slice(next + 1)}`}`;
}

/** Replaces (or appends) the section under `heading` in the markdown `file`. */
export function writeSection(file: string, heading: string, section: string): void {
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, withSection(doc, heading, section));
}
