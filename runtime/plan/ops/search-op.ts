/**
 * `search`: exact cosine top-k of each query vector against an index file, through VectorIndex
 * (cosineSimilarity then topk on the step's kernels, one pass per batch). The index is read at
 * plan time, so its dimension is checked against the query column before any data flows. Ids
 * come out as an i32 tensor column when every index id is an integer, else as a fixed-size list
 * of strings; scores as an f32 tensor column. A null query row gives null results.
 */

import { Field, FixedSizeList, Utf8, makeData, makeVector, vectorFromArray, type Schema } from "apache-arrow";
import type { Tensor } from "../../../kernels/tensor.js";
import type { Batch } from "../../api/stream.js";
import { VectorIndex } from "../../functions/vector-index.js";
import { bitmapOf, ColumnMapOperator, columnTensor, rowValidity } from "../../operators/column-map-operator.js";
import { columnOf, fixedShapeTensorColumn, fixedShapeTensorField, type ExtensionColumn } from "../../types/index.js";
import { defineOp, type OpDefinition } from "../op-definition.js";
import { placeFields, sampleTensor, tensorColumn } from "./tensor-column.js";
import { readIndexFile, type IndexId } from "./vector-index-file.js";

interface SearchArgs {
  column: string;
  index: string;
  k: number;
  outputs?: { ids?: string; scores?: string };
}

export const searchOp: OpDefinition = defineOp<SearchArgs>({
  kind: "transform",
  name: "search",
  category: "text",
  summary: "Exact cosine top-k of each query vector against an index file (ids and scores per row, best first)",
  args: {
    column: { type: "string", doc: "Query vectors: a sluice.embedding or f32 tensor column of [D] rows", required: true },
    index: { type: "string", doc: "Index file: JSONL {id, embedding} lines, or Arrow/Parquet with id and embedding columns", required: true },
    k: { type: "integer", doc: "Matches per query (fewer when the index holds fewer)", required: true, min: 1 },
    outputs: { type: "object", doc: "Columns to write: { ids, scores }", default: { ids: "ids", scores: "scores" } },
  },
  example: "search: { column: embedding, index: ./corpus.jsonl, k: 5 }",
  async plan(args, input, ctx) {
    const src = tensorColumn(input, args.column, ctx, { accept: ["f32"] });
    if (src.shape.length !== 1) throw ctx.error(`column '${src.name}' has rows of shape [${src.shape.join(",")}]; search takes one vector [D] per row`);
    const extra = Object.keys(args.outputs ?? {}).filter((key) => key !== "ids" && key !== "scores");
    const idsName = args.outputs?.ids ?? "ids";
    const scoresName = args.outputs?.scores ?? "scores";
    if (extra.length || typeof idsName !== "string" || typeof scoresName !== "string" || idsName === scoresName) {
      throw ctx.error("outputs must be { ids: <column>, scores: <column> } with two different column names", { arg: "outputs" });
    }
    let entries;
    try {
      entries = await readIndexFile(ctx.resolvePath(args.index));
    } catch (err) {
      throw ctx.error((err as Error).message, { arg: "index", cause: err });
    }
    const dim = src.shape[0]!;
    if (entries.dim !== dim) {
      throw ctx.error(`index ${args.index} holds ${entries.dim}-dim vectors but column '${src.name}' has ${dim}-dim rows`, { arg: "index" });
    }
    const index = new VectorIndex<IndexId>(dim, { kernels: ctx.kernels });
    try {
      index.add(entries.ids, entries.vectors);
    } catch (err) {
      throw ctx.error(`index ${args.index}: ${(err as Error).message.replace(/^vector index: /, "")}`, { arg: "index", cause: err });
    }
    const k = Math.min(args.k, index.size);
    const idsField = entries.integerIds ? fixedShapeTensorField(idsName, "i32", { shape: [k] }) : new Field(idsName, new FixedSizeList(k, new Field("item", new Utf8(), false)), true);
    const scoresField = fixedShapeTensorField(scoresName, "f32", { shape: [k] });
    const output: Schema = placeFields(input, [idsField, scoresField]);
    const compute = async (batch: Batch) => {
      const column = columnOf(batch, src.name);
      const rows = batch.numRows;
      const hits = await index.search(columnTensor(column) as Tensor<"f32">, k);
      const valid = rowValidity([column], rows);
      const opt = valid ? { valid } : {};
      const scores = fixedShapeTensorColumn(scoresName, { dtype: "f32", shape: [rows, k], data: Float32Array.from(hits.scores.flat()) }, opt);
      const flatIds = hits.ids.flat();
      let ids: ExtensionColumn;
      if (entries.integerIds) ids = fixedShapeTensorColumn(idsName, { dtype: "i32", shape: [rows, k], data: Int32Array.from(flatIds as number[]) }, opt);
      else {
        const child = vectorFromArray(flatIds.map(String), new Utf8()).data[0]!;
        ids = { field: idsField, vector: makeVector(makeData({ type: idsField.type as FixedSizeList<Utf8>, length: rows, child, ...bitmapOf(valid) })) };
      }
      return { columns: [ids, scores] };
    };
    const backend = ctx.kernelBackend("cosineSimilarity", [sampleTensor(ctx, "f32", [dim]), { ...sampleTensor(ctx, "f32", [dim]), shape: [index.size, dim] }]);
    return {
      kind: "transform",
      output,
      backend,
      detail: `${src.name} → ${idsName}, ${scoresName}: cosine top ${k} of ${index.size} vectors (${args.index})`,
      parallel: true,
      create: () => new ColumnMapOperator(ctx.step.name, { output, backend, compute }),
    };
  },
});
