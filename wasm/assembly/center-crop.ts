// Center crop as row copies: the window of every plane is `rows` runs of `rowBytes` bytes.

/**
 * For each of `planes` planes (inPlaneBytes apart in src, rows * rowBytes apart in dst), copies
 * `rows` rows of `rowBytes` bytes starting `offset` bytes into the plane, inRowBytes apart.
 */
export function crop_rows(src: usize, dst: usize, planes: i32, inPlaneBytes: usize, inRowBytes: usize, rows: i32, rowBytes: usize, offset: usize): void {
  let d = dst;
  for (let p = 0; p < planes; p++) {
    let s = src + <usize>p * inPlaneBytes + offset;
    for (let r = 0; r < rows; r++) {
      memory.copy(d, s, rowBytes);
      s += inRowBytes;
      d += rowBytes;
    }
  }
}
