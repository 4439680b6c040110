/**
 * A form generated from a JSON Schema (as zod's toJSONSchema writes it) and a current value: one field per leaf,
 * with its allowed range, plus client-side validation that names the field and the range. The main process
 * validates again (authoritative); this lets sliders stay inside their range and flags bad typed values at once.
 */
export interface JsonSchema {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  description?: string;
}

export type FieldPath = readonly (string | number)[];

export type Field =
  | { kind: 'number'; path: FieldPath; label: string; min: number; max: number; integer: boolean; description?: string }
  | { kind: 'range'; path: FieldPath; label: string; min: number; max: number; integer: boolean; description?: string }
  | { kind: 'boolean'; path: FieldPath; label: string; description?: string }
  | { kind: 'enum'; path: FieldPath; label: string; options: readonly string[]; description?: string }
  | { kind: 'text'; path: FieldPath; label: string; description?: string }
  /** A discriminator (shape kind, content source): shown, not edited here. */
  | { kind: 'fixed'; path: FieldPath; label: string; value: string };

export interface FieldGroup {
  readonly title: string;
  readonly path: FieldPath;
  readonly fields: Field[];
}

function isType(s: JsonSchema, t: string): boolean {
  return Array.isArray(s.type) ? s.type.includes(t) : s.type === t;
}

function bounds(s: JsonSchema): { min: number; max: number } {
  return {
    min: s.minimum ?? s.exclusiveMinimum ?? Number.NEGATIVE_INFINITY,
    max: s.maximum ?? s.exclusiveMaximum ?? Number.POSITIVE_INFINITY,
  };
}

/** The branch of a oneOf/anyOf that the value belongs to (by its `const` discriminator). */
export function pickBranch(s: JsonSchema, value: unknown): JsonSchema {
  const branches = s.oneOf ?? s.anyOf;
  if (!branches) return s;
  if (value && typeof value === 'object') {
    for (const b of branches) {
      const props = b.properties ?? {};
      const ok = Object.entries(props).every(([k, p]) => p.const === undefined || (value as Record<string, unknown>)[k] === p.const);
      if (ok && Object.values(props).some((p) => p.const !== undefined)) return b;
    }
  }
  return branches[0]!;
}

function isRangePair(s: JsonSchema): boolean {
  return isType(s, 'array') && s.prefixItems?.length === 2 && s.prefixItems.every((p) => isType(p, 'number') || isType(p, 'integer'));
}

export function humanize(key: string | number): string {
  if (typeof key === 'number') return `#${key + 1}`;
  return key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}

/** Groups of fields, one group per object that holds leaves (e.g. "Defects #1 › Shape"). */
export function buildForm(schema: JsonSchema, value: unknown): FieldGroup[] {
  const groups: FieldGroup[] = [];
  walk(schema, value, [], groups);
  return groups.filter((g) => g.fields.length > 0);
}

function walk(schema: JsonSchema, value: unknown, path: (string | number)[], groups: FieldGroup[]): void {
  const s = pickBranch(schema, value);
  if (isType(s, 'object') && s.properties && value && typeof value === 'object') {
    const group: FieldGroup = { title: path.length ? path.map(humanize).join(' › ') : 'General', path, fields: [] };
    groups.push(group);
    for (const [key, sub] of Object.entries(s.properties)) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      const field = leaf(pickBranch(sub, v), v, [...path, key]);
      if (field) group.fields.push(field);
      else walk(sub, v, [...path, key], groups);
    }
    return;
  }
  if (isType(s, 'array') && Array.isArray(value) && s.items) {
    value.forEach((v, i) => walk(s.items as JsonSchema, v, [...path, i], groups));
  }
}

