/**
 * Pipeline spec files (YAML or JSON) → LogicalPlan, with the file:line of every step and
 * argument so that the planner's errors can point back at what the user wrote.
 *
 * ```yaml
 * name: classify-photos          # optional; default: the file name without extension
 * batchRows: 64                  # optional positive integer
 * backend: auto                  # optional: auto | js | wasm | webgpu
 * channel: { maxBatches: 4, maxBytes: 67108864 }
 * deadLetters: out/dead-letters.jsonl   # or { path, format: jsonl | arrow }
 * checkpoint: { interval: 1s, dir: ckpt, mode: aligned }
 * failures: [{ step: resize, kind: throw, at: 3 }]   # testing only: docs/spec-files.md
 * source:
 *   images: { path: ./photos }
 * steps:
 *   - decode: { column: image }
 *   - resize: { column: image, size: [224, 224], parallelism: 2 }
 *   - infer: { model: model.onnx, region: gpu, name: classify }
 * sink:
 *   parquet: { path: out/ }
 * ```
 *
 * `source`, `sink` and each step are a mapping with exactly one key, the op name, whose value
 * maps argument names to values (or is empty). The keys `name`, `region`, `parallelism` and
 * `backend` inside it are step placement, not op arguments, and are lifted out of `args`.
 * Which ops exist and what arguments they take is the catalog's business (`sluice ops`), so
 * this file checks only the file's shape. The format is documented in `docs/spec-files.md`.
 */

import { readFile } from "node:fs/promises";
import { basename, dirname, extname, resolve } from "node:path";
import { isAlias, isMap, isScalar, isSeq, type Node as YamlNode } from "yaml";
import { PlanError } from "../api/runtime-errors.js";
import { formatLocation, uniqueStepName, type LogicalPlan, type PlanOptions, type SourceLocation, type StepNode } from "./logical-plan.js";
import { editDistance } from "./op-catalog.js";
import { describeNode, isNullNode, SpecDocument, type SpecEntry, type SpecFormat } from "./spec-nodes.js";
import { backendValue, checkFailureStepNames, nonEmptyString, positiveInteger, readOption } from "./spec-options.js";

/** Every top-level key a spec file may use. */
export const SPEC_TOP_LEVEL_KEYS = ["name", "batchRows", "backend", "channel", "deadLetters", "checkpoint", "failures", "source", "steps", "sink"] as const;

/** Keys inside a step's mapping that place the step rather than configure its op. */
export const STEP_PLACEMENT_KEYS = ["name", "region", "parallelism", "backend"] as const;

export interface ParseSpecOptions {
  /** The file name used in locations and for the default pipeline name. */
  file: string;
  /** Relative paths in arguments resolve against this directory. */
  baseDir: string;
  /** Default: from the extension of `file` (`.yaml`, `.yml`, `.json`). */
  format?: SpecFormat;
}

/**
 * Reads and parses a spec file. Locations name the file as `path` was given; the plan's
 * `baseDir` is the file's directory (absolute), so argument paths are relative to the file.
 * @throws PlanError for an unsupported extension, an unreadable file or a malformed spec.
 */
export async function readSpecFile(path: string): Promise<LogicalPlan> {
  const format = formatOf(path);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (cause) {
    throw new PlanError(`cannot read the spec file: ${(cause as Error).message}`, { location: path, cause });
  }
  return parseSpec(text, { file: path, baseDir: dirname(resolve(path)), format });
}

/**
 * Parses spec text into a LogicalPlan. Op names and arguments are not checked against the
 * catalog here; the planner does that, using the locations recorded on each step.
 * @throws PlanError at the offending line for syntax errors and malformed structure.
 */
export function parseSpec(text: string, opts: ParseSpecOptions): LogicalPlan {
  const { file } = opts;
  // A BOM would shift every column on the first line by one.
  const spec = SpecDocument.parse(text.replace(/^\uFEFF/, ""), file, opts.format ?? formatOf(file));
  const top = spec.contents;
  if (!top) throw new PlanError("the spec file is empty; it needs at least a 'source'", { location: `${file}:1` });
  const topNode = spec.resolve(top);
  if (!isMap(topNode)) {
    throw spec.error(`the top level must be a mapping (name, source, steps, sink …); got ${describeNode(topNode)}`, top);
  }

  let name = basename(file, extname(file));
  const options: PlanOptions = {};
  const parts: Partial<Record<"source" | "steps" | "sink" | "failures", SpecEntry>> = {};
  for (const entry of spec.entries(topNode, "the top level")) {
    if (entry.key === "name") name = nonEmptyString(spec, entry);
    else if (entry.key === "source" || entry.key === "steps" || entry.key === "sink") parts[entry.key] = entry;
    else if (!readOption(spec, entry, options)) throw unknownTopLevelKey(spec, entry);
    else if (entry.key === "failures") parts.failures = entry;
  }
  if (!parts.source) throw spec.error("the spec has no 'source' (e.g. `source: { images: { path: ./photos } }`)", top);

  const raw = [readStep(spec, parts.source.value, parts.source.valueAt, "source")];
  for (const [i, item] of stepItems(spec, parts.steps).entries()) raw.push(readStep(spec, item.node, item.at, `steps[${i}]`));
  if (parts.sink) raw.push(readStep(spec, parts.sink.value, parts.sink.valueAt, "sink"));
  const names = nameSteps(spec, raw);
  const nodes = raw.map((r, i) => buildStep(spec, r, names[i]!));
  if (parts.failures && options.failures) {
    const transforms = names.slice(1, parts.sink ? -1 : undefined);
    checkFailureStepNames(spec, parts.failures, options.failures, { source: names[0]!, transforms, sink: parts.sink ? names[names.length - 1] : undefined });
  }

  return {
    name,
    baseDir: opts.baseDir,
    file,
    source: nodes[0]!,
    steps: nodes.slice(1, parts.sink ? -1 : undefined),
    ...(parts.sink ? { sink: nodes[nodes.length - 1]! } : {}),
    options,
  };
}

