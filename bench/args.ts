/**
 * Command-line options of the bench scripts: `node:util` parseArgs plus `--help`, which prints
 * the script's header comment (its usage), and a one-line error with exit code 2 for an
 * unknown or malformed option instead of a stack trace.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The first block comment of a source file, without its `*` gutters. */
export function headerComment(source: string): string {
  const match = /\/\*\*([\s\S]*?)\*\//.exec(source);
  if (match === null) return '';
  return (match[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}

/**
 * Parses `process.argv` for a bench script.
 * @param options the script's options, as for parseArgs
 * @param scriptUrl the script's `import.meta.url` (its header comment is the usage text)
 */
export function benchArgs<const T extends Options>(
  options: T, scriptUrl: string, argv: string[] = process.argv.slice(2),
): ReturnType<typeof parseArgs<{ options: T; args: string[]; strict: true }>>['values'] {
  const usage = (): string => headerComment(readFileSync(fileURLToPath(scriptUrl), 'utf8'));
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    process.exit(0);
  }
  try {
    return parseArgs<{ options: T; args: string[]; strict: true }>({ args: argv, options, strict: true }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage()}\n`);
    process.exit(2);
  }
}
