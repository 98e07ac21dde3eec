/** A counting semaphore whose waiters are woken by `free()` itself and may give up through a signal. */
export class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  async take(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.used < this.capacity) {
      this.used++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.waiters.splice(this.waiters.indexOf(wake), 1);
        reject(signal.reason);
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  free(): void {
    const next = this.waiters.shift();
    // the slot passes straight to the next waiter, so `used` stays the same
    if (next) next();
    else this.used--;
  }
}
