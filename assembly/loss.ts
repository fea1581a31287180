// Softmax and categorical cross-entropy over rows of logits. Rows are short (the number of classes),
// so these are scalar; exp and log run in f64 so that the loss of a confident, correct prediction does
// not round to zero, and the result is cast to f32 only where it is stored.

/**
 * For each row of logits (batch, classes) against targets (batch, classes), in one pass:
 * dlogits (batch, classes) = (softmax(logits) - targets) * gradScale, and in rowStats (batch, 2) f64
 * the row's loss -Σ targets·log softmax(logits) and 1 if its largest logit is at its largest target,
 * else 0. Per row, so that rows can be split between threads and still summed in one order.
 * Stable: logits are shifted by their row maximum.
 */
export function softmaxCrossEntropy(
  dlogits: usize, rowStats: usize, logits: usize, targets: usize, batch: i32, classes: i32, gradScale: f32,
): void {
  for (let i = 0; i < batch; i++) {
    let loss: f64 = 0;
    const z = logits + ((<usize>i * classes) << 2);
    const t = targets + ((<usize>i * classes) << 2);
    const d = dlogits + ((<usize>i * classes) << 2);
    const predicted = argmax(z, classes);
    const expected = argmax(t, classes);
    const top = <f64>load<f32>(z + (<usize>predicted << 2));
    let sum: f64 = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - top);
    const logSum = Math.log(sum);
    for (let c = 0; c < classes; c++) {
      const shifted = <f64>load<f32>(z + (<usize>c << 2)) - top;
      const target = <f64>load<f32>(t + (<usize>c << 2));
      if (target != 0) loss -= target * (shifted - logSum);
      store<f32>(d + (<usize>c << 2), <f32>((Math.exp(shifted) / sum - target) * <f64>gradScale));
    }
    const stats = rowStats + (<usize>i << 4);
    store<f64>(stats, loss);
    store<f64>(stats, predicted == expected ? 1 : 0, 8);
  }
}

/** probabilities (batch, classes) = softmax(logits (batch, classes)), row by row. */
export function softmax(probabilities: usize, logits: usize, batch: i32, classes: i32): void {
  for (let i = 0; i < batch; i++) {
    const z = logits + ((<usize>i * classes) << 2);
    const p = probabilities + ((<usize>i * classes) << 2);
    const top = <f64>load<f32>(z + (<usize>argmax(z, classes) << 2));
    let sum: f64 = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - top);
    for (let c = 0; c < classes; c++) {
      store<f32>(p + (<usize>c << 2), <f32>(Math.exp(<f64>load<f32>(z + (<usize>c << 2)) - top) / sum));
    }
  }
}

/** Index of the first largest value of a row; a NaN anywhere makes the row's maximum NaN, as it should. */
function argmax(row: usize, count: i32): i32 {
  let best = 0;
  let top = load<f32>(row);
  for (let c = 1; c < count; c++) {
    const v = load<f32>(row + (<usize>c << 2));
    if (v > top || isNaN(v)) {
      best = c;
      top = v;
      if (isNaN(v)) break;
    }
  }
  return best;
}
