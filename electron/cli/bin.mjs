#!/usr/bin/env node
// Entry point of the `keyholder` command. The CLI is TypeScript run through
// tsx, so it uses exactly the services the app uses.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
