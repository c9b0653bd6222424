/**
 * Elementwise math on a tensor column, one step or a fused chain of them: the whole column is one
 * `[rows, ...shape]` tensor, so a batch costs one `elementwiseChain` kernel call however many
 * steps were fused. Extra operand columns (`x * other`) ride along as the chain's extra inputs.
 * A row that is null in the input or in any operand is null in the output.
 */

import type { Schema } from "apache-arrow";
import type { ChainStep } from "../../kernels/op-attrs.js";
import type { Batch } from "../api/stream.js";
import type { KernelRunner } from "../functions/kernel-runner.js";
import { columnOf, fixedShapeTensorColumn } from "../types/index.js";
import { ColumnMapOperator, columnTensor, rowValidity, type ColumnMapResult } from "./column-map-operator.js";

export interface ElementwiseOptions {
  /** The tensor column the chain starts from. */
  readonly column: string;
  /** The column written (the input column itself for in-place steps). */
  readonly output: string;
  /** Operand columns: `{input: i}` in a step reads `others[i - 1]`. */
  readonly others: readonly string[];
  readonly steps: readonly ChainStep[];
  /** The planned output schema. */
  readonly schema: Schema;
  readonly kernels: KernelRunner;
  readonly backend: string;
}

export class ElementwiseOperator extends ColumnMapOperator {
  constructor(step: string, opts: ElementwiseOptions) {
    super(step, { output: opts.schema, backend: opts.backend, compute: (batch) => compute(batch, opts) });
  }
}

async function compute(batch: Batch, opts: ElementwiseOptions): Promise<ColumnMapResult> {
  const source = columnOf(batch, opts.column);
  const operands = opts.others.map((name) => columnOf(batch, name));
  const inputs = [columnTensor(source), ...operands.map(columnTensor)];
  const { outputs } = await opts.kernels.run("elementwiseChain", inputs, { steps: opts.steps });
  const valid = rowValidity([source, ...operands], batch.numRows);
  return { columns: [fixedShapeTensorColumn(opts.output, outputs[0]!, valid ? { valid } : {})] };
}
