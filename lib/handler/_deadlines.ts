/**
 * One timer for many waits of the same length: the handler's repository
 * timeout. A `setTimeout` and a `clearTimeout` per request cost more on
 * Node than the rest of a cached request's auth; waits of one length expire
 * in the order they began, so a queue and a single timer serve them all.
 *
 * The queue is a doubly linked list: a settled wait leaves it at once, so
 * only pending waits are held, and the head is always the next to expire.
 *
 * Each wait can also give the work it guards an `AbortSignal`. Creating an
 * `AbortController` and listening to its signal costs Node more than the
 * rest of a cached request, so waits started within a short slot share
 * one: it aborts (with a `TimeoutError`) once every wait of its slot has
 * ended and at least one of them expired. Work whose wait expired is so
 * aborted at most a slot after its own deadline, and work still in time is
 * never aborted.
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
  readonly slot: _Slot;
}

// Waits started close together, sharing one abort signal.
interface _Slot {
  /** Until when (`performance.now()`) new waits may join. */
  readonly closesAt: number;
  /** Its waits not yet settled or expired. */
  pending: number;
  expired: boolean;
  controller: AbortController | undefined;
}

/** The longest slot, in milliseconds; shorter for short timeouts (a tenth of the timeout). */
const MAX_SLOT_MS = 100;

/**
 * Waits of `timeoutMs` each, expired by one timer that runs only while a
 * wait is pending (so it never keeps a process alive on its own).
 *
 * @example
 * ```ts
 * import { Deadlines } from "./_deadlines.ts";
 * const deadlines = new Deadlines(5000);
 * const wait = deadlines.start(() => console.log("too late"));
 * const signal = deadlines.signal(wait); // for the work the wait guards
 * deadlines.settle(wait); // in time: nothing is printed, and signal never aborts
 * ```
 */
export class Deadlines {
  readonly #timeoutMs: number;
  #head: _Link | undefined;
  #tail: _Link | undefined;
  #size = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #slotMs: number;
  #slot: _Slot | undefined;

  /** @param timeoutMs How long each wait lasts, in milliseconds. */
  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
    this.#slotMs = Math.min(MAX_SLOT_MS, timeoutMs / 10);
  }

  /** How many waits are pending. */
  get size(): number {
    return this.#size;
  }

  /** Starts a wait: `expire` is called once `timeoutMs` pass unless it is settled first. */
  start(expire: () => void): Wait {
    const now = performance.now();
    let slot = this.#slot;
    if (slot === undefined || now >= slot.closesAt || slot.expired) {
      slot = this.#slot = { closesAt: now + this.#slotMs, pending: 0, expired: false, controller: undefined };
    }
    slot.pending++;
    const link: _Link = { atMs: now + this.#timeoutMs, expire, prev: this.#tail, next: undefined, slot };
    if (this.#tail === undefined) this.#head = link;
    else this.#tail.next = link;
    this.#tail = link;
    this.#size++;
    this.#timer ??= setTimeout(this.#tick, this.#timeoutMs);
    return link;
  }

  /**
   * The signal of the work `wait` guards, shared with the waits of its
   * slot: it aborts with a `TimeoutError` `DOMException` once every one of
   * them has settled or expired, if one expired.
   */
  signal(wait: Wait): AbortSignal {
    const slot = (wait as _Link).slot;
    return (slot.controller ??= new AbortController()).signal;
  }

  /** Ends a wait in time: its `expire` will not be called. Settling twice, or after expiry, does nothing. */
  settle(wait: Wait): void {
    const link = wait as _Link;
    if (link.expire === undefined) return;
    this.#unlink(link);
    this.#leaveSlot(link.slot);
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

  #leaveSlot(slot: _Slot): void {
    if (--slot.pending > 0 || !slot.expired) return;
    if (this.#slot === slot) this.#slot = undefined;
    slot.controller?.abort(new DOMException("The deadline passed", "TimeoutError"));
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head !== undefined && this.#head.atMs <= now) {
      const link = this.#head;
      const expire = link.expire!;
      this.#unlink(link);
      link.slot.expired = true;
      expire();
      this.#leaveSlot(link.slot);
    }
    // Timers may fire a little early: never re-arm for less than a millisecond.
    if (this.#head !== undefined) this.#timer ??= setTimeout(this.#tick, Math.max(1, this.#head.atMs - now));
  };
}
