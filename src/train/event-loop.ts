// Turns for the event loop during a fit: training runs synchronously between awaits, and a signal's
// abort (Ctrl-C), timers and a page's rendering only happen in such turns. Its own module because how
// to yield at once differs between Node and browsers.

/** Gives the event loop a turn when some time has passed. */
export class EventLoopYielder {
  private last = performance.now();

  /** Whether a turn is due: checked every batch without awaiting anything. */
  due(): boolean {
    return performance.now() - this.last >= 50;
  }

  async yield(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (typeof setImmediate === 'function') return void setImmediate(resolve);
      // Browsers hold back chained setTimeout(0)s by 4 ms each; a message is delivered at once.
      if (typeof MessageChannel === 'function') {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        return void channel.port2.postMessage(null);
      }
      setTimeout(resolve, 0);
    });
    this.last = performance.now();
  }
}
