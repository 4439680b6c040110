/**
 * Architecture test: the imports of app/ run down the floors of layers.ts, and no two files import each other in
 * a circle (except graph ↔ tensor, a type-only pair inside app/graph). Imports are read with TypeScript's own
 * pre-processor, so comments and strings do not count.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ALLOWED_UPWARD, FLOORS, floorOf, folderOf } from './layers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|mts|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

function resolveImport(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const cand of [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, `${base}/index.ts`]) {
    if (fs.existsSync(path.join(ROOT, cand)) && fs.statSync(path.join(ROOT, cand)).isFile()) return cand;
  }
  return base;
}

/** Every relative import of every file under app/: [from, to]. */
export function appImports(): [string, string][] {
  return sourceFiles('app').flatMap((file) => {
    const info = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    return info.importedFiles.map((f) => resolveImport(file, f.fileName)).filter((t): t is string => t !== undefined).map((t) => [file, t] as [string, string]);
  });
}

function cycles(edges: [string, string][]): string[][] {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 'open') found.push(stack.slice(stack.indexOf(m)));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of next.keys()) if (!state.has(n)) visit(n);
  return found;
}

describe('architecture', () => {
  const edges = appImports();

  it('reads the imports (the test would pass vacuously otherwise)', () => {
    expect(edges.length).toBeGreaterThan(300);
  });

  it('places every folder of app/ on a floor', () => {
    const unplaced = [...new Set(edges.flatMap(([a, b]) => [a, b]).filter((f) => f.startsWith('app/')).map(folderOf))].filter((f) => floorOf(f) < 0);
    expect(unplaced, `add these to FLOORS in test/architecture/layers.ts: ${unplaced.join(', ')}`).toEqual([]);
  });

  it('has no import running up the floors beyond the allowed list', () => {
    const upward = edges
      .filter(([a, b]) => b.startsWith('app/') && folderOf(a) !== folderOf(b))
      .filter(([a, b]) => {
        const fa = floorOf(folderOf(a));
        const fb = floorOf(folderOf(b));
        return fb > fa || (fb === fa && FLOORS[fa]!.length > 1);
      })
      .filter(([a, b]) => !ALLOWED_UPWARD.some((u) => u.from === a && u.to === b))
      .map(([a, b]) => `${a} → ${b}`);
    expect(upward).toEqual([]);
    expect(ALLOWED_UPWARD.length).toBeLessThanOrEqual(5);
  });

  it('has no circle of imports except graph ↔ tensor', () => {
    const circles = cycles(edges).map((c) => c.join(' → ')).filter((c) => c !== 'app/graph/graph.ts → app/graph/tensor.ts' && c !== 'app/graph/tensor.ts → app/graph/graph.ts');
    expect(circles).toEqual([]);
  });

  it('keeps evaluation code out of the product: app/ never imports bench/ except the bench command', () => {
    const intoBench = edges.filter(([a, b]) => b.startsWith('bench/') && a !== 'app/cli/bench.ts').map(([a, b]) => `${a} → ${b}`);
    expect(intoBench).toEqual([]);
  });
});
