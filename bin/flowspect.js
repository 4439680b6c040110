#!/usr/bin/env node
// The `flowspect` command. Runs the TypeScript sources through tsx, so `npx flowspect` works right after
// `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../app/cli.ts');
process.exitCode = await main(process.argv.slice(2));