function formatOf(file: string): SpecFormat {
  const ext = extname(file).toLowerCase();
  if (ext === ".yaml" || ext === ".yml") return "yaml";
  if (ext === ".json") return "json";
  throw new PlanError(`a spec file must end in .yaml, .yml or .json; got '${basename(file)}'`, { location: file });
}

function unknownTopLevelKey(spec: SpecDocument, entry: SpecEntry): PlanError {
  const near = SPEC_TOP_LEVEL_KEYS.map((k) => ({ k, d: editDistance(entry.key.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d);
  const hint = near.length ? ` — did you mean '${near[0]!.k}'?` : "";
  return spec.error(`unknown top-level key '${entry.key}'${hint} (known: ${SPEC_TOP_LEVEL_KEYS.join(", ")})`, entry.at);
}

/** The items of `steps:`; an empty `steps:` is an empty pipeline, not an error. */
function stepItems(spec: SpecDocument, entry: SpecEntry | undefined): { node: YamlNode | null; at: SourceLocation }[] {
  if (!entry || isNullNode(entry.value)) return [];
  if (!isSeq(entry.value)) {
    throw spec.error(`'steps' must be a sequence of steps (\`- resize: { size: [224, 224] }\`); got ${describeNode(entry.value)}`, entry.valueAt);
  }
  return (entry.value.items as (YamlNode | null)[]).map((node) => ({ node, at: node ? spec.at(node) : entry.valueAt }));
}

/** A step as written, before it has its final name. */
interface RawStep {
  op: string;
  at: SourceLocation;
  args: SpecEntry[];
  /** For errors before the step is named: its op, or its position when there is no op. */
  label: string;
}

/** `node` is the step as written; `where` locates it when it is empty. */
function readStep(spec: SpecDocument, node: YamlNode | null, where: SourceLocation, label: string): RawStep {
  const resolved = spec.resolve(node);
  const example = label === "source" ? "images: { path: ./photos }" : label === "sink" ? "parquet: { path: out/ }" : "resize: { size: [224, 224] }";
  const shape = `a mapping with one key, the op name (e.g. \`${example}\`)`;
  if (!isMap(resolved)) {
    const bare = isScalar(resolved) && typeof resolved.value === "string" ? resolved.value : undefined;
    const hint = bare ? ` — write \`${bare}: {}\` for an op without arguments` : "";
    throw spec.error(`${label.startsWith("steps[") ? "a step" : `'${label}'`} must be ${shape}; got ${describeNode(resolved)}${hint}`, where, bare ?? label);
  }
  const keys = spec.entries(resolved, label, label);
  if (keys.length !== 1) {
    if (keys.length === 0) throw spec.error(`'${label}' is empty; it must be ${shape}`, where, label);
    throw spec.error(
      `a step has exactly one key, the op name; found '${keys[0]!.key}' and '${keys[1]!.key}' — arguments belong inside the op's mapping (\`${keys[0]!.key}: { ${keys[1]!.key}: … }\`)`,
      keys[1]!.at,
      keys[0]!.key,
    );
  }
  const opEntry = keys[0]!;
  const op = opEntry.key;
  const args = isNullNode(opEntry.value) ? [] : spec.entries(opEntry.value!, `the arguments of '${op}'`, op);
  // A step written as `- *alias` is located where the alias is, so two uses stay apart.
  const at = node && isAlias(node) ? spec.at(node) : opEntry.at;
  return { op, at, args, label: op };
}

/** Explicit names first (so a default never takes one), then `op`, `op-2` … for the rest. */
function nameSteps(spec: SpecDocument, raw: readonly RawStep[]): string[] {
  const taken = new Map<string, SourceLocation>();
  const names = raw.map((r) => {
    const entry = r.args.find((a) => a.key === "name");
    if (!entry) return undefined;
    const name = nonEmptyString(spec, entry, r.label);
    const first = taken.get(name);
    if (first) throw spec.error(`step name '${name}' is already used by the step at ${formatLocation(first)}`, entry.at, name);
    taken.set(name, entry.at);
    return name;
  });
  const used = new Set(taken.keys());
  return raw.map((r, i) => {
    const name = names[i] ?? uniqueStepName(r.op, used);
    used.add(name);
    return name;
  });
}

function buildStep(spec: SpecDocument, raw: RawStep, name: string): StepNode {
  const args: Record<string, unknown> = {};
  // Placement keys keep their locations too, so the planner can point at a bad `parallelism`.
  const argsAt: Record<string, SourceLocation> = {};
  const step: StepNode = { op: raw.op, name, args, at: raw.at, argsAt };
  for (const entry of raw.args) {
    argsAt[entry.key] = entry.at;
    switch (entry.key) {
      case "name":
        break;
      case "region":
        step.region = nonEmptyString(spec, entry, name);
        break;
      case "parallelism":
        step.parallelism = positiveInteger(spec, entry, name);
        break;
      case "backend":
        step.backend = backendValue(spec, entry, name);
        break;
      default:
        args[entry.key] = spec.toJS(entry, name);
    }
  }
  return step;
}
