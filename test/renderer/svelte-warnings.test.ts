// @vitest-environment node
/**
 * `npm start` and `npm run build:renderer` print every warning the Svelte compiler gives (accessibility, state
 * read only once, …) to a newcomer's terminal. None may be left: each renderer component and rune module compiles
 * here with the compiler the build uses, and the test names every warning with its file and line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';
import { compile, compileModule } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../renderer/src', import.meta.url));
const files = (fs.readdirSync(SRC, { recursive: true }) as string[]).filter((f) => f.endsWith('.svelte') || f.endsWith('.svelte.ts')).sort();

describe('the renderer compiles without Svelte warnings', () => {
  it('finds the components', () => {
    expect(files.filter((f) => f.endsWith('.svelte')).length).toBeGreaterThan(20);
  });

  it('has no compiler warning in any component or rune module', () => {
    const warnings: string[] = [];
    for (const f of files) {
      const source = fs.readFileSync(path.join(SRC, f), 'utf8');
      const filename = path.join('renderer/src', f);
      // Rune modules are TypeScript: the build strips the types before Svelte sees them, and so does this test.
      const result = f.endsWith('.svelte')
        ? compile(source, { filename, generate: 'client' })
        : compileModule(transformSync(source, { loader: 'ts' }).code, { filename, generate: 'client' });
      for (const w of result.warnings) warnings.push(`${filename}:${w.start?.line ?? '?'} ${w.code}: ${w.message.split('\n')[0]}`);
    }
    expect(warnings).toEqual([]);
  });
});
