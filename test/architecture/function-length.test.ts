/**
 * Architecture test: no function in app/ runs over 80 lines, so each one can be read as one step. Functions are
 * found with TypeScript's own parser (every function-like node with a body: declarations, methods, arrows,
 * accessors), and a function's length is its lines from its first token to its closing brace, nested functions
 * included.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAX_LINES = 80;

/** `file:name` → why it may be longer. Keep this short: a long function is split into named steps instead. */
const EXEMPT: Readonly<Record<string, string>> = {
  'app/store/migrations/001-initial.ts:up': 'the initial schema is one SQL script; splitting it would only scatter the CREATE statements',
};

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [rel] : [];
  });
}

interface FunctionSpan {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly lines: number;
}

function nameOf(node: ts.SignatureDeclaration, src: ts.SourceFile): string {
  if (node.name) return node.name.getText(src);
  // An arrow or function expression takes the name of what it is assigned to.
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText(src);
  return '(anonymous)';
}

/** Every function with a body in app/, with its length in lines. */
function appFunctions(): FunctionSpan[] {
  return sourceFiles('app').flatMap((file) => {
    const src = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const found: FunctionSpan[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const first = src.getLineAndCharacterOfPosition(node.getStart(src)).line;
        const last = src.getLineAndCharacterOfPosition(node.end).line;
        found.push({ file, line: first + 1, name: nameOf(node, src), lines: last - first + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(src);
    return found;
  });
}

describe('function length', () => {
  const functions = appFunctions();

  it('reads the functions (the test would pass vacuously otherwise)', () => {
    expect(functions.length).toBeGreaterThan(200);
  });

  it(`has no function in app/ over ${MAX_LINES} lines outside the exemptions`, () => {
    const long = functions
      .filter((f) => f.lines > MAX_LINES && !(`${f.file}:${f.name}` in EXEMPT))
      .sort((a, b) => b.lines - a.lines)
      .map((f) => `${f.file}:${f.line} ${f.name} (${f.lines} lines)`);
    expect(long, 'split these into named steps').toEqual([]);
  });

  it('exempts only functions that exist and are still long', () => {
    const stale = Object.keys(EXEMPT).filter((key) => !functions.some((f) => `${f.file}:${f.name}` === key && f.lines > MAX_LINES));
    expect(stale, 'remove these from EXEMPT').toEqual([]);
  });
});
