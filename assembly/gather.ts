// Gathering a batch out of a data set that lives in linear memory: rows `order[from + r]` (or
// `from + r` when order is 0) of `data` (rows of `width` values, uint8 or f32), as dense f32 rows or
// as CSR (see sparse.ts). uint8 values go through a 256-entry f32 table that the caller fills (the
// scale is policy); f32 values are copied as they are.

import { ENTRY, LINE_SHIFT } from "./sparse";

/** out (count, width) f32 = table[data row] for each gathered row of a uint8 data set. */
export function gatherRowsU8(out: usize, data: usize, order: usize, from: i32, count: i32, width: i32, table: usize): void {
  for (let r = 0; r < count; r++) {
    const row = data + <usize>sampleAt(order, from + r) * width;
    const o = out + ((<usize>r * width) << 2);
    for (let c = 0; c < width; c++) store<f32>(o + (<usize>c << 2), load<f32>(table + (<usize>load<u8>(row + c) << 2)));
  }
}

/** out (count, width) f32 = the gathered rows of an f32 data set. */
export function gatherRowsF32(out: usize, data: usize, order: usize, from: i32, count: i32, width: i32): void {
  const bytes = <usize>width << 2;
  for (let r = 0; r < count; r++) {
    memory.copy(out + <usize>r * bytes, data + <usize>sampleAt(order, from + r) * bytes, bytes);
  }
}

/**
 * The nonzeros of each gathered row of a uint8 data set, through `table`, as CSR entries (see
 * sparse.ts) numbered from `first`: rowRange (count, 2) i32 gets each row's [start, end).
 */
export function gatherSparseU8(
  rowRange: usize, entries: usize, data: usize, order: usize, from: i32, count: i32, width: i32, table: usize, first: i32,
): void {
  let at = entries + <usize>first * ENTRY;
  for (let r = 0; r < count; r++) {
    const row = data + <usize>sampleAt(order, from + r) * width;
    store<i32>(rowRange + (<usize>r << 3), <i32>((at - entries) / ENTRY));
    let c = 0;
    // main: skip 16 zero bytes at a time (most of an MNIST row)
    for (; c + 16 <= width; c += 16) {
      if (!v128.any_true(v128.load(row + c))) continue;
      for (let k = c; k < c + 16; k++) at = appendU8(at, k, load<u8>(row + k), table);
    }
    // tail bytes
    for (; c < width; c++) at = appendU8(at, c, load<u8>(row + c), table);
    store<i32>(rowRange + (<usize>r << 3), <i32>((at - entries) / ENTRY), 4);
  }
}

/** As `gatherSparseU8`, for an f32 data set. */
export function gatherSparseF32(
  rowRange: usize, entries: usize, data: usize, order: usize, from: i32, count: i32, width: i32, first: i32,
): void {
  let at = entries + <usize>first * ENTRY;
  for (let r = 0; r < count; r++) {
    const row = data + ((<usize>sampleAt(order, from + r) * width) << 2);
    store<i32>(rowRange + (<usize>r << 3), <i32>((at - entries) / ENTRY));
    for (let c = 0; c < width; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v == 0) continue;
      store<f32>(at, v);
      store<u32>(at, <u32>c << LINE_SHIFT, 4);
      at += ENTRY;
    }
    store<i32>(rowRange + (<usize>r << 3), <i32>((at - entries) / ENTRY), 4);
  }
}

/**
 * As `gatherSparseU8`, from a data set already in CSR (`ranges` (rows, 2) i32 into `source`, as
 * `gatherSparseU8` writes them for a whole data set): each gathered row's entries are copied as they
 * are, so that a batch's entries lie in one run, in its order, which the sparse kernels then stream
 * through strip after strip.
 */
export function gatherSparseRows(
  rowRange: usize, entries: usize, ranges: usize, source: usize, order: usize, from: i32, count: i32, first: i32,
): void {
  let at = first;
  for (let r = 0; r < count; r++) {
    const range = ranges + (<usize>sampleAt(order, from + r) << 3);
    const start = load<i32>(range);
    const length = load<i32>(range, 4) - start;
    memory.copy(entries + <usize>at * ENTRY, source + <usize>start * ENTRY, <usize>length * ENTRY);
    store<i32>(rowRange + (<usize>r << 3), at);
    at += length;
    store<i32>(rowRange + (<usize>r << 3), at, 4);
  }
}

// @ts-ignore: decorator
@inline function sampleAt(order: usize, index: i32): u32 {
  return order ? load<u32>(order + (<usize>index << 2)) : <u32>index;
}

/** Writes the entry whatever the byte, and keeps it only if the byte is not 0: no branch to mispredict. */
// @ts-ignore: decorator
@inline function appendU8(at: usize, column: i32, byte: u8, table: usize): usize {
  store<f32>(at, load<f32>(table + (<usize>byte << 2)));
  store<u32>(at, <u32>column << LINE_SHIFT, 4);
  return at + select<usize>(ENTRY, 0, byte != 0);
}
