// lobby scaled out, against real components on loopback: a Postgres
// primary, two streaming replicas made with pg_basebackup -R, and PgBouncer
// 1.18 in transaction mode in front of the primary (../_clusters.ts; .ci/run
// installs them from Debian's packages). One set for the whole file,
// stopped and removed at the end whatever happens. Without the binaries the
// file is skipped locally and fails under CI.
//
// The standalone app runs in-process (createStandaloneApp), so the tests
// see its log events and drive its handler with plain Requests.
import postgres from "postgres";
import t, { type Test } from "tap";
import { createStandaloneApp, type StandaloneApp } from "../../lib/app/app.ts";
import { runCommand } from "../../lib/app/cli.ts";
import { configFromEnvironment } from "../../lib/app/config.ts";
import { DEMO_USER, seedDemoData } from "../../lib/repository/demo.ts";
import { postgresReplicaHealth } from "../../lib/repository/postgres_replicas.ts";
import { postgresRepository } from "../../lib/repository/postgres.ts";
import { replicatedRepository } from "../../lib/repository/replicas.ts";
import type { WorkspaceRepository } from "../../lib/repository/repository.ts";
import { applySchema } from "../../lib/repository/schema.ts";
import { type ScaleOutSet, scaleOutUnsupported, startScaleOutSet } from "../_clusters.ts";
import { freePort } from "../_runtimes.ts";
import { signToken } from "../_tokens.ts";
import { DEMO_USERS, DEVELOPMENT, EXPECTED, EXTRA_SQL, EXTRA_USERS, FIELDS, RESET_SQL } from "../repository/fixtures/expected.ts";

const SECRET = "scale-out-test-secret-0123456789abcdef";
const SYSTEM = "/web/v1/system/workspaces/mine";
const UPTIMER = "/api/v1/workspaces";

const unsupported = scaleOutUnsupported();
let set: ScaleOutSet | undefined;
if (unsupported !== undefined) {
  if (process.env.CI) t.fail(`${unsupported}. CI is set, so this fails instead of skipping (.ci/run installs them).`);
  else t.skip(`${unsupported}: the scale-out tests need them`, () => {});
} else {
  set = await startScaleOutSet({ replicas: 2 });
  t.teardown(() => set?.stop());
}

/** A client on one server of the set, ended at the file's end. */
function client(url: string, options: postgres.Options<{}> = {}): postgres.Sql {
  const sql = postgres(url, { max: 4, connect_timeout: 5, fetch_types: false, onnotice: () => {}, ...options });
  t.teardown(() => sql.end({ timeout: 1 }));
  return sql;
}

