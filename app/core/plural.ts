/**
 * "1 model", "3 models": a count with its noun in the right number (`many` for irregular plurals), for every
 * sentence the workstation shows — never "1 models" or "model(s)". Plain data, no imports: the renderer bundles it.
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
