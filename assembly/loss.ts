// Softmax and categorical cross-entropy over rows of logits. Rows are short (the number of classes),
// so these are scalar; exp and log run in f64 so that the loss of a confident, correct prediction does
// not round to zero, and the result is cast to f32 only where it is stored.

/**
 * For each row of logits (batch, classes) against targets (batch, classes), in one pass:
 * dlogits (batch, classes) = (softmax(logits) - targets) * gradScale, the summed loss
 * -Σ targets·log softmax(logits) added to stats[0] (f64) and the number of rows whose largest logit is
 * at the largest target added to stats[1] (f64). Stable: logits are shifted by their row maximum.
 */
export function softmaxCrossEntropy(
  dlogits: usize, stats: usize, logits: usize, targets: usize, batch: i32, classes: i32, gradScale: f32,
): void {
  let lossSum: f64 = 0;
  let correct: f64 = 0;
  for (let i = 0; i < batch; i++) {
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
      if (target != 0) lossSum -= target * (shifted - logSum);
      store<f32>(d + (<usize>c << 2), <f32>((Math.exp(shifted) / sum - target) * <f64>gradScale));
    }
    if (predicted == expected) correct += 1;
  }
  store<f64>(stats, load<f64>(stats) + lossSum);
  store<f64>(stats, load<f64>(stats, 8) + correct, 8);
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
