/**
 * Listing-version lookups sent together: what keeps a version lookup per
 * request from costing a database round trip per request.
 *
 * A lookup asked while fewer than `maxBatches` batches are with the
 * database is sent at once, alone; one asked while they are all out waits
 * for the next batch, which leaves as soon as one comes back and carries
 * every lookup that waited, one index range each, in one statement. A
 * batch is sent after each of its lookups was asked, so each version is
 * read by a statement that started after its request arrived: never older
 * than what had committed by then. A batch whose deadline (its first
 * lookup's signal) passes gives its place to the next one, so a database
 * that hangs holds no lookup beyond its own deadline; and while `bypass()`
 * says so (the circuit breaker is open) each lookup goes to `read` at once,
 * alone, to be refused there without waiting.
 *
 * @module
 */

/** One lookup waiting for its batch. */
interface _Waiter {
  readonly userId: string;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (version: string) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads the versions of some users in one statement: a map from each user
 * id given to its version.
 */
export type VersionsReader = (userIds: readonly string[], signal: AbortSignal | undefined) => Promise<ReadonlyMap<string, string>>;

/**
 * Batches version lookups over a {@link VersionsReader} (see the module
 * documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { VersionBatcher } from "./_version_batch.ts";
 * const sent: string[][] = [];
 * const batcher = new VersionBatcher((users) => {
 *   sent.push([...users]);
 *   return Promise.resolve(new Map(users.map((user) => [user, `1.${user.length}`])));
 * }, 1);
 * const versions = await Promise.all(["a", "bb", "ccc", "bb"].map((user) => batcher.lookup(user, undefined)));
 * assert.deepEqual(versions, ["1.1", "1.2", "1.3", "1.2"]);
 * assert.deepEqual(sent, [["a"], ["bb", "ccc"]]); // the first alone, the rest together
 * ```
 */
export class VersionBatcher {
  readonly #read: VersionsReader;
  readonly #maxBatches: number;
  readonly #bypass: () => boolean;
  #waiting: _Waiter[] = [];
  #out = 0;
  readonly #watched = new WeakSet<AbortSignal>();

  /**
   * @param read Reads a batch.
   * @param maxBatches How many batches may be with the database at once.
   * @param bypass Whether to send each lookup at once, alone (default never).
   */
  constructor(read: VersionsReader, maxBatches: number, bypass: () => boolean = () => false) {
    this.#read = read;
    this.#maxBatches = maxBatches;
    this.#bypass = bypass;
  }

  /**
   * The version of `userId`, read by a statement sent after this call.
   *
   * @param userId The user.
   * @param signal Aborts the lookup while it waits for its batch (with the
   *   signal's reason); once sent, it is left to finish.
   * @returns The version.
   */
  lookup(userId: string, signal: AbortSignal | undefined): Promise<string> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#bypass()) return this.#alone(userId, signal);
    return new Promise<string>((resolve, reject) => {
      this.#waiting.push({ userId, signal, resolve, reject });
      if (signal !== undefined && !this.#watched.has(signal)) {
        this.#watched.add(signal);
        signal.addEventListener("abort", () => this.#aborted(signal), { once: true });
      }
      if (this.#out < this.#maxBatches) this.#send();
    });
  }

  async #alone(userId: string, signal: AbortSignal | undefined): Promise<string> {
    const version = (await this.#read([userId], signal)).get(userId);
    if (version === undefined) throw new Error("The version lookup returned no row for a user it was asked for");
    return version;
  }

  #send(): void {
    const batch = this.#waiting;
    if (batch.length === 0) return;
    this.#waiting = [];
    this.#out++;
    // Its place frees when it settles, or when its deadline passes first.
    let placed = true;
    const free = () => {
      if (!placed) return;
      placed = false;
      this.#out--;
      this.#send();
    };
    // Removed when the batch settles: a caller may pass one signal to many lookups.
    const deadline = batch[0]!.signal;
    deadline?.addEventListener("abort", free, { once: true });
    const users = [...new Set(batch.map((waiter) => waiter.userId))];
    let sent: Promise<ReadonlyMap<string, string>>;
    try {
      // The first lookup's deadline stands for the batch's: they began within a batch of each other.
      sent = this.#read(users, deadline);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (versions) => {
        for (const waiter of batch) {
          const version = versions.get(waiter.userId);
          if (version === undefined) waiter.reject(new Error("The version lookup returned no row for a user it was asked for"));
          else waiter.resolve(version);
        }
      },
      (error: unknown) => {
        for (const waiter of batch) waiter.reject(error);
      },
    ).finally(() => {
      deadline?.removeEventListener("abort", free);
      free();
    });
  }

  #aborted(signal: AbortSignal): void {
    const kept: _Waiter[] = [];
    for (const waiter of this.#waiting) {
      if (waiter.signal === signal) waiter.reject(signal.reason);
      else kept.push(waiter);
    }
    this.#waiting = kept;
  }
}
