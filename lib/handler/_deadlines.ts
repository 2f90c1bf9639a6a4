/**
 * One timer for many waits of the same length: the handler's repository
 * timeout. A `setTimeout` and a `clearTimeout` per request cost more on
 * Node than the rest of a cached request's auth; waits of one length expire
 * in the order they began, so a queue and a single timer serve them all.
 *
 * The queue is a doubly linked list: a settled wait leaves it at once, so
 * only pending waits are held, and the head is always the next to expire.
 *
 * @module
 */

/** A wait in the queue; {@link Deadlines.settle} it when the work is done. */
export interface Wait {
  /** When it expires, on the `performance.now()` clock (monotonic, unlike a test's or the wall's). */
  readonly atMs: number;
}

interface _Link extends Wait {
  expire: (() => void) | undefined;
  prev: _Link | undefined;
  next: _Link | undefined;
}

/**
 * Waits of `timeoutMs` each, expired by one timer that runs only while a
 * wait is pending (so it never keeps a process alive on its own).
 *
 * @example
 * ```ts
 * import { Deadlines } from "./_deadlines.ts";
 * const deadlines = new Deadlines(5000);
 * const wait = deadlines.start(() => console.log("too late"));
 * deadlines.settle(wait); // in time: nothing is printed
 * ```
 */
export class Deadlines {
  readonly #timeoutMs: number;
  #head: _Link | undefined;
  #tail: _Link | undefined;
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param timeoutMs How long each wait lasts, in milliseconds. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** How many waits are pending. */
  get size(): number {
    return this.#size;
  }

  /** Starts a wait: `expire` is called once `timeoutMs` pass unless it is settled first. */
  start(expire: () => void): Wait {
    const link: _Link = { atMs: performance.now() + this.#timeoutMs, expire, prev: this.#tail, next: undefined };
    if (this.#tail === undefined) this.#head = link;
    else this.#tail.next = link;
    this.#tail = link;
    this.#size++;
    this.#timer ??= setTimeout(this.#tick, this.#timeoutMs);
    return link;
  }

  /** Ends a wait in time: its `expire` will not be called. Settling twice, or after expiry, does nothing. */
  settle(wait: Wait): void {
    const link = wait as _Link;
    if (link.expire === undefined) return;
    this.#unlink(link);
    if (this.#head === undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  // Takes a pending wait out of the list and lets go of its callback.
  #unlink(link: _Link): void {
    link.expire = undefined;
    if (link.prev === undefined) this.#head = link.next;
    else link.prev.next = link.next;
    if (link.next === undefined) this.#tail = link.prev;
    else link.next.prev = link.prev;
    link.prev = link.next = undefined;
    this.#size--;
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head !== undefined && this.#head.atMs <= now) {
      const link = this.#head;
      const expire = link.expire!;
      this.#unlink(link);
      expire();
    }
    // Timers may fire a little early: never re-arm for less than a millisecond.
    if (this.#head !== undefined) this.#timer ??= setTimeout(this.#tick, Math.max(1, this.#head.atMs - now));
  };
}
