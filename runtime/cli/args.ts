/** A small, strict flag parser: unknown flags are errors, so a typo never silently does nothing. */

import { SluiceError } from "../../kernels/errors.js";

export interface FlagSpec {
  /** Flags that take a value (`--json FILE`). */
  values?: readonly string[];
  /** Flags that are booleans (`--quick`). */
  booleans?: readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(command: string, args: readonly string[], spec: FlagSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) {
      out.positional.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (spec.values?.includes(name)) {
      const v = inline ?? args[++i];
      if (v === undefined || v.startsWith("--")) throw new SluiceError(`${command}: --${name} needs a value`);
      out.values.set(name, v);
    } else if (spec.booleans?.includes(name)) {
      out.flags.add(name);
    } else {
      const known = [...(spec.values ?? []), ...(spec.booleans ?? [])].map((f) => `--${f}`).join(", ");
      throw new SluiceError(`${command}: unknown option --${name}${known ? ` (known: ${known})` : ""}`);
    }
  }
  return out;
}
