// One operation at a time may change a model: a second fit, most often from an effect that runs twice,
// is refused at once instead of interleaving with the first on the same weights or waiting forever on
// the same threads. Its own small class so that Sequential's methods only say which operation they are.

import { ModelBusyError } from '../errors.js';

export class BusyGuard {
  /** The operation that is changing the model (a fit, or starting threads), if one is running. */
  private busyWith: string | undefined;

  /** Runs `operation` as the one operation changing the model. */
  async run<T>(what: string, operation: () => Promise<T>): Promise<T> {
    this.refuse(what);
    this.busyWith = what;
    try {
      return await operation();
    } finally {
      this.busyWith = undefined;
    }
  }

  /** Refuses `what` while another operation is changing the model. */
  refuse(what: string): void {
    if (this.busyWith) {
      throw new ModelBusyError(`${what}: the model is busy with ${this.busyWith}; await it first (predict and evaluate may run meanwhile)`);
    }
  }
}
