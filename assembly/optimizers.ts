// Parameter updates over `count` contiguous f32 values: the parameters of a whole model are one
// region, their gradients another of the same layout, so one call updates every layer. The learning
// rate, Adam's bias corrections and every other number arrive as arguments: when and how they change
// is the caller's business. The SIMD bodies use the scalar tails as their reference (same bits).

import { madd } from "./simd";

/** SGD with L2 weight decay: param -= lr * (grad + weightDecay * param). */
export function sgdUpdate(param: usize, grad: usize, count: i32, lr: f32, weightDecay: f32): void {
  const rate = f32x4.splat(lr);
  const decay = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    const g = madd(v128.load(grad + o), decay, p);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(rate, g)));
  }
  sgdUpdateTail(param, grad, i, count, lr, weightDecay);
}

/** Scalar reference for `sgdUpdate`. */
export function sgdUpdateReference(param: usize, grad: usize, count: i32, lr: f32, weightDecay: f32): void {
  sgdUpdateTail(param, grad, 0, count, lr, weightDecay);
}

function sgdUpdateTail(param: usize, grad: usize, from: i32, count: i32, lr: f32, weightDecay: f32): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    store<f32>(param + o, p - lr * g);
  }
}

/**
 * SGD with momentum, as PyTorch defines it: g = grad + weightDecay * param; velocity = momentum * velocity + g;
 * param -= lr * (nesterov ? g + momentum * velocity : velocity).
 */
export function sgdMomentumUpdate(
  param: usize, grad: usize, velocity: usize, count: i32,
  lr: f32, momentum: f32, weightDecay: f32, nesterov: bool,
): void {
  const rate = f32x4.splat(lr);
  const mu = f32x4.splat(momentum);
  const decay = f32x4.splat(weightDecay);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    const g = madd(v128.load(grad + o), decay, p);
    const v = madd(g, mu, v128.load(velocity + o));
    v128.store(velocity + o, v);
    const step = nesterov ? madd(g, mu, v) : v;
    v128.store(param + o, f32x4.sub(p, f32x4.mul(rate, step)));
  }
  sgdMomentumUpdateTail(param, grad, velocity, i, count, lr, momentum, weightDecay, nesterov);
}

/** Scalar reference for `sgdMomentumUpdate`. */
export function sgdMomentumUpdateReference(
  param: usize, grad: usize, velocity: usize, count: i32,
  lr: f32, momentum: f32, weightDecay: f32, nesterov: bool,
): void {
  sgdMomentumUpdateTail(param, grad, velocity, 0, count, lr, momentum, weightDecay, nesterov);
}

function sgdMomentumUpdateTail(
  param: usize, grad: usize, velocity: usize, from: i32, count: i32,
  lr: f32, momentum: f32, weightDecay: f32, nesterov: bool,
): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o) + weightDecay * p;
    const v = g + momentum * load<f32>(velocity + o);
    store<f32>(velocity + o, v);
    const step = nesterov ? g + momentum * v : v;
    store<f32>(param + o, p - lr * step);
  }
}

/**
 * Adam with decoupled weight decay (AdamW): m = beta1 m + (<f32>1 - beta1) g; v = beta2 v + (<f32>1 - beta2) g²;
 * param -= lr * (m * correction1 / (sqrt(v * correction2) + epsilon) + weightDecay * param), where the
 * caller passes correction1 = 1 / (1 - beta1^t) and correction2 = 1 / (1 - beta2^t).
 */
export function adamUpdate(
  param: usize, grad: usize, m: usize, v: usize, count: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, weightDecay: f32, correction1: f32, correction2: f32,
): void {
  const rate = f32x4.splat(lr);
  const b1 = f32x4.splat(beta1), b1c = f32x4.splat(<f32>1 - beta1);
  const b2 = f32x4.splat(beta2), b2c = f32x4.splat(<f32>1 - beta2);
  const eps = f32x4.splat(epsilon);
  const decay = f32x4.splat(weightDecay);
  const c1 = f32x4.splat(correction1), c2 = f32x4.splat(correction2);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    const g = v128.load(grad + o);
    const mt = madd(f32x4.mul(b1c, g), b1, v128.load(m + o));
    const vt = madd(f32x4.mul(b2c, f32x4.mul(g, g)), b2, v128.load(v + o));
    v128.store(m + o, mt);
    v128.store(v + o, vt);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.mul(vt, c2)), eps);
    const step = madd(f32x4.div(f32x4.mul(mt, c1), denominator), decay, p);
    v128.store(param + o, f32x4.sub(p, f32x4.mul(rate, step)));
  }
  adamUpdateTail(param, grad, m, v, i, count, lr, beta1, beta2, epsilon, weightDecay, correction1, correction2);
}

