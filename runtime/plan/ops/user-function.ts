/**
 * User functions for `udf` and `mapBatches`: a function value from the DataFrame API, or, from a
 * spec file, a JavaScript module (relative to the spec's folder) and the name of its export.
 * Loaded at plan time, so a missing module or export is a PlanError before any data flows.
 */

import { pathToFileURL } from "node:url";
import type { ArgsSpec, PlanContext } from "../op-definition.js";

export interface UserFunctionArgs {
  fn?: unknown;
  module?: string;
  export?: string;
}

export const userFunctionArgs: ArgsSpec = {
  fn: { type: "function", doc: "the function (DataFrame API)" },
  module: { type: "string", doc: "a JavaScript module exporting the function, relative to the spec file (spec files)" },
  export: { type: "string", doc: "the module's export to call", default: "default" },
};

/** The function the arguments name. `what` describes its shape for messages. */
export async function loadUserFunction(args: UserFunctionArgs, ctx: PlanContext, what: string): Promise<(...a: never[]) => unknown> {
  if (args.fn !== undefined && args.module !== undefined) throw ctx.error("give either 'fn' or 'module', not both", { arg: "module" });
  if (typeof args.fn === "function") return args.fn as (...a: never[]) => unknown;
  if (args.module === undefined) throw ctx.error(`needs 'fn' (${what}, DataFrame API) or 'module' + 'export' (spec files)`);
  const path = ctx.resolvePath(args.module);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND" ? "module not found" : (cause as Error).message;
    throw ctx.error(`cannot import module ${path}: ${reason}`, { arg: "module", cause });
  }
  const name = args.export ?? "default";
  const f = mod[name];
  if (typeof f !== "function") {
    const exports = Object.keys(mod).filter((k) => typeof mod[k] === "function");
    throw ctx.error(`module ${path} has no function export '${name}' (function exports: ${exports.join(", ") || "none"})`, { arg: "export" });
  }
  return f as (...a: never[]) => unknown;
}
