/**
 * Compose variable interpolation, as the reference loader (compose-go's template package) does it:
 *
 *   $$            a literal $
 *   $VAR ${VAR}   the value, or "" (with a warning) when unset
 *   ${VAR:-x}     x when VAR is unset or empty      ${VAR-x}  x when VAR is unset
 *   ${VAR:?err}   an error when VAR is unset or empty ${VAR?err} an error when VAR is unset
 *   ${VAR:+x}     x when VAR is set and not empty   ${VAR+x}  x when VAR is set
 *
 * Defaults and messages are themselves interpolated, so `${A:-${B}}` works. A `$` followed by
 * anything else (`$1`, `$ `) is kept as it is; a `${` that does not hold a valid expression is an error.
 */
import { InputError, type SourceLocation } from '../../core/types';

export type Lookup = (name: string) => string | undefined;

export interface InterpolationContext {
  lookup: Lookup;
  /** Called for every variable read while unset (for the "defaulting to a blank string" warning). */
  onUnset?: (name: string, loc: SourceLocation) => void;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;

export function interpolate(text: string, ctx: InterpolationContext, loc: SourceLocation): string {
  if (!text.includes('$')) return text;
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c !== '$') {
      const next = text.indexOf('$', i);
      if (next === -1) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, next);
      i = next;
      continue;
    }
    const d = text[i + 1];
    if (d === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (d === '{') {
      const end = matchingBrace(text, i + 2);
      if (end === -1) throw new InputError(`invalid interpolation format: unterminated "\${" in "${text}"`, loc);
      out += substitute(text.slice(i + 2, end), text, ctx, loc);
      i = end + 1;
      continue;
    }
    if (d !== undefined && NAME_START.test(d)) {
      let j = i + 2;
      while (j < n && NAME_CHAR.test(text[j]!)) j++;
      out += valueOf(text.slice(i + 1, j), ctx, loc);
      i = j;
      continue;
    }
    out += '$';
    i += 1;
  }
  return out;
}

/** Index of the `}` closing a `${` whose body starts at `from`, counting nested `${...}`. */
function matchingBrace(text: string, from: number): number {
  let depth = 1;
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '$' && text[j + 1] === '{') {
      depth++;
      j++;
    } else if (c === '$' && text[j + 1] === '$') {
      j++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function valueOf(name: string, ctx: InterpolationContext, loc: SourceLocation): string {
  const v = ctx.lookup(name);
  if (v === undefined) {
    ctx.onUnset?.(name, loc);
    return '';
  }
  return v;
}

function substitute(body: string, whole: string, ctx: InterpolationContext, loc: SourceLocation): string {
  let k = 0;
  if (!NAME_START.test(body[0] ?? '')) throw new InputError(`invalid interpolation format for "${whole}": "\${${body}}"`, loc);
  while (k < body.length && NAME_CHAR.test(body[k]!)) k++;
  const name = body.slice(0, k);
  const rest = body.slice(k);
  if (rest === '') return valueOf(name, ctx, loc);
  const colon = rest[0] === ':';
  const op = colon ? rest[1] : rest[0];
  const arg = rest.slice(colon ? 2 : 1);
  if (op !== '-' && op !== '?' && op !== '+') {
    throw new InputError(`invalid interpolation format for "${whole}": "\${${body}}"`, loc);
  }
  const value = ctx.lookup(name);
  const missing = colon ? value === undefined || value === '' : value === undefined;
  switch (op) {
    case '-':
      return missing ? interpolate(arg, ctx, loc) : value!;
    case '+':
      return missing ? '' : interpolate(arg, ctx, loc);
    default: {
      if (!missing) return value!;
      const message = interpolate(arg, ctx, loc);
      throw new InputError(`required variable ${name} is missing a value${message ? `: ${message}` : ''}`, loc);
    }
  }
}
