/**
 * A repair of postgres.js 3.4's connection pool, reached through the one
 * hook postgres.js offers into it.
 *
 * postgres.js keeps its connections in queues (`open`, `busy`, `full`, …)
 * made by `src/queue.js`, whose `shift()` only advances an index and
 * leaves a hole behind, whose array is reset only once it drains empty,
 * and whose `remove(x)` is an `indexOf` from the start. The pool moves a
 * connection with `shift()` and then `remove()` of the same connection, so
 * while some connections stay busy the `busy` and `open` arrays grow by a
 * slot per query and every `remove()` scans all the holes: a long-lived
 * server slows down query by query (`bench/postgres-queue.md` has the
 * measurement, the upstream patch and its test case).
 *
 * A query's `onexecute` option is called with the connection that sends
 * it, whose `queue` is the pool queue it is in. {@link repairPoolQueue}
 * replaces that queue's four members, in place, with a queue that behaves
 * the same (first in, first out; `remove` by identity; `length`) and keeps
 * its array compact: it drops the consumed slots once they are half of it,
 * and looks for `remove`'s element among the live slots only. Queues are
 * replaced once each; anything else is left alone.
 *
 * @module
 */

/** The members of a postgres.js 3.4 queue. */
interface PoolQueue {
  readonly length: number;
  push(item: unknown): unknown;
  shift(): unknown;
  remove(item: unknown): unknown;
}

const repaired = new WeakSet<object>();

/** The slots a queue's array may waste at least before it is compacted. */
const SLACK = 32;

/**
 * Repairs the pool queue `connection` is in, once (see the module
 * documentation); for a query's `onexecute` option, whose `true` tells
 * postgres.js to go on as it would without the option.
 *
 * @param connection What postgres.js passes to `onexecute`.
 * @returns `true`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolQueueCapacity, repairPoolQueue } from "./_pool_queue.ts";
 * // A queue as postgres.js 3.4 makes it (src/queue.js), shortened.
 * let xs: unknown[] = [];
 * let index = 0;
 * const queue = {
 *   get length() { return xs.length - index; },
 *   remove: (x: unknown) => { const i = xs.indexOf(x); return i === -1 ? null : (xs.splice(i, 1), x); },
 *   push: (x: unknown) => (xs.push(x), x),
 *   shift: () => { const out = xs[index++]; if (index === xs.length) { index = 0; xs = []; } else xs[index - 1] = undefined; return out; },
 * };
 * queue.push("connection 1");
 * queue.push("connection 2");
 * repairPoolQueue({ queue });
 * for (let i = 0; i < 10_000; i++) {
 *   // What the pool does with a connection it takes and gives back.
 *   const connection = queue.shift();
 *   queue.remove(connection);
 *   queue.push(connection);
 * }
 * assert.equal(queue.length, 2);
 * assert.ok(poolQueueCapacity(queue)! <= 64);
 * ```
 */
export function repairPoolQueue(connection: unknown): true {
  const queue = (connection as { queue?: unknown } | null | undefined)?.queue;
  if (typeof queue === "object" && queue !== null && !repaired.has(queue) && isPoolQueue(queue)) repair(queue);
  return true;
}

/**
 * The size of a repaired queue's array, live and consumed slots together
 * (for tests), or `undefined` for a queue not repaired.
 *
 * @param queue A queue.
 * @returns The array's length.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { poolQueueCapacity } from "./_pool_queue.ts";
 * assert.equal(poolQueueCapacity({}), undefined);
 * ```
 */
export function poolQueueCapacity(queue: object): number | undefined {
  return capacities.get(queue)?.();
}

const capacities = new WeakMap<object, () => number>();

function isPoolQueue(queue: object): queue is PoolQueue {
  const q = queue as Partial<Record<keyof PoolQueue, unknown>>;
  return typeof q.push === "function" && typeof q.shift === "function" && typeof q.remove === "function" && typeof q.length === "number";
}

function repair(queue: PoolQueue): void {
  // What the queue holds now, in order, through its own shift().
  let items: unknown[] = [];
  for (let left = queue.length; left > 0; left--) items.push(queue.shift());
  let head = 0;
  const members: PropertyDescriptorMap = {
    length: { get: () => items.length - head, configurable: true, enumerable: true },
    push: {
      value: (item: unknown) => (items.push(item), item),
      writable: true,
      configurable: true,
      enumerable: true,
    },
    shift: {
      value: () => {
        if (head >= items.length) return undefined;
        const out = items[head];
        items[head++] = undefined;
        if (head === items.length) {
          items = [];
          head = 0;
        } else if (head >= SLACK && head * 2 >= items.length) {
          items = items.slice(head);
          head = 0;
        }
        return out;
      },
      writable: true,
      configurable: true,
      enumerable: true,
    },
    remove: {
      value: (item: unknown) => {
        const at = items.indexOf(item, head);
        if (at === -1) return null;
        items.splice(at, 1);
        return item;
      },
      writable: true,
      configurable: true,
      enumerable: true,
    },
  };
  Object.defineProperties(queue, members);
  repaired.add(queue);
  capacities.set(queue, () => items.length);
}
