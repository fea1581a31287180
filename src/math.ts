// Elementary functions from exact IEEE operations only (+, -, *, /, sqrt), so that every JavaScript
// engine gives the same bits: Math.exp, Math.log and Math.sin are only required to be close. The
// learning-rate schedules and the augmentation's draws use these, so that a fit has the same bits in
// Node, Deno, Bun and every browser.

const LN2 = 0.6931471805599453;

/**
 * Natural logarithm of x > 0 from exact IEEE operations only, so every engine gives the same bits.
 * x = m · 2^e with m in [√½, √2); ln m = 2 atanh(t), t = (m - 1)/(m + 1), |t| < 0.172, whose odd
 * series reaches double precision (error < 1e-16 relative) within 11 terms.
 */
export function portableLog(x: number): number {
  let m = x;
  let e = 0;
  while (m < Math.SQRT1_2) {
    m *= 2;
    e--;
  }
  while (m >= Math.SQRT2) {
    m /= 2;
    e++;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let term = t;
  let sum = 0;
  for (let k = 1; k <= 23; k += 2) {
    sum += term / k;
    term *= t2;
  }
  return 2 * sum + e * LN2;
}

/**
 * e^x from exact IEEE operations only, like portableLog: x = n·ln2 + r with |r| ≤ ln2/2, then the
 * Taylor series of e^r (20 terms reach double precision), times 2^n by repeated exact doubling.
 */
export function portableExp(x: number): number {
  if (x < -745) return 0;
  const n = Math.round(x / LN2);
  const r = x - n * LN2;
  let term = 1;
  let sum = 1;
  for (let k = 1; k <= 20; k++) {
    term *= r / k;
    sum += term;
  }
  let scale = 1;
  for (let i = 0; i < Math.abs(n); i++) scale *= 2;
  return n >= 0 ? sum * scale : sum / scale;
}

/** sin and cos of |x| ≤ π/4 from their Taylor series (exact operations only; error below 1e-16). */
export function portableSinCos(x: number): [number, number] {
  let sin = 0;
  let cos = 0;
  let term = 1;
  for (let k = 0; k <= 24; k++) {
    // term = x^k / k!
    if (k % 2 === 0) cos += (k % 4 === 0 ? 1 : -1) * term;
    else sin += (k % 4 === 1 ? 1 : -1) * term;
    term *= x / (k + 1);
  }
  return [sin, cos];
}

/** cos x for x in [0, π], from the series of sin and cos on [0, π/4] (exact operations only). */
export function portableCos(x: number): number {
  const quarter = Math.PI / 4;
  if (x <= quarter) return portableSinCos(x)[1];
  if (x <= 2 * quarter) return portableSinCos(Math.PI / 2 - x)[0];
  if (x <= 3 * quarter) return -portableSinCos(x - Math.PI / 2)[0];
  return -portableSinCos(Math.PI - x)[1];
}
