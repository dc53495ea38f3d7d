#!/usr/bin/env node
// In a checkout, run the TypeScript sources through tsx; in a built image (no src/), the compiled CLI.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '..', 'src', 'cli.ts');
if (existsSync(source)) {
  require('tsx/cjs');
  require(source);
} else {
  require(join(__dirname, '..', 'dist', 'src', 'cli.js'));
}