function leaf(s: JsonSchema, value: unknown, path: (string | number)[]): Field | null {
  const label = humanize(path[path.length - 1]!);
  const description = s.description;
  if (s.const !== undefined) return { kind: 'fixed', path, label, value: String(s.const) };
  if (isRangePair(s)) {
    const a = bounds(s.prefixItems![0]!);
    return { kind: 'range', path, label, ...a, integer: isType(s.prefixItems![0]!, 'integer'), description };
  }
  if (isType(s, 'number') || isType(s, 'integer')) return { kind: 'number', path, label, ...bounds(s), integer: isType(s, 'integer'), description };
  if (isType(s, 'boolean')) return { kind: 'boolean', path, label, description };
  if (s.enum) return { kind: 'enum', path, label, options: s.enum.map(String), description };
  if (isType(s, 'string') && typeof value === 'string') return { kind: 'text', path, label, description };
  return null;
}

export function getAt(value: unknown, path: FieldPath): unknown {
  let v = value;
  for (const k of path) v = v == null ? undefined : (v as Record<string | number, unknown>)[k];
  return v;
}

/** A copy of `value` with the leaf at `path` replaced (structural sharing elsewhere). */
export function setAt<T>(value: T, path: FieldPath, leafValue: unknown): T {
  if (path.length === 0) return leafValue as T;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[head!] = setAt(copy[head!], rest, leafValue);
  return copy as T;
}

export function pathKey(path: FieldPath): string {
  return path.join('.');
}

/** Problems per field path key, each naming the field and its allowed range. */
export function validateForm(groups: readonly FieldGroup[], value: unknown): Map<string, string> {
  const errors = new Map<string, string>();
  const name = (f: Field): string => f.path.map(humanize).join(' › ');
  const inRange = (f: { min: number; max: number; integer: boolean }, x: unknown): boolean =>
    typeof x === 'number' && Number.isFinite(x) && x >= f.min && x <= f.max && (!f.integer || Number.isInteger(x));
  for (const g of groups) {
    for (const f of g.fields) {
      const v = getAt(value, f.path);
      if (f.kind === 'number' && !inRange(f, v)) {
        errors.set(pathKey(f.path), `${name(f)} must be ${f.integer ? 'an integer' : 'a number'} in [${f.min}, ${f.max}]`);
      } else if (f.kind === 'range') {
        const pair = v as [unknown, unknown];
        if (!Array.isArray(pair) || !inRange(f, pair[0]) || !inRange(f, pair[1])) {
          errors.set(pathKey(f.path), `${name(f)} must be a [min, max] pair within [${f.min}, ${f.max}]`);
        } else if ((pair[0] as number) > (pair[1] as number)) {
          errors.set(pathKey(f.path), `${name(f)}: min must not exceed max`);
        }
      } else if (f.kind === 'enum' && !f.options.includes(String(v))) {
        errors.set(pathKey(f.path), `${name(f)} must be one of ${f.options.join(', ')}`);
      }
    }
  }
  return errors;
}

/** Slider step: about 1/200 of the range, rounded to a power of ten (integers step by 1). */
export function stepFor(min: number, max: number, integer: boolean): number {
  if (integer) return 1;
  if (!Number.isFinite(min) || !Number.isFinite(max) || max <= min) return 0.01;
  return 10 ** Math.floor(Math.log10((max - min) / 200));
}

/** Sliders over ranges spanning two decades or more (areas, widths) move logarithmically, so small values stay reachable. */
export function isLogScale(min: number, max: number): boolean {
  return min > 0 && Number.isFinite(max) && max / min >= 100;
}

export const SLIDER_STEPS = 1000;

export function sliderToValue(pos: number, min: number, max: number, integer: boolean): number {
  const t = Math.max(0, Math.min(1, pos / SLIDER_STEPS));
  const raw = isLogScale(min, max) ? min * (max / min) ** t : min + (max - min) * t;
  if (integer) return Math.round(raw);
  // Three significant digits: what a person can tell apart on a slider.
  return Math.min(max, Math.max(min, Number(raw.toPrecision(3))));
}

export function valueToSlider(value: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return 0;
  const v = Math.max(min, Math.min(max, value));
  const t = isLogScale(min, max) ? Math.log(v / min) / Math.log(max / min) : max > min ? (v - min) / (max - min) : 0;
  return Math.round(t * SLIDER_STEPS);
}
