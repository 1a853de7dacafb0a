/**
 * `.env` and `env_file` files, as compose reads them: `KEY=VALUE` lines (also `export KEY=VALUE` and
 * `KEY: VALUE`), `#` comments, single quotes literal, double quotes with escapes, values spanning
 * lines inside quotes, `${VAR}` expanded in unquoted and double-quoted values. A bare `KEY` takes the
 * value from the environment when it is set there.
 */
import { readConfigFile } from './limits';
import { isInputError } from '../../core/errors';
import { InputError, type SourceLocation } from '../../core/types';
import { interpolate, type Lookup } from './interpolate';

export function parseDotenv(text: string, file: string, lookup: Lookup = () => undefined): Record<string, string> {
  const vars: Record<string, string> = {};
  const fileFirst: Lookup = (name) => (Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : lookup(name));
  const ctx = { lookup: fileFirst };
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const loc = (at: number): SourceLocation => ({ file, line, column: at - lineStart + 1 });
  const skipToNextLine = (): void => {
    const nl = text.indexOf('\n', i);
    i = nl === -1 ? n : nl + 1;
    line++;
    lineStart = i;
  };
  while (i < n) {
    // Leading blanks.
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r')) i++;
    if (i >= n) break;
    if (text[i] === '\n') {
      skipToNextLine();
      continue;
    }
    if (text[i] === '#') {
      skipToNextLine();
      continue;
    }
    const keyStart = i;
    if (text.startsWith('export ', i) || text.startsWith('export\t', i)) {
      i += 7;
      while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    }
    const nameStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ':' && text[i] !== '\n' && text[i] !== '#') i++;
    const key = text.slice(nameStart, i).trim();
    if (!key || /\s/.test(key)) {
      throw new InputError(`invalid line in env file: "${lineText(text, lineStart)}"`, loc(keyStart));
    }
    if (i >= n || text[i] === '\n' || text[i] === '#') {
      // A bare KEY: inherit from the environment.
      const v = lookup(key);
      if (v !== undefined) vars[key] = v;
      skipToNextLine();
      continue;
    }
    i++; // '=' or ':'
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
    const q = text[i];
    if (q === "'" || q === '"') {
      const startLoc = loc(i);
      let j = i + 1;
      let raw = '';
      for (;;) {
        if (j >= n) throw new InputError(`unterminated quoted value for ${key}`, startLoc);
        const c = text[j]!;
        if (q === '"' && c === '\\' && j + 1 < n) {
          raw += c + text[j + 1]!;
          j += 2;
          continue;
        }
        if (c === q) break;
        if (c === '\n') {
          line++;
          lineStart = j + 1;
        }
        raw += c;
        j++;
      }
      i = j + 1;
      vars[key] = q === "'" ? raw : interpolate(unescapeDouble(raw), ctx, startLoc);
      skipToNextLine();
      continue;
    }
    const nl = text.indexOf('\n', i);
    let value = text.slice(i, nl === -1 ? n : nl);
    const comment = value.search(/\s#/);
    if (comment !== -1) value = value.slice(0, comment);
    value = value.trim();
    vars[key] = interpolate(value, ctx, loc(i));
    skipToNextLine();
  }
  return vars;
}

function lineText(text: string, start: number): string {
  const nl = text.indexOf('\n', start);
  return text.slice(start, nl === -1 ? undefined : nl).trim();
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\(.)/g, (_, c: string) => {
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '$':
        return '$$'; // stays a literal `$` through interpolation
      default:
        return c;
    }
  });
}

/** Reads an env file; undefined when it does not exist. */
export async function readDotenv(file: string, lookup?: Lookup): Promise<Record<string, string> | undefined> {
  let text: string;
  try {
    // Not a FIFO or a device (a read that never ends), and within the size limit.
    text = await readConfigFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    if (isInputError(e)) throw new InputError(`cannot read env file ${e.message}`);
    throw new InputError(`cannot read env file ${file}: ${(e as Error).message}`);
  }
  return parseDotenv(text, file, lookup);
}
