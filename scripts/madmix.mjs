#!/usr/bin/env node
// Launcher for the madmix CLI: registers tsx's ESM loader so the TypeScript
// sources run directly, then hands over to scripts/cli/main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