/** Scalar reference for `adamUpdate`. */
export function adamUpdateReference(
  param: usize, grad: usize, m: usize, v: usize, count: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, weightDecay: f32, correction1: f32, correction2: f32,
): void {
  adamUpdateTail(param, grad, m, v, 0, count, lr, beta1, beta2, epsilon, weightDecay, correction1, correction2);
}

function adamUpdateTail(
  param: usize, grad: usize, m: usize, v: usize, from: i32, count: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, weightDecay: f32, correction1: f32, correction2: f32,
): void {
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    const g = load<f32>(grad + o);
    const mt = (<f32>1 - beta1) * g + beta1 * load<f32>(m + o);
    const vt = (<f32>1 - beta2) * (g * g) + beta2 * load<f32>(v + o);
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
    const step = (mt * correction1) / (Mathf.sqrt(vt * correction2) + epsilon) + weightDecay * p;
    store<f32>(param + o, p - lr * step);
  }
}

/**
 * RMSprop as Keras 3 computes it (keras/src/optimizers/rmsprop.py), epsilon inside the root:
 * ms = rho ms + (1 - rho) g²; centered: mg = rho mg + (1 - rho) g and denominator = (ms - mg²) + epsilon,
 * else denominator = ms + epsilon; step = (lr g) / sqrt(denominator); with momentum, mom = momentum mom + step
 * and param -= mom, else param -= step. `mom` = 0 means no momentum and `mg` = 0 not centered (as a
 * bias or mask of 0 means none elsewhere). `rho` arrives as f64 so that 1 - rho is rounded to f32 once,
 * from the exact difference, as Keras and TensorFlow.js round it.
 */
export function rmspropUpdate(
  param: usize, grad: usize, ms: usize, mom: usize, mg: usize, count: i32,
  lr: f32, rho: f64, momentum: f32, epsilon: f32,
): void {
  const rate = f32x4.splat(lr);
  const r = f32x4.splat(<f32>rho), rc = f32x4.splat(<f32>(1 - rho));
  const mu = f32x4.splat(momentum);
  const eps = f32x4.splat(epsilon);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(grad + o);
    const square = madd(f32x4.mul(rc, f32x4.mul(g, g)), r, v128.load(ms + o));
    v128.store(ms + o, square);
    let denominator = f32x4.add(square, eps);
    if (mg) {
      const mean = madd(f32x4.mul(rc, g), r, v128.load(mg + o));
      v128.store(mg + o, mean);
      denominator = f32x4.add(f32x4.sub(square, f32x4.mul(mean, mean)), eps);
    }
    let step = f32x4.div(f32x4.mul(rate, g), f32x4.sqrt(denominator));
    if (mom) {
      step = madd(step, mu, v128.load(mom + o));
      v128.store(mom + o, step);
    }
    v128.store(param + o, f32x4.sub(v128.load(param + o), step));
  }
  rmspropUpdateTail(param, grad, ms, mom, mg, i, count, lr, rho, momentum, epsilon);
}

/** Scalar reference for `rmspropUpdate`. */
export function rmspropUpdateReference(
  param: usize, grad: usize, ms: usize, mom: usize, mg: usize, count: i32,
  lr: f32, rho: f64, momentum: f32, epsilon: f32,
): void {
  rmspropUpdateTail(param, grad, ms, mom, mg, 0, count, lr, rho, momentum, epsilon);
}

function rmspropUpdateTail(
  param: usize, grad: usize, ms: usize, mom: usize, mg: usize, from: i32, count: i32,
  lr: f32, rho: f64, momentum: f32, epsilon: f32,
): void {
  const r = <f32>rho, rc = <f32>(1 - rho);
  for (let i = from; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(grad + o);
    const square = rc * (g * g) + r * load<f32>(ms + o);
    store<f32>(ms + o, square);
    let denominator = square + epsilon;
    if (mg) {
      const mean = rc * g + r * load<f32>(mg + o);
      store<f32>(mg + o, mean);
      denominator = (square - mean * mean) + epsilon;
    }
    let step = (lr * g) / Mathf.sqrt(denominator);
    if (mom) {
      step = step + momentum * load<f32>(mom + o);
      store<f32>(mom + o, step);
    }
    store<f32>(param + o, load<f32>(param + o) - step);
  }
}
