// postgres.js 3.4's pool queues grow by a slot per query under steady load
// (src/queue.js: shift leaves a hole, remove is an indexOf from the start):
// the defect itself, on postgres.js's own queue, then lobby's repair of the
// queues of a client an embedder made with default options, under a
// steady load through postgresRepository on a real server.
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import t from "tap";
import { poolQueueCapacity, repairPoolQueue } from "../../lib/repository/_pool_queue.ts";
import { postgresRepository } from "../../lib/repository/postgres.ts";
import { applySchema } from "../../lib/repository/schema.ts";
import { testDatabase } from "../_postgres.ts";

interface Queue {
  readonly length: number;
  push(item: unknown): unknown;
  shift(): unknown;
  remove(item: unknown): unknown;
}

// postgres.js's own queue, by path (its package exports only its entry).
const queueFile = fileURLToPath(new URL("../../node_modules/postgres/src/queue.js", import.meta.url));
const { default: Queue } = (await import(queueFile)) as { default: () => Queue };

/** The pool's moves: take a connection with shift(), then move() removes it from the queue it was taken from, and gives it back. */
function churn(queue: Queue, rounds: number): void {
  for (let i = 0; i < rounds; i++) {
    const connection = queue.shift();
    queue.remove(connection);
    queue.push(connection);
  }
}

/** Nanoseconds per remove() of something the queue does not hold (what move() does after shift()), the least of 5 batches. */
function removeCost(queue: Queue): number {
  const missing = {};
  let least = Infinity;
  for (let batch = 0; batch < 5; batch++) {
    const started = performance.now();
    for (let i = 0; i < 200; i++) queue.remove(missing);
    least = Math.min(least, ((performance.now() - started) * 1e6) / 200);
  }
  return least;
}

t.test("postgres.js's queue grows under the pool's moves (the defect lobby repairs)", async (t) => {
  const fresh = Queue();
  const grown = Queue();
  for (const queue of [fresh, grown]) {
    queue.push("connection 1");
    queue.push("connection 2");
  }
  churn(grown, 30_000);
  t.equal(grown.length, 2, "still two connections");
  const [before, after] = [removeCost(fresh), removeCost(grown)];
  t.ok(after > 20 * before, `remove() scans the holes: ${before.toFixed(0)} ns fresh, ${after.toFixed(0)} ns after 30,000 moves ` +
    "(when an upgrade of postgres.js makes this fail, the repair in lib/repository/_pool_queue.ts can go)");
});

t.test("repairPoolQueue keeps a postgres.js queue's order and contents, and its array compact", async (t) => {
  const queue = Queue();
  for (const item of ["a", "b", "c"]) queue.push(item);
  queue.shift();
  t.equal(repairPoolQueue({ queue }), true, "true, for onexecute");
  t.equal(queue.length, 2);
  queue.push("d");
  t.equal(queue.remove("c"), "c");
  t.equal(queue.remove("c"), null, "null for what it does not hold");
  t.strictSame([queue.shift(), queue.shift(), queue.shift(), queue.length], ["b", "d", undefined, 0]);
  for (const item of ["e", "f"]) queue.push(item);
  churn(queue, 400_000);
  t.equal(queue.length, 2);
  t.ok(poolQueueCapacity(queue)! <= 64, `capacity ${poolQueueCapacity(queue)} after 400,000 moves`);
  t.ok(removeCost(queue) < 20 * removeCost(Queue()) + 2000, "remove() costs what it does on a fresh queue");
  repairPoolQueue({ queue });
  t.equal(queue.length, 2, "repaired once");
  for (const odd of [undefined, null, {}, { queue: null }, { queue: { push: 1 } }]) t.equal(repairPoolQueue(odd), true);
});

t.test("postgresRepository repairs the pool of a client made with postgres.js's defaults, under steady load", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  await applySchema((text) => db.sql.unsafe(text));
  // As an embedder makes it: default pool, pipelining on.
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  t.teardown(() => sql.end({ timeout: 5 }));
  const repository = postgresRepository(sql);
  const seen = new Set<object>();
  const spy = (connection: unknown) => {
    const queue = (connection as { queue?: unknown }).queue;
    if (typeof queue === "object" && queue !== null) seen.add(queue);
    return true;
  };
  let sent = 0;
  const loop = async () => {
    while (sent < 20_000) {
      sent++;
      // Versions go out in batches (two at most at once), listings one by
      // one: together they pass through every connection of the pool.
      if (sent % 2 === 0) await repository.listingVersion!(`user-${sent % 100}`);
      else await repository.listForUser(`user-${sent % 100}`);
      if (sent % 500 === 0) await sql.unsafe("SELECT 1", [], { onexecute: spy } as never);
    }
  };
  await Promise.all(Array.from({ length: 12 }, loop));
  const queues = [...seen];
  t.ok(queues.length >= 1, `${queues.length} pool queues seen`);
  const capacities = queues.map((queue) => poolQueueCapacity(queue));
  t.ok(capacities.every((capacity) => capacity !== undefined), "every queue a query went through is repaired");
  t.ok(capacities.every((capacity) => capacity! <= 64), `and compact after 20,000 queries (${capacities.join(", ")})`);
});

t.test("with prepare: false the repository repairs the pool through a probe without parameters", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  await applySchema((text) => db.sql.unsafe(text));
  // As PgBouncer in transaction mode needs it; a partial load, so that a connection stays idle.
  const sql = postgres(db.url, { max: 4, prepare: false, onnotice: () => {} });
  t.teardown(() => sql.end({ timeout: 5 }));
  const repository = postgresRepository(sql);
  let sent = 0;
  const loop = async () => {
    while (sent < 4000) {
      sent++;
      // Versions go out in batches (two at most at once), listings one by
      // one: together they pass through every connection of the pool.
      if (sent % 2 === 0) await repository.listingVersion!(`user-${sent % 100}`);
      else await repository.listForUser(`user-${sent % 100}`);
    }
  };
  await Promise.all([loop(), loop()]);
  let open: object | undefined;
  await sql.unsafe("SELECT 1", [], {
    onexecute: (connection: { queue: object }) => ((open = connection.queue), true),
  } as never);
  t.ok(open !== undefined && poolQueueCapacity(open) !== undefined, "the queue of idle connections is repaired");
});
