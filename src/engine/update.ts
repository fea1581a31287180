// The update rule applied to a range of parameters, at this step's learning rate (and Adam's
// corrections), which the main thread writes into the control block before the update phase. Each
// state region means one tensor of the rule's (train/optimizers.ts, stateRegions).

import type { Kernels } from '../wasm/kernels.js';
import { Slot } from './arguments.js';
import type { Plan } from './plan-types.js';

/** Updates `count` parameters from float offset `offset` with their gradients and optimizer state. */
export function applyUpdate(plan: Plan, k: Kernels, f64: Float64Array, offset: number, count: number): void {
  const o = plan.optimizer!;
  const slots = plan.control >> 3;
  const lr = f64[slots + Slot.LEARNING_RATE];
  const at = offset * 4;
  if (o.rule === 'adam') {
    k.adamUpdate(plan.params + at, plan.grads + at, plan.state[0] + at, plan.state[1] + at, count, lr,
      o.beta1, o.beta2, o.epsilon, o.weightDecay, f64[slots + Slot.CORRECTION1], f64[slots + Slot.CORRECTION2]);
  } else if (o.rule === 'rmsprop') {
    k.rmspropUpdate(plan.params + at, plan.grads + at, plan.state[0] + at, o.momentum > 0 ? plan.state[1] + at : 0,
      o.centered ? plan.state[2] + at : 0, count, lr, o.rho, o.momentum, o.epsilon);
  } else if (o.rule === 'momentum') {
    k.sgdMomentumUpdate(plan.params + at, plan.grads + at, plan.state[0] + at, count, lr, o.momentum, o.weightDecay, o.nesterov);
  } else {
    k.sgdUpdate(plan.params + at, plan.grads + at, count, lr, o.weightDecay);
  }
}
