/**
 * What stands between lobby's repositories and their driver: a bounded
 * number of listings sent to the database, a bounded queue in front of
 * them, and a circuit breaker that refuses at once while the database is
 * down instead of letting every request wait for its deadline.
 *
 * @module
 */
import { errorCode, type RepositoryEvents } from "./_events.ts";
import { isUnavailableError } from "./is_unavailable_error.ts";
import { RepositoryUnavailableError } from "./repository.ts";

/**
 * Options of a {@link Breaker}.
 *
 * @example
 * ```ts
 * import { RepositoryEvents } from "./_events.ts";
 * import type { BreakerOptions } from "./_breaker.ts";
 * const options: BreakerOptions = { maxRunning: 20, maxWaiting: 100, events: new RepositoryEvents() };
 * ```
 */
export interface BreakerOptions {
  /** How many listings may be with the driver at once. */
  readonly maxRunning: number;
  /** How many more may wait for one of those places; beyond it, refused. */
  readonly maxWaiting: number;
  /** Where `down`, `up` and `error` events go. */
  readonly events: RepositoryEvents;
  /** A monotonic clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

interface _Call {
  readonly signal: AbortSignal | undefined;
  /** The breaker's `#epoch` when it went to the driver. */
  epoch: number;
  /** The breaker's `#answers` when it went to the driver. */
  answers: number;
  /** Whether its signal aborted while it was with the driver. */
  aborted: boolean;
}

// A call waiting for a place, with the promise its caller holds.
interface _Waiting extends _Call {
  readonly task: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Server errors that say the server is going away or refuses sessions: an outage although it answered. */
const GOING_AWAY = new Set(["57P01", "57P02", "57P03", "53300"]);

/**
 * Guards one repository's listings. The rules, in order:
 *
 * - **Cancelled before sent.** A call whose `signal` aborts while it
 *   waits leaves the queue, never reaches the database, and rejects with
 *   the signal's reason. One already sent is left to the driver and the
 *   server's `statement_timeout` (postgres.js 3.4's `cancel()` can leak the
 *   pool's connection or reject unhandled): it settles, and keeps its
 *   place, until the driver settles it.
 * - **Bounded.** At most `maxRunning` calls are with the driver and
 *   `maxWaiting` wait for a place, first come first served; a call beyond
 *   both is refused with {@link RepositoryUnavailableError} and reported
 *   (`QUEUE_FULL`, once a minute).
 * - **Down.** The database is taken to be down when a call that was sent
 *   after it last came back fails with a connection error (what
 *   `isUnavailableError` says, but not an error the server sent itself, such
 *   as a statement timeout, unless it says the server is going away or
 *   takes no more sessions: `57P01`–`57P03`, `53300`), or when its signal
 *   aborts with a `TimeoutError` while nothing was heard from the database
 *   since it was sent. Then a `down` event; the waiting calls are refused,
 *   and so is every new call, except one at a time, which is sent to try
 *   the database (the probe is a real listing, so no timer runs and no
 *   extra query is sent while nobody asks; its place frees when it fails
 *   or its signal aborts).
 * - **Up.** Any answer from the server (rows, or an SQL error) ends the
 *   outage: an `up` event with how many calls were refused or failed as
 *   unavailable meanwhile and how long it lasted.
 * - **Other errors** go to the caller unchanged and are reported once per
 *   distinct error per minute; a statement timeout reaches the caller as a
 *   {@link RepositoryUnavailableError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Breaker } from "./_breaker.ts";
 * import { RepositoryEvents } from "./_events.ts";
 * import { RepositoryUnavailableError } from "./repository.ts";
 * const events = new RepositoryEvents();
 * const seen: string[] = [];
 * events.watch((event) => seen.push(event.event));
 * const breaker = new Breaker({ maxRunning: 2, maxWaiting: 2, events });
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * await assert.rejects(breaker.run(undefined, () => Promise.reject(refused)), RepositoryUnavailableError);
 * assert.equal(await breaker.run(undefined, () => Promise.resolve("rows")), "rows");
 * assert.deepEqual(seen, ["down", "up"]);
 * ```
 */
export class Breaker {
  readonly #maxRunning: number;
  readonly #maxWaiting: number;
  readonly #events: RepositoryEvents;
  readonly #now: () => number;
  readonly #running = new Set<_Call>();
  readonly #waiting = new Set<_Waiting>();
  readonly #watched = new WeakSet<AbortSignal>();
  #up = true;
  /** How many times the database came back: a failure of a call sent before it last did is old news. */
  #epoch = 0;
  /** How many answers the database has given: a count, so that no clock is read per call. */
  #answers = 0;
  #downSince = 0;
  #downCause: unknown;
  #refused = 0;
  /** The call trying the database while it is down. */
  #probe: _Call | undefined;

