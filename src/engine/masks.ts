// Dropout masks, drawn row by row from their own streams so that any split of a batch between
// threads draws the same bits. Each step takes a 64-bit key from the model's seeded generator; the
// mask of row r of dropout layer l comes from an sfc32 stream seeded with (key, r, l), the same
// generator as random.ts, here with its state in locals because this loop runs for every unit.
// A mask holds a bit per unit (see assembly/simd.ts).

/** Rounds that mix a fresh stream's state before its first output, as random.ts does. */
const WARMUP = 12;

/** Bytes per row of a mask of `units` units: one bit each, the row padded to whole 32-bit words (see assembly/simd.ts). */
export function maskRowBytes(units: number): number {
  return Math.ceil(units / 32) * 4;
}

/**
 * Writes the `count` mask bits of one row from word `word` of `i32` on: bit c % 32 of word c / 32 is
 * 1 to keep unit c, 0 to drop it, with probability threshold / 65536 of a drop. Two 16-bit draws per
 * 32 random bits; the padding bits of the last word are 0.
 */
export function drawMaskRow(
  i32: Int32Array, word: number, count: number, threshold: number, key0: number, key1: number, row: number, layer: number,
): void {
  let a = key0 | 0;
  let b = key1 | 0;
  let c = (row ^ Math.imul(layer + 1, 0x9e3779b9)) | 0;
  let d = 1;
  let t = 0;
  for (let i = 0; i < WARMUP; i++) {
    t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
  }
  // Branch-free: (draw - threshold) >>> 31 is 1 exactly when draw < threshold, a drop.
  const whole = count >>> 5;
  for (let w = 0; w < whole; w++) {
    let bits = 0;
    for (let shift = 0; shift < 32; shift += 2) {
      t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      bits |= (((((t & 0xffff) - threshold) >>> 31) ^ 1) | (((((t >>> 16) - threshold) >>> 31) ^ 1) << 1)) << shift;
    }
    i32[word + w] = bits;
  }
  // The last, partial word; an odd last unit takes the low half of its draw only.
  const rest = count & 31;
  if (rest === 0) return;
  let bits = 0;
  for (let unit = 0; unit < rest; unit += 2) {
    t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    bits |= ((((t & 0xffff) - threshold) >>> 31) ^ 1) << unit;
    if (unit + 1 < rest) bits |= ((((t >>> 16) - threshold) >>> 31) ^ 1) << (unit + 1);
  }
  i32[word + whole] = bits;
}
