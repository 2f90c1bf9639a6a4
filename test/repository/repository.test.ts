// The repository contract, run against both drivers: PGlite (one in-memory
// instance for the whole file, reset with TRUNCATE between cases) and a real
// Postgres server (a throwaway database from ../_postgres.ts). Then the read
// model lobby_listing, which applySchema keeps and both drivers list from,
// against every write other systems make. What only one driver has is in
// postgres.test.ts and embedded.test.ts.
import postgres from "postgres";
import t, { type Test } from "tap";
import { LISTING_SQL } from "../../lib/repository/_sql.ts";
import {
  DEMO_EMPTY_USER,
  DEMO_SQL,
  DEMO_SYSTEM_USER,
  DEMO_UPTIMER_USER,
  DEMO_USER,
  seedDemoData,
} from "../../lib/repository/demo.ts";
import { openEmbeddedDatabase } from "../../lib/repository/embedded.ts";
import { pgliteRepository } from "../../lib/repository/pglite.ts";
import { postgresRepository } from "../../lib/repository/postgres.ts";
import { type RepositoryEvent, RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";
import { applySchema, SCHEMA_SQL, SCHEMA_STEPS } from "../../lib/repository/schema.ts";
import { testDatabase } from "../_postgres.ts";
import {
  assertSafe,
  DEMO_USERS,
  DEVELOPMENT,
  DROP_SQL,
  EXPECTED,
  EXTRA_SQL,
  EXTRA_USERS,
  FIELDS,
  PRODUCTION,
  rejection,
  RESET_SQL,
} from "./fixtures/expected.ts";

// ---------------------------------------------------------------------------
// The two drivers.

interface Driver {
  readonly name: string;
  readonly repository: WorkspaceRepository;
  /** Runs a SQL text as one message, as applySchema and seedDemoData do. */
  readonly run: (text: string) => Promise<unknown>;
  /** Runs one query and returns its rows. */
  readonly rows: (text: string) => Promise<readonly Record<string, unknown>[]>;
}

const embedded = await openEmbeddedDatabase(undefined);
t.teardown(async () => {
  if (!embedded.closed) await embedded.close();
});
const pglite: Driver = {
  name: "pglite",
  repository: pgliteRepository(embedded),
  run: (text) => embedded.exec(text),
  rows: async (text) => (await embedded.query<Record<string, unknown>>(text)).rows,
};

const server = await testDatabase(t);
if (server !== undefined) await applySchema((text) => server.sql.unsafe(text));
const serverDriver: Driver | undefined = server && {
  name: "postgres",
  repository: postgresRepository(server.sql),
  run: (text) => server.sql.unsafe(text),
  rows: async (text) => Array.from(await server.sql.unsafe(text)),
};
const drivers: Driver[] = serverDriver === undefined ? [pglite] : [pglite, serverDriver];

async function resetDemo(driver: Driver): Promise<void> {
  await driver.run(RESET_SQL);
  await seedDemoData(driver.run);
}

async function counts(driver: Driver): Promise<Record<string, unknown>> {
  const [row] = await driver.rows(`SELECT
    (SELECT count(*)::int4 FROM institutions) AS institutions,
    (SELECT count(*)::int4 FROM workspaces) AS workspaces,
    (SELECT count(*)::int4 FROM workspace_members) AS members`);
  return { ...row };
}

// ---------------------------------------------------------------------------
// The contract, for each driver.

for (const driver of drivers) {
  const { repository } = driver;

  t.test(`${driver.name}: applySchema is idempotent and keeps existing rows`, async (t) => {
    await resetDemo(driver);
    await applySchema(driver.run);
    await applySchema(driver.run);
    t.same(await counts(driver), { institutions: 1, workspaces: 6, members: 10 });
    t.strictSame(await repository.listForUser(DEMO_USER), EXPECTED[DEMO_USER]);
  });

  t.test(`${driver.name}: seedDemoData is idempotent`, async (t) => {
    await resetDemo(driver);
    await seedDemoData(driver.run);
    await seedDemoData(driver.run);
    t.same(await counts(driver), { institutions: 1, workspaces: 6, members: 10 });
  });

  t.test(`${driver.name}: listForUser returns each demo user's rows, field for field`, async (t) => {
    await resetDemo(driver);
    for (const user of DEMO_USERS) {
      const rows = await repository.listForUser(user);
      t.strictSame(rows, EXPECTED[user], user);
      t.equal(Object.getPrototypeOf(rows), Array.prototype, `${user}: a plain array`);
      for (const row of rows) {
        t.equal(Object.getPrototypeOf(row), Object.prototype, `${user} ${row.bizId}: a plain object`);
        t.strictSame(Object.keys(row).sort(), FIELDS, `${user} ${row.bizId}: exactly the fields`);
      }
    }
  });

  t.test(`${driver.name}: listForUser orders by createdAt, then bizId in byte order`, async (t) => {
    await resetDemo(driver);
    await driver.run(EXTRA_SQL);
    const rows = await repository.listForUser("tie-user");
    t.strictSame(rows.map((row) => row.bizId), ["zz_first", "WS_C", "Ws_d", "ws_a", "ws_b", "aa_later"]);
    t.equal(rows[5]?.createdAt.getTime(), rows[4]?.createdAt.getTime(), "a microsecond later is the same Date");
  });

  t.test(`${driver.name}: listForUser never lists soft-deleted workspaces`, async (t) => {
    await resetDemo(driver);
    const listed = (await repository.listForUser(DEMO_USER)).map((row) => row.bizId);
    t.notOk(listed.includes("WS_RETIRED_001"), "the demo's deleted workspace");
    await driver.run("UPDATE workspaces SET deleted_at = now() WHERE biz_id = 'ws_123456'");
    t.strictSame(await repository.listForUser(DEMO_UPTIMER_USER), [{ ...DEVELOPMENT, role: "member" }]);
  });

  t.test(`${driver.name}: listForUser never returns other users' rows`, async (t) => {
    await resetDemo(driver);
    await driver.run(`INSERT INTO workspace_members (user_id, workspace_id, role)
      SELECT 'stranger', id, 'owner' FROM workspaces WHERE biz_id = 'ws_789012'`);
    t.strictSame(await repository.listForUser("stranger"), [{ ...DEVELOPMENT, role: "owner" }]);
    t.strictSame(await repository.listForUser(DEMO_UPTIMER_USER), EXPECTED[DEMO_UPTIMER_USER], "own role kept");
    for (const user of ["DEMO-USER", "demo-user ", " demo-user", "demo", ""]) {
      t.strictSame(await repository.listForUser(user), [], JSON.stringify(user));
    }
  });

  t.test(`${driver.name}: listForUser treats SQL in the user id as data`, async (t) => {
    await resetDemo(driver);
    for (const user of ["' OR 1=1 --", "demo-user' --", "demo-user'; DROP TABLE workspaces; --", "%", "_"]) {
      t.strictSame(await repository.listForUser(user), [], user);
    }
    t.same(await counts(driver), { institutions: 1, workspaces: 6, members: 10 });
  });

  t.test(`${driver.name}: listForUser returns unknown status and kind values as numbers`, async (t) => {
    await resetDemo(driver);
    await driver.run(EXTRA_SQL);
    const [row] = await repository.listForUser("odd-user");
    t.equal(row?.status, 10010799);
    t.equal(row?.kind, 0);
    t.equal(row?.role, "owner");
  });

  t.test(`${driver.name}: listForUser reads tables other systems made with other types`, async (t) => {
    await driver.run(DROP_SQL);
    t.teardown(async () => {
      await driver.run(DROP_SQL);
      await applySchema(driver.run);
    });
    // Another system makes the tables and writes a row before lobby's
    // migration runs (backfilled), then one after it (seen by the triggers).
    await driver.run(`
      CREATE TABLE institutions (biz_id varchar(64) PRIMARY KEY, name varchar(200) NOT NULL);
      CREATE TABLE workspaces (
        id serial PRIMARY KEY, biz_id varchar(64) NOT NULL UNIQUE, institution_biz_id varchar(64) NOT NULL,
        entity_biz_id varchar(64), name varchar(200) NOT NULL, timezone varchar(64) NOT NULL,
        status bigint NOT NULL, kind numeric(10, 0) NOT NULL, extra_data jsonb,
        created_at timestamp(3) NOT NULL, updated_at timestamptz(0) NOT NULL, deleted_at timestamp);
      CREATE TABLE workspace_members (user_id varchar(64), workspace_id int, role varchar(16));
      INSERT INTO institutions VALUES ('INST_V', 'Variant');
      INSERT INTO workspaces (biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, extra_data,
        created_at, updated_at)
        VALUES ('ws_v', 'INST_V', 'ENT_V', 'Variant', 'UTC', 10010702, 10010802, '{"b": [1, 2], "a": null}',
        '2026-03-22 10:30:00', '2026-03-22T10:30:00Z');
      INSERT INTO workspace_members SELECT 'variant-user', id, 'owner' FROM workspaces;
    `);
    await applySchema(driver.run);
    await driver.run(`INSERT INTO workspace_members SELECT 'variant-later', id, 'member' FROM workspaces`);
    for (const [user, role] of [["variant-user", "owner"], ["variant-later", "member"]] as const) {
      const [row] = await repository.listForUser(user);
      t.ok(row, `${user} listed`);
      if (row === undefined) return;
      t.strictSame(
        { ...row, createdAt: undefined },
        {
          bizId: "ws_v",
          institutionBizId: "INST_V",
          entityBizId: "ENT_V",
          name: "Variant",
          timezone: "UTC",
          status: 10010702,
          kind: 10010802,
          extraData: "{\"a\": null, \"b\": [1, 2]}",
          createdAt: undefined,
          updatedAt: new Date("2026-03-22T10:30:00Z"),
          role,
        },
        user,
      );
      // A zone-less timestamp is read in the writing session's time zone.
      t.ok(row.createdAt instanceof Date && !Number.isNaN(row.createdAt.getTime()), "createdAt is a valid Date");
    }
  });

  t.test(`${driver.name}: listForUser rethrows errors other than connectivity as they are`, async (t) => {
    await resetDemo(driver);
    t.teardown(async () => {
      await applySchema(driver.run);
    });
    const events: RepositoryEvent[] = [];
    repository.watch?.((event) => events.push(event));
    await driver.run("DROP TABLE lobby_listing");
    const error = await rejection(repository.listForUser(DEMO_USER));
    t.notOk(error instanceof RepositoryUnavailableError, "not unavailable");
    t.equal((error as { code?: unknown }).code, "42P01", "undefined_table, unchanged");
    t.equal((await rejection(repository.listForUser(DEMO_USER)) as { code?: unknown }).code, "42P01");
    t.strictSame(events, [{ event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 0 }], "reported once, no value");
  });
}

// ---------------------------------------------------------------------------
// Both drivers agree.

const [first, second] = drivers;
if (first !== undefined && second !== undefined) t.test("pglite and postgres return deep-equal rows for every user", async (t) => {
  for (const driver of drivers) {
    await resetDemo(driver);
    await driver.run(EXTRA_SQL);
  }
  for (const user of [...DEMO_USERS, ...EXTRA_USERS]) {
    t.strictSame(await first.repository.listForUser(user), await second.repository.listForUser(user), user);
  }
});

// ---------------------------------------------------------------------------
// The read model: lobby_listing must always equal the join of the tables,
// whatever other systems write to them with plain SQL.

/** The read model's definition, as a plain join of the tables. */
const JOIN_ROWS_SQL = `SELECT m.user_id::text AS user_id, m.workspace_id::int8::text AS workspace_id,
  w.biz_id::text AS biz_id, w.institution_biz_id::text AS institution_biz_id, w.entity_biz_id::text AS entity_biz_id,
  w.name::text AS name, w.timezone::text AS timezone, w.status::int8::text AS status, w.kind::int8::text AS kind,
  w.extra_data::text AS extra_data, w.created_at::timestamptz AS created_at, w.updated_at::timestamptz AS updated_at,
  m.role::text AS role
FROM workspace_members AS m JOIN workspaces AS w ON w.id = m.workspace_id
WHERE w.deleted_at IS NULL
ORDER BY m.user_id::text COLLATE "C", m.workspace_id`;
const MODEL_ROWS_SQL = `SELECT user_id, workspace_id::text AS workspace_id, biz_id, institution_biz_id, entity_biz_id,
  name, timezone, status::text AS status, kind::text AS kind, extra_data, created_at, updated_at, role
FROM lobby_listing AS l
ORDER BY l.user_id COLLATE "C", l.workspace_id`;
const DROP_READ_MODEL_SQL = `DROP TABLE lobby_listing;
DROP TRIGGER lobby_listing_sync ON workspaces;
DROP TRIGGER lobby_listing_truncate ON workspaces;
DROP TRIGGER lobby_listing_sync ON workspace_members;
DROP TRIGGER lobby_listing_truncate ON workspace_members`;

async function assertModel(t: Test, driver: Driver, label: string): Promise<void> {
  const model = await driver.rows(MODEL_ROWS_SQL);
  const join = await driver.rows(JOIN_ROWS_SQL);
  t.strictSame(model, join, `${label}: lobby_listing equals the join (${join.length} rows)`);
}

/** Where a plain join lists the workspaces of `user` (a constant of this file). */
async function joinedBizIds(driver: Driver, user: string): Promise<unknown[]> {
  const rows = await driver.rows(`SELECT w.biz_id::text AS biz FROM workspace_members AS m
    JOIN workspaces AS w ON w.id = m.workspace_id
    WHERE m.user_id = '${user}' AND w.deleted_at IS NULL ORDER BY w.created_at, w.biz_id COLLATE "C"`);
  return rows.map((row) => row.biz);
}

const ID_OF = (bizId: string): string => `(SELECT id FROM workspaces WHERE biz_id = '${bizId}')`;

/** Writes as other systems make them, each followed by a check of the whole read model. */
const WRITES: readonly (readonly [string, string])[] = [
  ["a new membership", `INSERT INTO workspace_members (user_id, workspace_id, role)
    SELECT 'new-user', id, 'owner' FROM workspaces WHERE biz_id = 'ws_123456'`],
  ["a workspace renamed, suspended and touched", `UPDATE workspaces SET name = 'Renamed', status = 10010702,
    extra_data = '{"x":1}', updated_at = '2026-04-01T00:00:00Z' WHERE biz_id = 'ws_123456'`],
  ["an update that changes nothing", "UPDATE workspaces SET name = name"],
  ["a role change", `UPDATE workspace_members SET role = 'owner'
    WHERE user_id = '${DEMO_USER}' AND workspace_id = ${ID_OF("ws_789012")}`],
  ["a soft delete", "UPDATE workspaces SET deleted_at = now() WHERE biz_id = 'ws_789012'"],
  ["an update of a soft-deleted workspace", "UPDATE workspaces SET name = 'Still gone' WHERE biz_id = 'ws_789012'"],
  ["an undelete", "UPDATE workspaces SET deleted_at = NULL WHERE biz_id = 'ws_789012'"],
  ["a deleted membership", `DELETE FROM workspace_members
    WHERE user_id = '${DEMO_SYSTEM_USER}' AND workspace_id = ${ID_OF("WS_INVITE_TEST_002")}`],
  ["a membership moved to another workspace", `UPDATE workspace_members SET workspace_id = ${ID_OF("WS_SANDBOX_001")}
    WHERE user_id = '${DEMO_UPTIMER_USER}' AND workspace_id = ${ID_OF("ws_123456")}`],
  ["a membership handed to another user", "UPDATE workspace_members SET user_id = 'heir' WHERE user_id = 'odd-user'"],
  ["a workspace whose id changes", `INSERT INTO workspaces (biz_id, institution_biz_id, name) VALUES ('ws_moved', 'INST_001', 'Moved');
    UPDATE workspaces SET id = id + 1000 WHERE biz_id = 'ws_moved';
    INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'mover', id, 'member' FROM workspaces WHERE biz_id = 'ws_moved'`],
  ["a workspace deleted with its memberships", "DELETE FROM workspaces WHERE biz_id = 'WS_INVITE_TEST_001'"],
  ["memberships written in bulk", `INSERT INTO workspace_members (user_id, workspace_id, role)
    SELECT 'bulk-' || g, w.id, CASE WHEN g % 7 = 0 THEN 'owner' ELSE 'member' END
    FROM generate_series(1, 40) AS g CROSS JOIN workspaces AS w`],
  ["every workspace updated by one statement", "UPDATE workspaces SET updated_at = updated_at + interval '1 second'"],
  ["a workspace too wide for the covering index", `INSERT INTO workspaces (biz_id, institution_biz_id, name, extra_data, created_at)
    VALUES ('ws_wide', 'INST_001', 'Wide', (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 200) AS g),
    '2026-03-22T10:45:00Z');
    INSERT INTO workspace_members (user_id, workspace_id, role) SELECT '${DEMO_USER}', id, 'member' FROM workspaces WHERE biz_id = 'ws_wide'`],
  ["memberships deleted in bulk", "DELETE FROM workspace_members WHERE user_id LIKE 'bulk-%' AND role = 'member'"],
];

for (const driver of drivers) {
  const { repository } = driver;

  t.test(`${driver.name}: lobby_listing follows every write other systems make with plain SQL`, async (t) => {
    await resetDemo(driver);
    await driver.run(EXTRA_SQL);
    await assertModel(t, driver, "demo and extra rows");
    for (const [label, write] of WRITES) {
      await driver.run(write);
      await assertModel(t, driver, label);
    }
    // The wide row is listed, whole and in order, through the second index.
    const listed = await repository.listForUser(DEMO_USER);
    t.strictSame(listed.map((row) => row.bizId), await joinedBizIds(driver, DEMO_USER), "listing order as the join");
    t.equal(listed.find((row) => row.bizId === "ws_wide")?.extraData?.length, 6400, "the wide extra_data, whole");
    const [wide] = await driver.rows("SELECT oversized FROM lobby_listing WHERE biz_id = 'ws_wide'");
    t.equal(wide?.oversized, true, "kept out of the covering index");
    t.strictSame((await repository.listForUser("heir")).map((row) => [row.bizId, row.role]), [["ws_odd", "owner"]]);

    await driver.run("TRUNCATE workspace_members");
    await assertModel(t, driver, "memberships truncated");
    t.strictSame(await driver.rows("SELECT count(*)::int4 AS n FROM lobby_listing"), [{ n: 0 }], "empty");
    await resetDemo(driver);
    await assertModel(t, driver, "demo rows again");
  });

  t.test(`${driver.name}: applySchema backfills rows written before it ran, and rewrites nothing when run again`, async (t) => {
    await resetDemo(driver);
    // A database where lobby's migration never ran: no read model, no triggers.
    await driver.run(DROP_READ_MODEL_SQL);
    await driver.run(EXTRA_SQL);
    await applySchema(driver.run);
    await assertModel(t, driver, "backfilled");
    const physical = "SELECT ctid::text AS ctid, user_id, workspace_id::text AS workspace_id FROM lobby_listing ORDER BY ctid";
    const before = await driver.rows(physical);
    await applySchema(driver.run);
    t.strictSame(await driver.rows(physical), before, "the same row versions: nothing rebuilt");
    for (const user of [...DEMO_USERS, ...EXTRA_USERS]) {
      t.strictSame((await repository.listForUser(user)).map((row) => row.bizId), await joinedBizIds(driver, user), user);
    }
    t.strictSame(await repository.listForUser(DEMO_USER), EXPECTED[DEMO_USER]);
  });

  t.test(`${driver.name}: applySchema rebuilds lobby_listing after its trigger was disabled`, async (t) => {
    await resetDemo(driver);
    await driver.run(`ALTER TABLE workspace_members DISABLE TRIGGER lobby_listing_sync;
      INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'unseen', id, 'owner' FROM workspaces WHERE biz_id = 'ws_123456'`);
    t.strictSame(await repository.listForUser("unseen"), [], "missed while the trigger was off");
    await applySchema(driver.run);
    t.strictSame(await repository.listForUser("unseen"), [{ ...PRODUCTION, role: "owner" }], "rebuilt");
    await assertModel(t, driver, "rebuilt");
  });
}

// ---------------------------------------------------------------------------
// Schema and listing texts.

t.test("SCHEMA_SQL takes the advisory lock first, then runs every step", async (t) => {
  t.match(SCHEMA_SQL, /^SELECT pg_advisory_xact_lock\(\d+\);\n/);
  for (const step of SCHEMA_STEPS) t.ok(SCHEMA_SQL.includes(step));
  t.match(LISTING_SQL, /\$1/);
  t.notMatch(LISTING_SQL, /\$2/);
});

if (server !== undefined && serverDriver !== undefined) {
  const db = server;

  t.test("postgres: applySchema is safe from several clients at once", async (t) => {
    const fresh = await testDatabase(t);
    if (fresh === undefined) return;
    const clients = Array.from({ length: 4 }, () => postgres(fresh.url, { max: 1, onnotice: () => {} }));
    t.teardown(() => Promise.all(clients.map((client) => client.end({ timeout: 5 }))));
    for (let round = 1; round <= 3; round++) {
      await fresh.sql.unsafe(DROP_SQL);
      await Promise.all(clients.map((client) => applySchema((text) => client.unsafe(text))));
      const [tables] = await fresh.sql`SELECT count(*)::int4 AS n FROM pg_tables
        WHERE schemaname = 'public' AND tablename IN ('institutions', 'workspaces', 'workspace_members')`;
      t.equal(tables?.n, 3, `round ${round}: three tables`);
    }
  });

  /** Waits until some session of this database waits on a lock; false after 5 s. */
  async function someoneWaits(): Promise<boolean> {
    for (let tries = 0; tries < 250; tries++) {
      const waiting = await db.sql`SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if (waiting.length > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  }

  t.test("postgres: a membership written while its workspace is updated gets the update (READ COMMITTED)", async (t) => {
    await resetDemo(serverDriver);
    const other = postgres(db.url, { max: 1, onnotice: () => {} });
    t.teardown(() => other.end({ timeout: 5 }));
    const repository = serverDriver.repository;

    // The membership first: the update waits for it to commit, then copies it.
    let update: Promise<unknown> | undefined;
    await db.sql.begin(async (tx) => {
      await tx`INSERT INTO workspace_members (user_id, workspace_id, role)
        SELECT 'racer-1', id, 'member' FROM workspaces WHERE biz_id = 'ws_123456'`;
      update = other`UPDATE workspaces SET name = 'First rename' WHERE biz_id = 'ws_123456'`.execute();
      t.ok(await someoneWaits(), "the update waits for the membership's transaction");
    });
    await update;
    t.equal((await repository.listForUser("racer-1"))[0]?.name, "First rename", "membership first");

    // The update first: the membership waits for it to commit, then copies it.
    let insert: Promise<unknown> | undefined;
    await other.begin(async (tx) => {
      await tx`UPDATE workspaces SET name = 'Second rename' WHERE biz_id = 'ws_123456'`;
      insert = db.sql`INSERT INTO workspace_members (user_id, workspace_id, role)
        SELECT 'racer-2', id, 'member' FROM workspaces WHERE biz_id = 'ws_123456'`.execute();
      t.ok(await someoneWaits(), "the membership waits for the update's transaction");
    });
    await insert;
    t.equal((await repository.listForUser("racer-2"))[0]?.name, "Second rename", "update first");
    await assertModel(t, serverDriver, "after both races");
  });

  t.test("postgres: a role with rights on the tables only can write them, and lobby_listing follows", async (t) => {
    await resetDemo(serverDriver);
    const role = `lobby_writer_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await db.sql.unsafe(`CREATE ROLE ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON workspaces, workspace_members TO ${role}`);
    t.teardown(() => db.sql.unsafe(`REVOKE ALL ON workspaces, workspace_members FROM ${role}; DROP ROLE ${role}`));
    await db.sql.begin(async (tx) => {
      await tx.unsafe(`SET LOCAL ROLE ${role}`);
      const [rights] = await tx`SELECT has_table_privilege('lobby_listing', 'INSERT') AS insert,
        has_table_privilege('lobby_listing', 'SELECT') AS select`;
      t.strictSame({ ...rights }, { insert: false, select: false }, "no rights on lobby_listing");
      await tx`INSERT INTO workspace_members (user_id, workspace_id, role)
        SELECT 'limited-user', id, 'owner' FROM workspaces WHERE biz_id = 'ws_123456'`;
      await tx`UPDATE workspaces SET name = 'Renamed by a limited role' WHERE biz_id = 'ws_123456'`;
      await tx`DELETE FROM workspace_members WHERE user_id = ${DEMO_UPTIMER_USER}`;
    });
    t.equal((await serverDriver.repository.listForUser("limited-user"))[0]?.name, "Renamed by a limited role");
    t.strictSame(await serverDriver.repository.listForUser(DEMO_UPTIMER_USER), []);
    await assertModel(t, serverDriver, "after the limited role's writes");
  });
}

// ---------------------------------------------------------------------------
// PGlite once closed, and the demo data's users.

t.test("pglite: listForUser rejects with RepositoryUnavailableError once the database is closed, an outage told once", async (t) => {
  const events: RepositoryEvent[] = [];
  pglite.repository.watch?.((event) => events.push(event));
  await embedded.close();
  assertSafe(t, await rejection(pglite.repository.listForUser(DEMO_USER)));
  for (let i = 0; i < 3; i++) assertSafe(t, await rejection(pglite.repository.listForUser(DEMO_USER)));
  t.strictSame(events, [{ event: "down", reason: "CONNECTION_ENDED" }]);
});

// DEMO_SQL is one text; its user ids must be the exported constants.
t.test("demo user ids in DEMO_SQL are the exported constants", async (t) => {
  for (const user of [DEMO_USER, DEMO_SYSTEM_USER, DEMO_UPTIMER_USER]) t.ok(DEMO_SQL.includes(`'${user}'`), user);
  t.notOk(DEMO_SQL.includes(`'${DEMO_EMPTY_USER}'`), DEMO_EMPTY_USER);
});
