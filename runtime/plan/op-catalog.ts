/**
 * The catalog of built-in ops, keyed by the name a spec file or DataFrame step uses. Ops are
 * registered from one explicit list (`register-all-ops.ts`), like the kernel registry, so what
 * exists is readable in one place and a missing import cannot silently drop an op.
 *
 * Names are per kind: `parquet` is both a source and a sink, and where a step sits in the plan
 * says which one it means.
 */

import { editDistance } from "../api/edit-distance.js";
import { PlanError } from "../api/runtime-errors.js";

export { editDistance };
import type { OpDefinition } from "./op-definition.js";

type Kind = OpDefinition["kind"];
const ops = new Map<string, OpDefinition>();
const keyOf = (kind: Kind, name: string): string => `${kind}:${name}`;

export function registerOp(def: OpDefinition): void {
  const key = keyOf(def.kind, def.name);
  if (ops.has(key)) throw new PlanError(`${def.kind} op '${def.name}' is registered twice`);
  ops.set(key, def);
}

/** The op of that kind, or undefined. */
export function findOp(name: string, kind: Kind): OpDefinition | undefined {
  return ops.get(keyOf(kind, name));
}

/** Whether any op of any kind has this name (for "jsonl is a sink, not a step" messages). */
export function kindsOf(name: string): Kind[] {
  return (["source", "transform", "sink"] as const).filter((k) => ops.has(keyOf(k, name)));
}

/** Every registered op, sorted by category then name. */
export function listOps(): OpDefinition[] {
  return [...ops.values()].sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name));
}

/** Closest known names to a misspelt one (edit distance ≤ 2), for "did you mean". */
export function suggestOps(name: string, kind?: Kind): string[] {
  return [...ops.values()]
    .filter((d) => !kind || d.kind === kind)
    .map((d) => ({ name: d.name, d: editDistance(name.toLowerCase(), d.name.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d)
    .map((x) => x.name)
    .filter((n, i, all) => all.indexOf(n) === i);
}
