// The one seeded random number generator behind weight initialisation, shuffling and dropout masks.
//
// sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128-bit state, passes PractRand) in
// 32-bit integer arithmetic, seeded through splitmix32. Everything derived from it uses only integer
// operations and IEEE-exact +, -, *, / and sqrt, never Math.log or Math.cos, whose last bits differ
// between JavaScript engines: the same seed gives the same bits in Node, browsers, Deno and Bun.

import { portableLog } from './math.js';

const TWO_TO_MINUS_24 = 2 ** -24;

/** A seeded sfc32 generator. */
export class Random {
  // a, b, c, d. An Int32Array rather than four fields: V8 would box every field value beyond ±2^30.
  private readonly s = new Int32Array(4);

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      // splitmix32: spreads a small seed over the whole state
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (let i = 0; i < 4; i++) this.s[i] = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const a = s[0], b = s[1], c = s[2], d = s[3];
    const t = (((a + b) | 0) + d) | 0;
    s[3] = (d + 1) | 0;
    s[0] = b ^ (b >>> 9);
    s[1] = (c + (c << 3)) | 0;
    s[2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1) with 24 random bits, exactly representable as f32. */
  nextFloat(): number {
    return (this.nextUint32() >>> 8) * TWO_TO_MINUS_24;
  }

  /** A uniform integer in [0, bound), without modulo bias. */
  nextBelow(bound: number): number {
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % bound;
  }

  /** A standard normal deviate (Marsaglia's polar method). */
  nextNormal(): number {
    for (;;) {
      const u = 2 * this.nextFloat() - 1;
      const v = 2 * this.nextFloat() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) return u * Math.sqrt((-2 * portableLog(s)) / s);
    }
  }

  /** Shuffles `indices` in place (Fisher-Yates). */
  shuffle(indices: Uint32Array): void {
    for (let i = indices.length - 1; i > 0; i--) {
      const j = this.nextBelow(i + 1);
      const t = indices[i];
      indices[i] = indices[j];
      indices[j] = t;
    }
  }

  /** The generator's state, to save and restore a run exactly. */
  getState(): [number, number, number, number] {
    const [a, b, c, d] = this.s;
    return [a >>> 0, b >>> 0, c >>> 0, d >>> 0];
  }

  setState(state: readonly number[]): void {
    this.reseed(state[0], state[1], state[2], state[3]);
  }

  /** Sets the four state words: for streams keyed afresh per row, without allocating. */
  reseed(a: number, b: number, c: number, d: number): void {
    const s = this.s;
    s[0] = a | 0;
    s[1] = b | 0;
    s[2] = c | 0;
    s[3] = d | 0;
  }
}

/** A seed for callers who gave none. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
