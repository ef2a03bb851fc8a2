#!/usr/bin/env node
// Runs the TypeScript sources through tsx's loader, so the repo needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
