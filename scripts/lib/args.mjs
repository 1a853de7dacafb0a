// Command-line options for the scripts: node:util's parseArgs, strict (an unknown option or a missing value
// is a mistake, not something to ignore), with what every script here wants on top of it.
import { parseArgs } from 'node:util';

/**
 * Parses process.argv (or `args`) against `options`, parseArgs' option specs plus `type: 'number'` (a string
 * that must read as a finite number). `--help` prints `usage` and exits 0; a mistake prints what is wrong and
 * the usage and exits 2. Returns the values; with `positionals: true`, { values, positionals }.
 */
export function parseOptions(options, usage, { args = process.argv.slice(2), positionals: allowPositionals = false } = {}) {
  const numbers = Object.keys(options).filter((k) => options[k].type === 'number');
  const asString = (o) => ({ ...o, type: 'string', ...(o.default === undefined ? {} : { default: String(o.default) }) });
  const specs = Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.type === 'number' ? asString(o) : o]));
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...specs, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (err) {
    if (!String(err.code).startsWith('ERR_PARSE_ARGS')) throw err;
    usageError(err.message, usage);
  }
  const { help, ...values } = parsed.values;
  if (help) {
    console.log(usage);
    process.exit(0);
  }
  for (const k of numbers) {
    if (values[k] === undefined) continue;
    const n = Number(values[k]);
    if (values[k].trim() === '' || !Number.isFinite(n)) usageError(`Option '--${k}' takes a number, not '${values[k]}'`, usage);
    values[k] = n;
  }
  return allowPositionals ? { values, positionals: parsed.positionals } : values;
}

/** Prints what is wrong with the command line, then the usage, and exits 2. */
export function usageError(message, usage) {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}
