/**
 * Joining and cutting tensors along dim 0, the batch dim. `stack` concatenates (each part's
 * dim 0 is its row count, like `torch.cat`), so a record that is itself a valid model feed
 * (`[1,3,224,224]`) stacks into a batch (`[N,3,224,224]`) and splits back out unchanged.
 */

import { allocData, sizeOf, type Tensor } from "../../kernels/tensor.js";

/**
 * Concatenates tensors along dim 0. All must share dtype and trailing dims. One tensor is
 * returned as is (no copy).
 */
export function stack(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0];
  if (!first) throw new RangeError("stack: no tensors");
  if (first.shape.length === 0) throw new RangeError("stack: tensors need a dim 0");
  if (tensors.length === 1) return first;
  const rest = first.shape.slice(1);
  const rowSize = sizeOf(rest);
  let rows = 0;
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype) throw new RangeError(`stack: tensor ${i} is ${t.dtype}, tensor 0 is ${first.dtype}`);
    if (t.shape.length !== first.shape.length || t.shape.some((d, a) => a > 0 && d !== first.shape[a])) {
      throw new RangeError(`stack: tensor ${i} has shape [${t.shape.join(",")}], tensor 0 has [${first.shape.join(",")}] (only dim 0 may differ)`);
    }
    rows += t.shape[0]!;
  }
  const data = allocData(first.dtype, rows * rowSize);
  let offset = 0;
  for (const t of tensors) {
    (data as { set(a: ArrayLike<number>, o: number): void }).set(t.data, offset);
    offset += t.data.length;
  }
  return { dtype: first.dtype, shape: [rows, ...rest], data } as Tensor;
}

/**
 * Cuts a tensor along dim 0 into parts of `sizes` rows (which must add up to dim 0). The parts are
 * views sharing the tensor's buffer, not copies.
 */
export function split(t: Tensor, sizes: readonly number[]): Tensor[] {
  if (t.shape.length === 0) throw new RangeError("split: the tensor has no dim 0");
  let total = 0;
  for (const n of sizes) total += n;
  if (total !== t.shape[0]) throw new RangeError(`split: sizes add up to ${total}, dim 0 is ${t.shape[0]}`);
  const rest = t.shape.slice(1);
  const rowSize = sizeOf(rest);
  const parts: Tensor[] = new Array(sizes.length);
  let row = 0;
  for (let i = 0; i < sizes.length; i++) {
    const n = sizes[i]!;
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`split: bad size ${n}`);
    const shape = rest.slice();
    shape.unshift(n);
    parts[i] = { dtype: t.dtype, shape, data: t.data.subarray(row * rowSize, (row + n) * rowSize) } as Tensor;
    row += n;
  }
  return parts;
}
