#!/usr/bin/env node
// Launcher. stdout carries JSON-RPC frames only, so anything that writes through console.*
// (ours or a dependency's) is sent to stderr before the application is loaded.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

for (const method of ['log', 'info', 'debug', 'warn', 'trace']) {
  console[method] = (...args) => console.error(...args);
}

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('mcp-markdown-ragdocs: the build output is missing (dist/). Run `npm install` (or `npm run build`) in the package folder first.');
  process.exit(1);
}
const { runCli } = await import(entry.href);
await runCli(process.argv.slice(2));
