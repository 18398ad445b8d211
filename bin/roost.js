#!/usr/bin/env node
// The `roost` command. Runs the bundle when one is built (dist/roost.js, `make build`),
// else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/roost.js', import.meta.url);
if (existsSync(bundle)) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
}
