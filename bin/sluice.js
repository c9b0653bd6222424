#!/usr/bin/env node
// Thin launcher: the CLI is compiled TypeScript under dist/ (npm run build).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
const entry = new URL("../dist/runtime/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error("sluice: not built yet — run `npm run build` (npm install does it for you).");
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
