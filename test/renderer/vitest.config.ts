import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

// Renderer component and logic tests: Svelte 5 compiled for the browser, run in happy-dom.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  plugins: [svelte()],
  resolve: { conditions: ['browser'] },
  test: {
    include: ['test/renderer/**/*.test.ts'],
    environment: 'happy-dom',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
  },
});
