// Dropout masks, drawn row by row from their own streams so that any split of a batch between
// threads draws the same bits. Each step takes a 64-bit key from the model's seeded generator; the
// mask of row r of dropout layer l comes from an sfc32 stream seeded with (key, r, l), the same
// generator as random.ts, here with its state in locals because this loop runs for every unit.

/** Rounds that mix a fresh stream's state before its first output, as random.ts does. */
const WARMUP = 12;

/**
 * Writes `count` mask bytes at `u8[at]`: 1 keeps a unit, 0 drops it, with probability threshold / 65536
 * of a drop. Two 16-bit draws per 32 random bits.
 */
export function drawMaskRow(
  u8: Uint8Array, at: number, count: number, threshold: number, key0: number, key1: number, row: number, layer: number,
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
  const pairs = count >> 1;
  for (let i = 0; i < pairs; i++) {
    t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
    const o = at + 2 * i;
    u8[o] = (((t & 0xffff) - threshold) >>> 31) ^ 1;
    u8[o + 1] = (((t >>> 16) - threshold) >>> 31) ^ 1;
  }
  // An odd last unit takes the low half of one more draw, and never writes past the row: the next
  // row may belong to another thread.
  if (count & 1) {
    t = (((a + b) | 0) + d) | 0;
    u8[at + count - 1] = (((t & 0xffff) - threshold) >>> 31) ^ 1;
  }
}
