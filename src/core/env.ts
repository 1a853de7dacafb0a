/**
 * The variables that have a value: an environment without the unset ones (`undefined`, as in `process.env`)
 * and the removed ones (`null`, as a devcontainer.json writes them). Takes `Object.entries(env)` or a Map.
 */
export function definedOnly(vars: Iterable<readonly [string, string | null | undefined]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of vars) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
