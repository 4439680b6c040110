/**
 * Documentation stays navigable: every relative link and image in README.md and docs/*.md points at a file that
 * exists (and, with a #fragment into a Markdown file, at a heading there), every page of docs/ is listed in the
 * index docs/README.md, and the README stays a README (at most 300 lines; the rest belongs in docs/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const README_MAX_LINES = 300;

const pages = [path.join(ROOT, 'README.md'), ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f))];

/** Markdown without fenced code blocks. */
function withoutFences(md: string): string {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** Markdown without fenced code blocks and code spans, where brackets and parentheses are not links. */
function prose(md: string): string {
  return withoutFences(md).replace(/`[^`]*`/g, '');
}

/** Targets of inline links and images: [text](target) and ![alt](target "title"); alt text may span lines. */
function linkTargets(md: string): string[] {
  return [...prose(md).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  // Headings keep the text of their code spans on GitHub.
  for (const [, text] of withoutFences(md).replace(/`([^`\n]*)`/g, '$1').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = text!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

describe('documentation links', () => {
  it.each(pages.map((p) => [path.relative(ROOT, p), p]))('%s: every relative link resolves', (_name, page) => {
    const md = fs.readFileSync(page, 'utf8');
    const broken: string[] = [];
    for (const target of linkTargets(md)) {
      if (isExternal(target)) continue;
      const [rawPath, fragment] = target.split('#', 2) as [string, string | undefined];
      const file = rawPath === '' ? page : path.resolve(path.dirname(page), decodeURIComponent(rawPath));
      if (!file.startsWith(ROOT + path.sep) && file !== ROOT) {
        broken.push(`${target} (leaves the repository)`);
      } else if (!fs.existsSync(file)) {
        broken.push(`${target} (no such file)`);
      } else if (fragment && file.endsWith('.md') && !anchors(fs.readFileSync(file, 'utf8')).has(fragment)) {
        broken.push(`${target} (no heading #${fragment} in ${path.relative(ROOT, file)})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('finds the links it checks (the parser is not silently matching nothing)', () => {
    const readme = linkTargets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    expect(readme).toContain('docs/screenshots/review.png');
    expect(readme).toContain('docs/README.md');
    expect(linkTargets('see `[not](a-link.md)` and\n```\n[nor](this.md)\n```\n![a\nb](pic.png "t")')).toEqual(['pic.png']);
    expect([...anchors('# The model: CL-Flow on a 2D flow\n```sh\n# not a heading\n```\n## Command line\n## `flowspect infer`\n## Command line')]).toEqual([
      'the-model-cl-flow-on-a-2d-flow',
      'command-line',
      'flowspect-infer',
      'command-line-1',
    ]);
  });

  it('every page of docs/ is listed in the index docs/README.md', () => {
    const listed = new Set(linkTargets(fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8')).map((t) => t.split('#')[0]));
    const missing = fs.readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md' && !listed.has(f));
    expect(missing).toEqual([]);
  });

  it(`README.md stays within ${README_MAX_LINES} lines`, () => {
    const lines = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });
});
