// postgresRepository alone: its options, what it does when the server is
// dead, silent, slow or drops the connection, the lazy schema and the
// prepared statement. The server tests use a throwaway database from
// ../_postgres.ts; the rows they expect are in ./fixtures/expected.ts.
import postgres from "postgres";
import t from "tap";
import { LISTING_SQL } from "../../lib/repository/_sql.ts";
import { DEMO_SYSTEM_USER, DEMO_UPTIMER_USER, DEMO_USER, seedDemoData } from "../../lib/repository/demo.ts";
import { postgresRepository } from "../../lib/repository/postgres.ts";
import { type RepositoryEvent, RepositoryUnavailableError } from "../../lib/repository/repository.ts";
import { applySchema } from "../../lib/repository/schema.ts";
import { testDatabase } from "../_postgres.ts";
import { assertSafe, EXPECTED, rejection, RESET_SQL, SECRET_URL } from "./fixtures/expected.ts";
import { openGate } from "./fixtures/gate.ts";

const server = await testDatabase(t);
if (server !== undefined) await applySchema((text) => server.sql.unsafe(text));

t.test("postgresRepository rejects an unknown option, a non-boolean applySchema and a bad bound", async (t) => {
  // Never queried, so it never connects.
  const sql = postgres(SECRET_URL, { max: 1 });
  t.teardown(() => sql.end({ timeout: 0 }));
  const bad: ReadonlyArray<readonly [unknown, string]> = [
    [{ applySchema: "yes" }, "postgresRepository: options.applySchema must be a boolean"],
    [{ applySchema: 1 }, "postgresRepository: options.applySchema must be a boolean"],
    [{ applySchema: null }, "postgresRepository: options.applySchema must be a boolean"],
    [{ applyschema: true }, "postgresRepository: options.applyschema is not an option"],
    [{ prepare: false }, "postgresRepository: options.prepare is not an option"],
    [null, "postgresRepository: options must be an object"],
    ["applySchema", "postgresRepository: options must be an object"],
    [{ maxRunning: 0 }, "postgresRepository: options.maxRunning must be from 1 to 10000"],
    [{ maxRunning: 1.5 }, "postgresRepository: options.maxRunning must be an integer"],
    [{ maxRunning: "10" }, "postgresRepository: options.maxRunning must be a number"],
    [{ maxWaiting: -1 }, "postgresRepository: options.maxWaiting must be from 1 to 1000000"],
    [{ maxWaiting: 2_000_000 }, "postgresRepository: options.maxWaiting must be from 1 to 1000000"],
  ];
  for (const [options, message] of bad) {
    t.throws(() => postgresRepository(sql, options as never), { name: "TypeError", message }, JSON.stringify(options));
  }
  for (const options of [undefined, {}, { applySchema: false }, { applySchema: true }, { applySchema: undefined }, { maxRunning: 1, maxWaiting: 1 }]) {
    t.doesNotThrow(() => postgresRepository(sql, options), JSON.stringify(options) ?? "undefined");
  }
});

t.test("postgres: a dead database rejects with RepositoryUnavailableError, safely worded", async (t) => {
  const sql = postgres(SECRET_URL, { connect_timeout: 2, max: 1, onnotice: () => {} });
  t.teardown(() => sql.end({ timeout: 0 }));
  for (const repository of [postgresRepository(sql), postgresRepository(sql, { applySchema: true })]) {
    const error = await rejection(repository.listForUser(DEMO_USER));
    assertSafe(t, error);
    t.equal(((error as Error).cause as { code?: unknown }).code, "ECONNREFUSED", "the driver's error is the cause");
  }
});

