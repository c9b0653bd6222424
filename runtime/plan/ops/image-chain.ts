/**
 * Planned image steps as chains of stages, and how chains fuse. Every image op plans to a chain
 * of one stage; a chain absorbs the next image step when that step reads a column the chain
 * writes, giving one per-image pass (ImagePassOperator) in which the intermediate columns are
 * never built. A chain that starts with `decode` and continues with a downscaling `resize` of the
 * decoded image (in place, so the full-size pixels are not kept) decodes with shrink-on-load.
 */

import type { Schema } from "apache-arrow";
import { ImagePassOperator } from "../../operators/image-pass-operator.js";
import type { DecodeStage, ImageStage, PixelStage } from "../../operators/image-stages.js";
import type { KernelRunner } from "../../functions/kernel-runner.js";
import type { ResizeTarget } from "../../functions/resize-target.js";
import type { StepNode } from "../logical-plan.js";
import type { PlannedTransform } from "../op-definition.js";

/** What a planned image step carries in `fusable.args` for the step before it to absorb. */
interface ImagePart {
  readonly stage: PixelStage;
  /** Short label for a fused detail line, e.g. `resize 224×224`. */
  readonly label: string;
  /** Where its kernels run (`wasm`, `webgpu`, `js`). */
  readonly backend: string;
}

/** A planned run of image stages. */
export interface ImageChain {
  readonly stages: readonly ImageStage[];
  readonly labels: readonly string[];
  /** One entry per stage: `sharp` for decode, the kernel backend otherwise. */
  readonly backends: readonly string[];
  readonly output: Schema;
  /** Dead-letter key column. */
  readonly key: string | undefined;
  readonly kernels: KernelRunner;
  /** The decode step's `shrinkOnLoad` argument (false for chains not starting with decode). */
  readonly shrinkOnLoad: boolean;
  /** The first step's `backend` placement; steps placed elsewhere are not absorbed. */
  readonly placement: StepNode["backend"];
}

/** The planned transform of a chain of one image step, with its detail line for explain. */
export function singleImageStep(chain: ImageChain, detail: string): PlannedTransform {
  const planned = chainTransform(chain);
  const stage = chain.stages[0]!;
  return {
    ...planned,
    detail,
    ...(stage.op === "decode" ? {} : { fusable: { kind: "image", op: stage.op, column: stage.column, output: stage.output, args: { stage, label: chain.labels[0]!, backend: chain.backends[0]! } satisfies ImagePart } }),
  };
}

/** The shrink-on-load target a chain allows its decode, if any. */
export function shrinkTarget(stages: readonly ImageStage[], shrinkOnLoad: boolean): ResizeTarget | undefined {
  const [decode, next] = stages;
  if (!shrinkOnLoad || decode?.op !== "decode" || next?.op !== "resize") return undefined;
  // The decoded full-size image must not be kept, and the resize must be the smooth one that
  // libvips' shrink approximates (nearest or aliased resizes would differ visibly).
  if (next.column !== decode.output || next.output !== decode.output || next.mode !== "linear" || !next.antialias) return undefined;
  if (next.fit === "fill") return next.size;
  if (next.fit === "cover" && next.size[0] === next.size[1]) return { shorterSide: next.size[0] };
  return undefined;
}

function chainTransform(chain: ImageChain): PlannedTransform {
  const first = chain.stages[0]!;
  const stages = withShrink(chain.stages, chain.shrinkOnLoad);
  const shrinking = stages[0]!.op === "decode" && (stages[0] as DecodeStage).targetSize !== undefined;
  const backend = [...new Set(chain.backends)].join(" + ");
  return {
    kind: "transform",
    output: chain.output,
    backend,
    parallel: true,
    detail: `${chain.labels.join(" → ")}${shrinking ? " (shrink-on-load)" : ""}`,
    create: () => new ImagePassOperator(first.step, { stages, output: chain.output, key: chain.key, kernels: chain.kernels, backend }),
    fuse: (next, nextStep) => fuseInto(chain, next, nextStep),
  };
}

/** The stages with the decode's shrink-on-load target set where the chain allows one. */
function withShrink(stages: readonly ImageStage[], shrinkOnLoad: boolean): ImageStage[] {
  const [first, ...rest] = stages;
  const target = shrinkTarget(stages, shrinkOnLoad);
  if (first?.op !== "decode" || target === undefined) return [...stages];
  return [{ ...first, targetSize: target }, ...rest];
}

function fuseInto(chain: ImageChain, next: PlannedTransform, nextStep: StepNode): PlannedTransform | undefined {
  const part = next.fusable;
  if (part?.kind !== "image") return undefined;
  const { stage, label, backend } = part.args as Partial<ImagePart>;
  if (!stage || stage.op !== part.op || typeof label !== "string" || typeof backend !== "string") return undefined;
  // Only a step that reads pixels this chain produces: anything else gains nothing from fusing.
  if (!chain.stages.some((s) => s.output === stage.column)) return undefined;
  if (nextStep.backend !== chain.placement) return undefined;
  return chainTransform({
    ...chain,
    stages: [...chain.stages, { ...stage, step: nextStep.name }],
    labels: [...chain.labels, label],
    backends: [...chain.backends, backend],
    output: next.output,
  });
}
