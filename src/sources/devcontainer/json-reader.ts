/**
 * devcontainer.json as a located tree: jsonc-parser's nodes, where each is written (file, line, column), and
 * the few questions a reader asks of them (a property by name, a type named for a message).
 */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { TextLines } from '../../core/text-lines';
import { InputError, type SourceLocation } from '../../core/types';

export type { JsonNode };

/** A JSONC text and the place of each of its nodes. */
export class JsonDoc {
  private readonly lines: TextLines;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new TextLines(text);
  }

  loc(offset: number): SourceLocation {
    return { file: this.file, ...this.lines.position(offset) };
  }

  at(node: JsonNode): SourceLocation {
    return this.loc(node.offset);
  }
}

/**
 * Parses JSONC as VS Code reads devcontainer.json: comments and trailing commas allowed, a leading BOM dropped
 * (so columns on line 1 count from the first real character). A syntax error, or nesting too deep to parse,
 * is an {@link InputError} at its place; the root is undefined only for a text with no value.
 */
export function parseJsonc(file: string, text: string): { doc: JsonDoc; root: JsonNode | undefined } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const doc = new JsonDoc(file, body);
  const errors: ParseError[] = [];
  let root: JsonNode | undefined;
  try {
    root = parseTree(body, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  } catch (e) {
    if (e instanceof RangeError) throw new InputError('JSON nested too deeply', doc.loc(0));
    throw e;
  }
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new InputError(`invalid JSON: ${describeParseError(printParseErrorCode(e.error))}`, doc.loc(e.offset));
  }
  return { doc, root };
}

/** `CommaExpected` → "comma expected". */
function describeParseError(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** A node's type as a message names it: "an object", "a string", "null"... */
export function typeName(n: JsonNode): string {
  switch (n.type) {
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'null';
  }
}

/** The value of an object's property; undefined when the node is no object or has no such property. */
export function prop(obj: JsonNode, name: string): JsonNode | undefined {
  if (obj.type !== 'object') return undefined;
  let found: JsonNode | undefined;
  for (const p of obj.children ?? []) {
    // Later duplicates win, as in JSON.parse.
    if (p.children?.[0]?.value === name) found = p.children[1];
  }
  return found;
}

/** The key node of the property whose value is `value` (where the property is written). */
export function keyOf(value: JsonNode): JsonNode | undefined {
  return value.parent?.type === 'property' ? value.parent.children?.[0] : undefined;
}

/** Absent or `null`: a property that says nothing. */
export function isNull(n: JsonNode | undefined): boolean {
  return !n || n.type === 'null';
}
