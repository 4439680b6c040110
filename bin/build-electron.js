// Bundles the preload into one CommonJS file: sandboxed preloads cannot load ES modules or other files.
import { build } from 'esbuild';

await build({
  entryPoints: [new URL('../app/preload.ts', import.meta.url).pathname],
  outfile: new URL('../build/electron/preload.cjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  external: ['electron'],
  target: 'node20',
  logLevel: 'warning',
});
