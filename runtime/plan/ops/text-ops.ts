/**
 * The text ops of the catalog: chunking, tokenization, embedding with an ONNX text model, and
 * vector search against an index file — the retrieval half of a RAG pipeline.
 */

import type { OpDefinition } from "../op-definition.js";
import { chunkOp } from "./chunk-op.js";
import { embedOp } from "./embed-op.js";
import { searchOp } from "./search-op.js";
import { tokenizeOp } from "./tokenize-op.js";

export const TEXT_OPS: readonly OpDefinition[] = [chunkOp, tokenizeOp, embedOp, searchOp];