t.test("postgres: a dead database is down once; then calls are refused at once, one at a time trying it", async (t) => {
  const sql = postgres(SECRET_URL, { connect_timeout: 2, max: 2, onnotice: () => {} });
  t.teardown(() => sql.end({ timeout: 0 }));
  const repository = postgresRepository(sql);
  const events: RepositoryEvent[] = [];
  repository.watch?.((event) => events.push(event));
  const first = await rejection(repository.listForUser(DEMO_USER));
  assertSafe(t, first);
  t.strictSame(events, [{ event: "down", reason: "ECONNREFUSED" }]);
  const began = performance.now();
  const errors = await Promise.all(Array.from({ length: 5 }, () => rejection(repository.listForUser(DEMO_USER))));
  t.ok(performance.now() - began < 2000, "without waiting for a deadline");
  for (const error of errors) assertSafe(t, error);
  const refused = errors.filter((error) => (error as Error).cause === (first as Error).cause);
  t.equal(refused.length, 4, "one call tried the server; the others were refused with the error that took it down");
  t.strictSame(events, [{ event: "down", reason: "ECONNREFUSED" }], "logged once, not per call");
});

if (server !== undefined) t.test("postgres: a wrong database name is a configuration error, reported once a minute, never an outage", async (t) => {
  const base = new URL(server.url);
  base.pathname = `/lobby_missing_${crypto.randomUUID().replaceAll("-", "")}`;
  const sql = postgres(base.href, { connect_timeout: 2, max: 1, onnotice: () => {} });
  t.teardown(() => sql.end({ timeout: 0 }));
  const repository = postgresRepository(sql);
  const events: RepositoryEvent[] = [];
  repository.watch?.((event) => events.push(event));
  for (let i = 0; i < 3; i++) {
    const error = await rejection(repository.listForUser(DEMO_USER));
    t.notOk(error instanceof RepositoryUnavailableError, "not unavailable: a 500, which a retry will not cure");
    t.equal((error as { code?: unknown }).code, "3D000");
  }
  t.strictSame(events, [{ event: "error", code: "3D000", message: 'database "..." does not exist', repeated: 0 }]);
});

t.test("postgres: a server that never answers is a CONNECT_TIMEOUT, so unavailable", async (t) => {
  // Hanging, the gate takes connections and never says a word; it forwards nothing.
  const silent = await openGate({ host: "127.0.0.1", port: 1 });
  await silent.cut("hang");
  const sql = postgres(`postgres://lobby_user:s3cret-pa55@127.0.0.1:${silent.port}/lobby_db`, { connect_timeout: 1, max: 1 });
  t.teardown(async () => {
    await sql.end({ timeout: 0 });
    await silent.close();
  });
  const error = await rejection(postgresRepository(sql).listForUser(DEMO_USER));
  assertSafe(t, error);
  t.equal(((error as Error).cause as { code?: unknown }).code, "CONNECT_TIMEOUT");
});

