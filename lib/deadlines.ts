/**
 * One timer for many waits of the same length: the handler's repository
 * timeout. A `setTimeout` and a `clearTimeout` per request cost more on
 * Node than the rest of a cached request's auth; waits of one length expire
 * in the order they began, so a queue and a single timer serve them all.
 *
 * @module
 */

/** A wait in the queue; {@link Deadlines.settle} it when the work is done. */
export interface Wait {
  /** When it expires, on the `performance.now()` clock (monotonic, unlike a test's or the wall's). */
  readonly atMs: number;
  /**
   * Called on expiry; `undefined` once the wait is settled, so that a
   * settled wait still queued behind a pending one holds nothing (such as
   * the request it was for) alive.
   */
  expire: (() => void) | undefined;
}

/**
 * Waits of `timeoutMs` each, expired by one timer that runs only while a
 * wait is pending (so it never keeps a process alive on its own).
 *
 * @example
 * ```ts
 * import { Deadlines } from "./deadlines.ts";
 * const deadlines = new Deadlines(5000);
 * const wait = deadlines.start(() => console.log("too late"));
 * deadlines.settle(wait); // in time: nothing is printed
 * ```
 */
export class Deadlines {
  readonly #timeoutMs: number;
  #queue: Wait[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param timeoutMs How long each wait lasts, in milliseconds. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** How many waits are queued (settled ones may linger behind a pending one). */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Starts a wait: `expire` is called once `timeoutMs` pass unless it is settled first. */
  start(expire: () => void): Wait {
    const wait: Wait = { atMs: performance.now() + this.#timeoutMs, expire };
    this.#queue.push(wait);
    this.#timer ??= setTimeout(this.#tick, this.#timeoutMs);
    return wait;
  }

  /** Ends a wait in time: its `expire` will not be called. */
  settle(wait: Wait): void {
    wait.expire = undefined;
    this.#drop();
  }

  // Drops the settled waits at the head; stops the timer once none is left.
  #drop(): void {
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head]!.expire === undefined) this.#head++;
    if (this.#head === queue.length) {
      this.#queue = [];
      this.#head = 0;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#head >= 1024 && this.#head * 2 >= queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    for (;;) {
      const wait = this.#queue[this.#head];
      if (wait === undefined || (wait.expire !== undefined && wait.atMs > now)) break;
      this.#head++;
      const expire = wait.expire;
      wait.expire = undefined;
      expire?.();
    }
    this.#drop();
    const next = this.#queue[this.#head];
    // Timers may fire a little early: never re-arm for less than a millisecond.
    if (next !== undefined) this.#timer ??= setTimeout(this.#tick, Math.max(1, next.atMs - now));
  };
}
