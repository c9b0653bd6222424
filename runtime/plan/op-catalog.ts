/**
 * The catalog of built-in ops, keyed by the name a spec file or DataFrame step uses. Ops are
 * registered from one explicit list (`register-all-ops.ts`), like the kernel registry, so what
 * exists is readable in one place and a missing import cannot silently drop an op.
 */

import { PlanError } from "../api/runtime-errors.js";
import type { OpDefinition } from "./op-definition.js";

const ops = new Map<string, OpDefinition>();

export function registerOp(def: OpDefinition): void {
  if (ops.has(def.name)) throw new PlanError(`op '${def.name}' is registered twice`);
  ops.set(def.name, def);
}

/** The op, or undefined. */
export function findOp(name: string): OpDefinition | undefined {
  return ops.get(name);
}

/** Every registered op, sorted by category then name. */
export function listOps(): OpDefinition[] {
  return [...ops.values()].sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
}

/** Closest known names to a misspelt one (edit distance ≤ 2), for "did you mean". */
export function suggestOps(name: string, kind?: OpDefinition["kind"]): string[] {
  return [...ops.values()]
    .filter((d) => !kind || d.kind === kind)
    .map((d) => ({ name: d.name, d: editDistance(name.toLowerCase(), d.name.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.name);
}

/** Levenshtein distance (two-row dynamic programme). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