  /** @param options See {@link BreakerOptions}. */
  constructor(options: BreakerOptions) {
    this.#maxRunning = options.maxRunning;
    this.#maxWaiting = options.maxWaiting;
    this.#events = options.events;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Whether the database is taken to be up. */
  get up(): boolean {
    return this.#up;
  }

  /** How many calls are with the driver. */
  get running(): number {
    return this.#running.size;
  }

  /** How many calls wait for a place. */
  get waiting(): number {
    return this.#waiting.size;
  }

  /**
   * Runs `task` (one listing through the driver) under the rules above.
   *
   * @param signal The caller's, or `undefined`.
   * @param task Sends the listing; called at most once, maybe later.
   * @returns What `task` resolves with, once the driver settles it.
   * @throws {RepositoryUnavailableError} When refused or unreachable; the
   *   signal's reason if it aborts before the call is sent; `task`'s other
   *   errors unchanged.
   */
  run<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (!this.#up) {
      if (this.#probe !== undefined || this.#running.size >= this.#maxRunning) return this.#refuse(this.#downCause);
      const probe: _Call = { signal, epoch: 0, answers: 0, aborted: false };
      this.#probe = probe;
      return this.#send(probe, task);
    }
    if (this.#running.size < this.#maxRunning && this.#waiting.size === 0) return this.#send({ signal, epoch: 0, answers: 0, aborted: false }, task);
    if (this.#waiting.size >= this.#maxWaiting) {
      const full = Object.assign(new Error("Too many listings wait for the database"), { code: "QUEUE_FULL" });
      this.#events.reportError(full);
      return Promise.reject(new RepositoryUnavailableError({ cause: full }));
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.add({ signal, epoch: 0, answers: 0, aborted: false, task, resolve: resolve as (value: unknown) => void, reject });
      this.#listen(signal);
    });
  }

  #send<T>(call: _Call, task: () => Promise<T>): Promise<T> {
    call.epoch = this.#epoch;
    call.answers = this.#answers;
    this.#running.add(call);
    this.#listen(call.signal);
    let sent: Promise<T>;
    try {
      sent = task();
    } catch (error) {
      sent = Promise.reject(error);
    }
    return sent.then(
      (value) => {
        this.#running.delete(call);
        this.#heard();
        this.#next();
        return value;
      },
      (error: unknown) => {
        this.#running.delete(call);
        const answer = this.#failed(call, error);
        this.#next();
        throw answer;
      },
    );
  }

  // One listener per signal: callers that share one (the handler's
  // deadlines do) pay for a single listener between them.
  #listen(signal: AbortSignal | undefined): void {
    if (signal === undefined || this.#watched.has(signal)) return;
    this.#watched.add(signal);
    signal.addEventListener("abort", () => this.#aborted(signal), { once: true });
  }

  // What a failed call rejects with, after what it says of the database.
  #failed(call: _Call, error: unknown): unknown {
    if (this.#probe === call) this.#probe = undefined;
    if (isUnavailableError(error) && (isGoingAway(error) || !answeredBy(error))) {
      if (this.#up && call.epoch === this.#epoch) this.#down(error);
      if (!this.#up) this.#refused++;
      return unavailable(error);
    }
    if (answeredBy(error)) this.#heard();
    this.#events.reportError(error);
    return isUnavailableError(error) ? unavailable(error) : error;
  }

  // The server answered: the database is up, if it was down.
  #heard(): void {
    this.#answers++;
    if (this.#up) return;
    this.#up = true;
    this.#epoch++;
    this.#probe = undefined;
    this.#events.emit({ event: "up", refused: this.#refused, durationMs: Math.round(this.#now() - this.#downSince) });
  }

  #down(cause: unknown): void {
    this.#up = false;
    this.#downSince = this.#now();
    this.#downCause = cause;
    this.#refused = 0;
    this.#events.emit({ event: "down", reason: errorCode(cause) });
    for (const call of this.#waiting) {
      this.#refused++;
      call.reject(unavailable(cause));
    }
    this.#waiting.clear();
  }

  #refuse(cause: unknown): Promise<never> {
    this.#refused++;
    return Promise.reject(unavailable(cause));
  }

  #next(): void {
    while (this.#up && this.#waiting.size > 0 && this.#running.size < this.#maxRunning) {
      const next = this.#waiting.values().next().value!;
      this.#waiting.delete(next);
      this.#send(next, next.task).then(next.resolve, next.reject);
    }
  }

  #aborted(signal: AbortSignal): void {
    const reason: unknown = signal.reason;
    for (const call of this.#waiting) {
      if (call.signal !== signal) continue;
      this.#waiting.delete(call);
      call.reject(reason);
    }
    const timedOut = (reason as { name?: unknown } | undefined)?.name === "TimeoutError";
    for (const call of this.#running) {
      if (call.signal !== signal || call.aborted) continue;
      call.aborted = true;
      // The probe's place frees when its caller gives up.
      if (this.#probe === call) this.#probe = undefined;
      if (timedOut && this.#up && this.#answers === call.answers && call.epoch === this.#epoch) {
        this.#down(Object.assign(new Error("The database answered nothing before the deadline"), { code: "NO_ANSWER" }));
      }
    }
  }
}

function unavailable(cause: unknown): RepositoryUnavailableError {
  return cause instanceof RepositoryUnavailableError ? cause : new RepositoryUnavailableError({ cause });
}

// An ErrorResponse from the server: postgres.js and PGlite both give it a severity.
function answeredBy(error: unknown): boolean {
  return typeof (error as { severity?: unknown } | null)?.severity === "string";
}

function isGoingAway(error: unknown): boolean {
  return GOING_AWAY.has(errorCode(error));
}
