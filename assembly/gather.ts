// Gathering a batch out of a data set that lives in linear memory: rows `order[from + r]` (or
// `from + r` when order is 0) of `data` (rows of `width` values, uint8 or f32), as dense f32 rows or
// as CSR (see sparse.ts). uint8 values go through a 256-entry f32 table that the caller fills (the
// scale is policy); f32 values are copied as they are.

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
 * The nonzeros of each gathered row of a uint8 data set, through `table`, as CSR entries numbered from
 * `first`: rowRange (count, 2) i32 gets each row's [start, end).
 */
export function gatherSparseU8(
  rowRange: usize, columns: usize, values: usize, data: usize, order: usize, from: i32, count: i32, width: i32,
  table: usize, first: i32,
): void {
  let at = first;
  for (let r = 0; r < count; r++) {
    const row = data + <usize>sampleAt(order, from + r) * width;
    store<i32>(rowRange + (<usize>r << 3), at);
    let c = 0;
    // main: skip 16 zero bytes at a time (most of an MNIST row)
    for (; c + 16 <= width; c += 16) {
      if (!v128.any_true(v128.load(row + c))) continue;
      for (let k = c; k < c + 16; k++) at = appendU8(columns, values, at, k, load<u8>(row + k), table);
    }
    // tail bytes
    for (; c < width; c++) at = appendU8(columns, values, at, c, load<u8>(row + c), table);
    store<i32>(rowRange + (<usize>r << 3), at, 4);
  }
}

/** As `gatherSparseU8`, for an f32 data set. */
export function gatherSparseF32(
  rowRange: usize, columns: usize, values: usize, data: usize, order: usize, from: i32, count: i32, width: i32, first: i32,
): void {
  let at = first;
  for (let r = 0; r < count; r++) {
    const row = data + ((<usize>sampleAt(order, from + r) * width) << 2);
    store<i32>(rowRange + (<usize>r << 3), at);
    for (let c = 0; c < width; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v == 0) continue;
      store<i32>(columns + (<usize>at << 2), c);
      store<f32>(values + (<usize>at << 2), v);
      at++;
    }
    store<i32>(rowRange + (<usize>r << 3), at, 4);
  }
}

// @ts-ignore: decorator
@inline function sampleAt(order: usize, index: i32): u32 {
  return order ? load<u32>(order + (<usize>index << 2)) : <u32>index;
}

// @ts-ignore: decorator
@inline function appendU8(columns: usize, values: usize, at: i32, column: i32, byte: u8, table: usize): i32 {
  if (!byte) return at;
  store<i32>(columns + (<usize>at << 2), column);
  store<f32>(values + (<usize>at << 2), load<f32>(table + (<usize>byte << 2)));
  return at + 1;
}