interface Running {
  readonly app: StandaloneApp;
  readonly events: Array<Record<string, unknown>>;
  /** The status and the body (timestamp blanked) of a GET as `user`. */
  get(path: string, user: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** The standalone app with this environment (and the test secret), closed when `t` ends; its log kept. */
async function standalone(t: Test, env: Record<string, string>): Promise<Running> {
  const events: Array<Record<string, unknown>> = [];
  const app = await createStandaloneApp(configFromEnvironment({ JWT_SECRET: SECRET, ...env }), {
    now: Date.now,
    log: (event) => events.push(event as unknown as Record<string, unknown>),
  });
  t.teardown(() => app.close());
  const tokens = new Map<string, string>();
  return {
    app,
    events,
    async get(path, user, headers = {}) {
      let token = tokens.get(user);
      if (token === undefined) {
        token = await signToken({ secret: SECRET, payload: { sub: user, exp: Math.floor(Date.now() / 1000) + 3600 } });
        tokens.set(user, token);
      }
      const response = await app.handler(new Request(`http://lobby.test${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } }));
      const body = await response.json() as Record<string, unknown>;
      if ("timestamp" in body) body.timestamp = "(ignored)";
      return { status: response.status, body };
    },
  };
}

/** The events of one name. */
const named = (events: ReadonlyArray<Record<string, unknown>>, name: string) => events.filter((event) => event.event === name);

/** Calls `attempt` every 50 ms until it returns true; fails `t` after `ms`. */
async function until(t: Test, what: string, attempt: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await attempt()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.fail(`timed out after ${ms} ms waiting for ${what}`);
  return false;
}

if (set !== undefined) {
  const s = set;
  const bouncer = s.bouncer!;
  const admin = client(s.primary.url);
  const run = (text: string) => admin.unsafe(text);
  const [replica1, replica2] = s.replicas as [typeof s.replicas[0], typeof s.replicas[0]];
  const replicaUrls = `${replica1.url},${replica2.url}`;

  t.test("PgBouncer: with pgbouncer=true the schema is applied through DATABASE_MIGRATION_URL only", async (t) => {
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/${s.database}`;
    const elsewhere = await standalone(t, { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: closed });
    const refused = await elsewhere.get(SYSTEM, DEMO_USER);
    t.equal(refused.status, 503, "the migration's server is down: 503, although PgBouncer answers");
    t.equal(refused.body.code, "5030");
    const [before] = await run("SELECT to_regclass('lobby_listing') IS NOT NULL AS migrated");
    t.equal(before?.migrated, false, "nothing was migrated through the pooler");

    const running = await standalone(t, { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: s.primary.url });
    t.match(running.app.databaseLabel, `(migrations at ${s.primary.url})`);
    const empty = await running.get(UPTIMER, DEMO_USER);
    t.same(empty, { status: 200, body: { result: [], error: null, meta: null } });
    const [after] = await run("SELECT to_regclass('lobby_listing') IS NOT NULL AS migrated");
    t.equal(after?.migrated, true);
    t.same(named(running.events, "database_pooler_detected"), [], "told, so nothing to detect");
  });

  t.test("PgBouncer: lobby migrate applies the schema through DATABASE_MIGRATION_URL, lobby check reaches the pooler", async (t) => {
    const lobby = async (args: string[], env: Record<string, string>) => {
      const out: string[] = [];
      const err: string[] = [];
      const status = await runCommand(args, { env, out: (line) => out.push(line), err: (line) => err.push(line), now: Date.now });
      return { status, out, err };
    };
    const env = { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: s.primary.url, JWT_SECRET: SECRET };
    const migrated = await lobby(["migrate"], env);
    t.equal(migrated.status, 0, migrated.err.join("\n"));
    t.match(migrated.out.join("\n"), `on Postgres at ${s.primary.url}`, "on the primary, directly");
    const checked = await lobby(["check"], env);
    t.match(checked.out.join("\n"), /^ok +database: .*answers; lobby's schema is in place/m, checked.out.join("\n"));
  });

  t.test("PgBouncer: lobby passes the repository contract through the pooler as it does direct", async (t) => {
    await applySchema(run);
    await run(RESET_SQL);
    await seedDemoData(run);
    await run(EXTRA_SQL);
    await run(`INSERT INTO workspace_members (user_id, workspace_id, role)
      SELECT 'stranger', id, 'owner' FROM workspaces WHERE biz_id = 'ws_789012'`);
    const direct = postgresRepository(client(s.primary.url));
    // What pgbouncer=true makes, and what the README asks of an embedder: no prepared statements (and so no
    // pipelining of lobby's queries), no statement_timeout startup parameter; max_pipeline left alone.
    const pooled = postgresRepository(client(bouncer.url, { prepare: false, max: 4 }));
    for (const [name, repository] of [["direct", direct], ["PgBouncer", pooled]] as const) {
      for (const user of DEMO_USERS) {
        const rows = await repository.listForUser(user);
        t.strictSame(rows, EXPECTED[user], `${name}: ${user}, field for field`);
        t.equal(Object.getPrototypeOf(rows), Array.prototype, `${name}: ${user}: a plain array`);
        for (const row of rows) t.strictSame(Object.keys(row).sort(), FIELDS, `${name}: ${user} ${row.bizId}: exactly the fields`);
      }
      t.strictSame((await repository.listForUser("tie-user")).map((row) => row.bizId), ["zz_first", "WS_C", "Ws_d", "ws_a", "ws_b", "aa_later"],
        `${name}: createdAt, then bizId in byte order`);
      const [odd] = await repository.listForUser("odd-user");
      t.same([odd?.status, odd?.kind, odd?.role], [10010799, 0, "owner"], `${name}: unknown enum values as numbers`);
      t.strictSame(await repository.listForUser("stranger"), [{ ...DEVELOPMENT, role: "owner" }], `${name}: only the user's own rows`);
      for (const user of ["' OR 1=1 --", "demo-user'; DROP TABLE workspaces; --", "%", "DEMO-USER", ""]) {
        t.strictSame(await repository.listForUser(user), [], `${name}: ${JSON.stringify(user)} is data`);
      }
    }
    for (const user of [...DEMO_USERS, ...EXTRA_USERS]) {
      t.strictSame(await pooled.listForUser(user), await direct.listForUser(user), `the same rows for ${user}`);
    }
    // Many listings at once through a small pool (as many as the
    // repository lets wait), queued on its connections.
    const many = await Promise.race([
      Promise.all(Array.from({ length: 40 }, (_, i) => pooled.listForUser(DEMO_USERS[i % DEMO_USERS.length]!))),
      new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 15_000).unref()),
    ]);
    t.not(many, "hung", "40 listings at once through the pooler all answer");
    if (many !== "hung") t.ok(many.every((rows, i) => rows.length === EXPECTED[DEMO_USERS[i % DEMO_USERS.length]!]!.length), "and right");

    // The whole handler, both dialects, several languages: the same answers.
    const viaPooler = await standalone(t, { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: s.primary.url });
    const viaPrimary = await standalone(t, { DATABASE_URL: s.primary.url });
    for (const user of [...DEMO_USERS, ...EXTRA_USERS]) {
      for (const path of [SYSTEM, UPTIMER]) {
        for (const language of ["en", "ja-JP", "zh-TW"]) {
          const headers = { "accept-language": language };
          t.same(await viaPooler.get(path, user, headers), await viaPrimary.get(path, user, headers), `${user} ${path} ${language}`);
        }
      }
    }
  });

  t.test("PgBouncer: many requests at once through the pooler all answer, none stuck behind a lost pipelined query", async (t) => {
    // PgBouncer 1.18 can lose an extended-protocol query pipelined behind
    // another query's Sync (pgbouncer/pgbouncer#759): its connection would
    // wait forever. The simple queries among lobby's (a pool repair probe,
    // a replica's health check) made that happen within a few hundred
    // requests.
    const running = await standalone(t, { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: s.primary.url });
    const statuses = new Map<number, number>();
    const started = Date.now();
    await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      for (let n = 0; n < 40; n++) {
        const user = DEMO_USERS[(i + n) % DEMO_USERS.length]!;
        const { status } = await running.get(n % 2 === 0 ? SYSTEM : UPTIMER, `${user}${n % 3 === 0 ? "" : "-x"}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }));
    t.same(Object.fromEntries(statuses), { 200: 800 }, `800 requests, all 200, in ${Date.now() - started} ms`);
    // An embedder's client as the README says (prepare: false, max_pipeline left alone), on one connection:
    // listings, version lookups and pages at once, with the pool repair's SELECT 1 among them (one in 256).
    const sql = client(`${bouncer.url}`, { max: 1, prepare: false });
    const repository = postgresRepository(sql);
    const all = (async () => {
      for (let i = 0; i < 120; i++) {
        const user = DEMO_USERS[i % DEMO_USERS.length]!;
        await Promise.all([
          repository.listForUser(user),
          repository.listingVersion!(user),
          repository.listingVersion!(`${user}-x`),
          repository.listPage!(user, { dialect: "uptimer" }, { limit: 1 }),
          sql.unsafe("SELECT $1::int AS x", [i]),
        ]);
      }
      return "done";
    })();
    t.equal(await Promise.race([all, new Promise((resolve) => setTimeout(() => resolve("stuck"), 20_000).unref())]), "done");
  });

  t.test("PgBouncer: without pgbouncer=true lobby notices the pooler, adapts once and says so", async (t) => {
    const running = await standalone(t, { DATABASE_URL: bouncer.url });
    const first = await running.get(UPTIMER, DEMO_USER);
    t.equal(first.status, 200, "the first request is answered: refused by PgBouncer, adapted, sent again");
    t.equal((first.body.result as unknown[]).length, EXPECTED[DEMO_USER]!.length);
    const answers = await Promise.all(Array.from({ length: 20 }, () => running.get(UPTIMER, DEMO_USER)));
    t.same(answers.map((answer) => answer.status), Array(20).fill(200), "and every one after it");
    const detected = named(running.events, "database_pooler_detected");
    t.equal(detected.length, 1, "said once");
    t.match(detected[0], { level: "warn", variable: "DATABASE_URL", sign: "startup_parameter", message: /add pgbouncer=true to DATABASE_URL/ });

    const later = await standalone(t, { DATABASE_URL: bouncer.url });
    t.equal((await later.get(SYSTEM, DEMO_USER)).status, 200, "another instance notices it by itself too");
    t.equal(named(later.events, "database_pooler_detected").length, 1);
  });

  t.test("replicas: a membership written on the primary appears through a replica once replayed", async (t) => {
    // The repository as the app composes it, with each side counted.
    const counted = (repository: WorkspaceRepository) => {
      const counter = { calls: 0, repository: { listForUser: (...args: Parameters<WorkspaceRepository["listForUser"]>) => (counter.calls++, repository.listForUser(...args)) } };
      return counter;
    };
    const primary = counted(postgresRepository(client(s.primary.url)));
    const replicaSql = client(replica1.url);
    const replica = counted(postgresRepository(replicaSql));
    const repository = replicatedRepository(primary.repository, [{ name: "replica1", repository: replica.repository, health: postgresReplicaHealth(replicaSql) }]);
    await until(t, "the replica to be in use", async () => (await repository.listForUser("new-member"), repository.replicaStatus()[0]?.state === "in_use"));
    t.same(await repository.listForUser("new-member"), [], "not a member yet");

    await run(`INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'new-member', id, 'member' FROM workspaces WHERE biz_id = 'ws_123456'`);
    await s.caughtUp();
    const before = { primary: primary.calls, replica: replica.calls };
    t.same((await repository.listForUser("new-member")).map((row) => row.bizId), ["ws_123456"]);
    t.same({ primary: primary.calls - before.primary, replica: replica.calls - before.replica }, { primary: 0, replica: 1 }, "read on the replica");

    // Through the standalone app, with both replicas.
    const running = await standalone(t, { DATABASE_URL: s.primary.url, DATABASE_READ_URL: replicaUrls });
    t.match(running.app.databaseLabel, "(reads on 2 replicas)");
    await until(t, "the app to answer from its replicas", async () => (await running.get(UPTIMER, "new-member")).status === 200);
    const answer = await running.get(UPTIMER, "new-member");
    t.same(answer.body.result, [{ id: "ws_123456", name: "Production Monitoring", role: "member", kind: "workspace" }]);
    t.same(running.events.filter((event) => String(event.event).startsWith("replica") || String(event.event).startsWith("reads_")), [], "no switch");
  });

  t.test("replicas: a replica whose replay is paused is skipped until it catches up", async (t) => {
    const running = await standalone(t, { DATABASE_URL: s.primary.url, DATABASE_READ_URL: replicaUrls, DATABASE_READ_MAX_LAG: "1" });
    const paused = client(replica2.url);
    t.teardown(() => paused.unsafe("SELECT pg_wal_replay_resume()").catch(() => {}));
    // Both replicas checked and in use.
    const settle = Date.now() + 1200;
    while (Date.now() < settle) await running.get(UPTIMER, "lag-user");
    await paused.unsafe("SELECT pg_wal_replay_pause()");
    await run(`INSERT INTO workspace_members (user_id, workspace_id, role) SELECT 'lag-user', id, 'owner' FROM workspaces WHERE biz_id = 'ws_789012'`);
    const skipped = () => named(running.events, "replica_skipped").filter((event) => event.replica === replica2.url);
    await until(t, "the paused replica to be skipped", async () => (await running.get(UPTIMER, "lag-user"), skipped().length > 0));
    t.match(skipped(), [{ reason: "replay_paused", level: "warn", message: `read replica ${replica2.url} skipped: replay is paused with WAL waiting` }]);
    const answers = await Promise.all(Array.from({ length: 40 }, () => running.get(UPTIMER, "lag-user")));
    t.ok(answers.every((answer) => answer.status === 200 && (answer.body.result as unknown[]).length === 1), "every read sees the new membership");

    await paused.unsafe("SELECT pg_wal_replay_resume()");
    const back = () => named(running.events, "replica_in_use").filter((event) => event.replica === replica2.url);
    await until(t, "the replica to take reads again", async () => (await running.get(UPTIMER, "lag-user"), back().length > 0));
    t.equal(skipped().length, 1, "skipped: said once");
    t.equal(back().length, 1, "back: said once");
    t.same(named(running.events, "reads_on_primary"), [], "the other replica took the reads meanwhile");
  });

  t.test("replicas: replicas stopped under load move reads to the other one, then the primary, with no 5xx", async (t) => {
    const running = await standalone(t, { DATABASE_URL: s.primary.url, DATABASE_READ_URL: replicaUrls });
    const settle = Date.now() + 1200;
    while (Date.now() < settle) await running.get(SYSTEM, DEMO_USER);
    const statuses = new Map<number, number>();
    let loading = true;
    // Every demo user, so that both replicas have users of their own.
    const loops = Array.from({ length: 8 }, async (_, i) => {
      for (let n = i; loading; n++) {
        const user = DEMO_USERS[n % DEMO_USERS.length]!;
        const { status, body } = await running.get(SYSTEM, user);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 200 && (body.data as unknown[]).length !== EXPECTED[user]!.length) statuses.set(-1, (statuses.get(-1) ?? 0) + 1);
      }
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await replica1.stop("fast");
      await until(t, "replica1 to be skipped", () => named(running.events, "replica_skipped").some((event) => event.replica === replica1.url));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await replica2.stop("immediate");
      await until(t, "reads to go to the primary", () => named(running.events, "reads_on_primary").length > 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await replica1.start();
      await until(t, "reads on a replica again", () => named(running.events, "reads_on_replicas").length > 0);
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      loading = false;
      await Promise.all(loops);
      if (!replica1.running()) await replica1.start();
      if (!replica2.running()) await replica2.start();
    }
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    t.same(Object.fromEntries(statuses), { 200: answered }, `all ${answered} requests answered 200 with the right rows`);
    t.match(named(running.events, "replica_skipped"), [
      { replica: replica1.url, reason: "down" },
      { replica: replica2.url, reason: "down" },
    ]);
    t.equal(named(running.events, "replica_skipped").length, 2, "each said once");
    t.equal(named(running.events, "reads_on_primary").length, 1);
    t.match(named(running.events, "replica_in_use"), [{ replica: replica1.url }]);
    t.same(named(running.events, "database_down"), [], "a replica going away is not the database going down");
  });
}