if (server !== undefined) {
  const db = server;

  /** The demo rows and nothing else. */
  async function resetDemo(): Promise<void> {
    await db.sql.unsafe(RESET_SQL);
    await seedDemoData((text) => db.sql.unsafe(text));
  }

  t.test("postgres: a statement timeout is unavailable", async (t) => {
    await resetDemo();
    const sql = postgres(db.url, { max: 1, onnotice: () => {}, connection: { statement_timeout: 200 } });
    t.teardown(() => sql.end({ timeout: 5 }));
    await db.sql.begin(async (tx) => {
      await tx`LOCK TABLE lobby_listing IN ACCESS EXCLUSIVE MODE`;
      const error = await rejection(postgresRepository(sql).listForUser(DEMO_USER));
      assertSafe(t, error);
      t.equal(((error as Error).cause as { code?: unknown }).code, "57014");
    });
  });

  t.test("postgres: a backend terminated mid-query is unavailable, and the next call reconnects", async (t) => {
    await resetDemo();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    t.teardown(() => sql.end({ timeout: 5 }));
    const repository = postgresRepository(sql);
    const [backend] = await sql`SELECT pg_backend_pid() AS pid`;
    await db.sql.begin(async (tx) => {
      await tx`LOCK TABLE lobby_listing IN ACCESS EXCLUSIVE MODE`;
      const pending = rejection(repository.listForUser(DEMO_USER));
      while ((await tx`SELECT 1 FROM pg_stat_activity WHERE pid = ${backend?.pid} AND wait_event_type = 'Lock'`).length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await tx`SELECT pg_terminate_backend(${backend?.pid})`;
      assertSafe(t, await pending);
    });
    // postgres.js may hand the termination notice to the next query too.
    const next = await repository.listForUser(DEMO_UPTIMER_USER).catch((error: unknown) => error);
    if (next instanceof RepositoryUnavailableError) t.comment("the next call saw the termination");
    t.strictSame(await repository.listForUser(DEMO_UPTIMER_USER), EXPECTED[DEMO_UPTIMER_USER], "reconnected");
  });

  t.test("postgres: applySchema option applies the schema on the first call that reaches the server", async (t) => {
    const fresh = await testDatabase(t);
    if (fresh === undefined) return;
    // A port with nothing on it, until the gate to the real server opens again.
    const target = new URL(fresh.url);
    const gate = await openGate({ host: target.hostname, port: Number(target.port || 5432) });
    await gate.cut("refuse");
    const viaGate = new URL(fresh.url);
    viaGate.host = `127.0.0.1:${gate.port}`;
    const sql = postgres(viaGate.href, { max: 2, connect_timeout: 2, onnotice: () => {} });
    t.teardown(async () => {
      await sql.end({ timeout: 5 });
      await gate.close();
    });
    const sawItDown = postgresRepository(sql, { applySchema: true });

    assertSafe(t, await rejection(sawItDown.listForUser(DEMO_USER)));
    t.equal(await fresh.sql`SELECT to_regclass('workspaces') AS t`.then(([row]) => row?.t), null, "no schema yet");

    await gate.restore();
    // A repository that has seen no outage lets concurrent calls through
    // at once; one that found the database down sends one call at a time
    // until the server answers.
    const repository = postgresRepository(sql, { applySchema: true });
    const first = await Promise.all([1, 2, 3].map(() => repository.listForUser(DEMO_USER)));
    t.strictSame(first, [[], [], []], "concurrent first calls all succeed");
    t.strictSame(await sawItDown.listForUser(DEMO_USER), [], "the one that saw it down reaches the server with its next call");
    t.strictSame(await Promise.all([1, 2].map(() => sawItDown.listForUser(DEMO_USER))), [[], []], "and is back for all");
    await seedDemoData((text) => fresh.sql.unsafe(text));
    t.strictSame(await repository.listForUser(DEMO_USER), EXPECTED[DEMO_USER]);

    // Applied once: a table dropped now is an error, not silently recreated.
    await fresh.sql`DROP TABLE lobby_listing`;
    const error = await rejection(repository.listForUser(DEMO_USER));
    t.notOk(error instanceof RepositoryUnavailableError);
    t.equal((error as { code?: unknown }).code, "42P01");
  });

  t.test("postgres: the listing query is a prepared statement", async (t) => {
    await resetDemo();
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    t.teardown(() => sql.end({ timeout: 5 }));
    const repository = postgresRepository(sql);
    await repository.listForUser(DEMO_USER);
    await repository.listForUser(DEMO_SYSTEM_USER);
    const prepared = await sql`SELECT count(*)::int4 AS n FROM pg_prepared_statements WHERE statement = ${LISTING_SQL}`;
    t.equal(prepared[0]?.n, 1, "one statement, reused");
    const unprepared = postgres(db.url, { max: 1, prepare: false, onnotice: () => {} });
    t.teardown(() => unprepared.end({ timeout: 5 }));
    t.strictSame(await postgresRepository(unprepared).listForUser(DEMO_USER), EXPECTED[DEMO_USER], "prepare: false");
    const none = await unprepared`SELECT count(*)::int4 AS n FROM pg_prepared_statements`;
    t.equal(none[0]?.n, 0, "a client made with prepare: false prepares nothing");
  });
}
