// The scale-out settings without servers: DATABASE_MIGRATION_URL,
// DATABASE_READ_URL (one or several), DATABASE_READ_MAX_LAG, the
// pgbouncer=true parameter, and the standalone app's pooler guard and
// schema-first repository with stand-ins. The same against real servers is
// in scale_out.test.ts.
import postgres from "postgres";
import t from "tap";
import { guardedRepository, poolerGuard, poolerSign, schemaFirst } from "../../lib/app/_database.ts";
import { ConfigError, configFromEnvironment } from "../../lib/app/config.ts";
import { parseDatabaseUrl, parseDatabaseUrls } from "../../lib/app/database_url.ts";
import { type RepositoryEvent, RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";

const KEY = { JWT_SECRET: "scale-out-config-secret-0123456789" };

function problems(env: Record<string, string>): readonly string[] {
  try {
    configFromEnvironment({ ...KEY, ...env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.lines;
  }
}

t.test("pgbouncer=true turns prepared statements off; prepare=true beside it is refused", async (t) => {
  const told = parseDatabaseUrl("postgres://app@pooler:6432/lobby?pgbouncer=true");
  t.match(told, { ok: true, url: { prepare: false, pgbouncer: true, redacted: "postgres://app@pooler:6432/lobby" } });
  t.match(parseDatabaseUrl("postgres://app@pooler:6432/lobby?pgbouncer=false"), { ok: true, url: { prepare: true, pgbouncer: false } });
  t.match(parseDatabaseUrl("postgres://app@pooler:6432/lobby?prepare=false"), { ok: true, url: { prepare: false, pgbouncer: false } });
  t.match(parseDatabaseUrl("postgres://app@db/lobby"), { ok: true, url: { prepare: true, pgbouncer: false } });
  t.same(parseDatabaseUrl("postgres://app@pooler/lobby?pgbouncer=yes"), { ok: false, problem: "has pgbouncer that is neither true nor false" });
  t.same(parseDatabaseUrl("postgres://app@pooler/lobby?pgbouncer=true&prepare=true"), {
    ok: false,
    problem: "has pgbouncer=true and prepare=true: PgBouncer in transaction mode cannot keep prepared statements (leave prepare out)",
  });
});

t.test("parseDatabaseUrls splits on commas before a new URL only, and names the one that is wrong", async (t) => {
  const several = parseDatabaseUrls("postgres://r@replica-1:5433/lobby, postgresql://r:pw@replica-2a,replica-2b:5434/lobby?sslmode=require");
  t.ok(several.ok);
  if (several.ok) {
    t.same(several.urls.map((url) => [url.hosts, url.ports, url.redacted]), [
      [["replica-1"], [5433], "postgres://r@replica-1:5433/lobby"],
      [["replica-2a", "replica-2b"], [5432, 5434], "postgresql://r:***@replica-2a,replica-2b:5434/lobby"],
    ]);
  }
  t.match(parseDatabaseUrls("postgres://r@replica/lobby"), { ok: true, urls: [{ hosts: ["replica"] }] });
  t.same(parseDatabaseUrls("postgres://r:a#b@replica/lobby"), { ok: false, problem: "has a # (write it as %23 in a password)" });
  t.same(parseDatabaseUrls("postgres://r@a/lobby,postgres://r@b/lobby,postgres://r@c/lobby?x=1"), {
    ok: false,
    problem: "has a URL (the 3rd) that has a parameter lobby does not know (x); it knows sslmode, application_name, host, prepare, pgbouncer",
  });
  for (const [n, word] of [[1, "1st"], [2, "2nd"], [4, "4th"], [11, "11th"], [12, "12th"], [13, "13th"], [21, "21st"], [22, "22nd"], [23, "23rd"]] as const) {
    const urls = Array.from({ length: n }, (_, i) => (i === n - 1 ? "mysql://x/y" : `postgres://r@h${i}/lobby`)).join(",");
    const result = parseDatabaseUrls(urls);
    if (n === 1) t.same(result, { ok: false, problem: "must be a postgres:// or postgresql:// URL" });
    else t.match(result, { ok: false, problem: `has a URL (the ${word}) that` }, word);
  }
});

t.test("configFromEnvironment reads DATABASE_MIGRATION_URL, DATABASE_READ_URL and DATABASE_READ_MAX_LAG", async (t) => {
  const config = configFromEnvironment({
    ...KEY,
    DATABASE_URL: "postgres://app:pw@pooler:6432/lobby?pgbouncer=true",
    DATABASE_MIGRATION_URL: "postgres://owner:pw@primary:5432/lobby",
    DATABASE_READ_URL: "postgres://app:pw@replica-1/lobby,postgres://app:pw@replica-2/lobby",
    DATABASE_READ_MAX_LAG: "0.5",
  });
  t.match(config.databaseUrl, { hosts: ["pooler"], pgbouncer: true, prepare: false });
  t.match(config.migrationUrl, { hosts: ["primary"], user: "owner", prepare: true });
  t.match(config.readUrls, [{ hosts: ["replica-1"] }, { hosts: ["replica-2"] }]);
  t.equal(config.readMaxLagSeconds, 0.5);
  t.equal(configFromEnvironment({ ...KEY, DATABASE_URL: "postgres://db/lobby" }).readMaxLagSeconds, 5, "5 s by default");
  t.equal(configFromEnvironment({ ...KEY, DATABASE_URL: "postgres://db/lobby", DATABASE_READ_MAX_LAG: "0" }).readMaxLagSeconds, 0);
});

t.test("configFromEnvironment refuses the scale-out variables without DATABASE_URL, or malformed, never showing a password", async (t) => {
  t.same(problems({ DATABASE_MIGRATION_URL: "postgres://db/lobby", DATABASE_READ_URL: "postgres://replica/lobby" }), [
    "DATABASE_MIGRATION_URL is set without DATABASE_URL (the primary, where everything that writes goes)",
    "DATABASE_READ_URL is set without DATABASE_URL (the primary, where everything that writes goes)",
  ]);
  const bad = problems({
    DATABASE_URL: "postgres://db/lobby",
    DATABASE_MIGRATION_URL: "postgres://owner:hunter2@db:99999/lobby",
    DATABASE_READ_URL: "postgres://r:hunter2@replica/lobby,postgres://r:hunter2@replica-2/lobby?sslmode=maybe",
    DATABASE_READ_MAX_LAG: "five",
  });
  t.same(bad, [
    "DATABASE_MIGRATION_URL has a port outside 1-65535",
    "DATABASE_READ_URL has a URL (the 2nd) that has sslmode=maybe; use one of disable, allow, prefer, require, verify-ca, verify-full",
    'DATABASE_READ_MAX_LAG must be a number of seconds from 0 to 86400, such as 5 or 0.5 (got "five")',
  ]);
  t.notOk(bad.some((line) => line.includes("hunter2")), "no password shown");
  t.same(problems({ DATABASE_URL: "postgres://db/lobby", DATABASE_READ_MAX_LAG: "86401" }), [
    'DATABASE_READ_MAX_LAG must be a number of seconds from 0 to 86400, such as 5 or 0.5 (got "86401")',
  ]);
  t.same(problems({ DATABASE_URL: "postgres://db/lobby", DATABASE_READ_URL: "" }), ["DATABASE_READ_URL is empty: unset it, or give it a value"]);
});

t.test("poolerSign knows PgBouncer's refusals, through causes, and nothing else", async (t) => {
  const coded = (code: string, message: string) => Object.assign(new Error(message), { code });
  t.equal(poolerSign(coded("08P01", "unsupported startup parameter: statement_timeout")), "startup_parameter");
  t.equal(poolerSign(new RepositoryUnavailableError({ cause: coded("08P01", "unsupported startup parameter: options") })), "startup_parameter");
  t.equal(poolerSign(coded("26000", 'prepared statement "abc" does not exist')), "prepared_statement");
  t.equal(poolerSign(coded("42P05", 'prepared statement "abc" already exists')), "prepared_statement");
  t.equal(poolerSign(coded("08P01", "invalid message format")), undefined, "another protocol violation");
  t.equal(poolerSign(coded("26000", "something else")), undefined);
  t.equal(poolerSign(coded("42P01", 'relation "lobby_listing" does not exist')), undefined);
  t.equal(poolerSign("unsupported startup parameter"), undefined);
  t.equal(poolerSign(null), undefined);
});

t.test("poolerGuard adapts the client once, repeats what failed meanwhile, and passes other errors on", async (t) => {
  const sql = postgres({ host: "127.0.0.1", port: 1, prepare: true, connection: { application_name: "lobby", statement_timeout: 5000 } });
  t.teardown(() => sql.end({ timeout: 0 }));
  const signs: string[] = [];
  const guard = poolerGuard(sql, (sign) => signs.push(sign));
  const refused = Object.assign(new Error('prepared statement "x" does not exist'), { code: "26000" });
  const closed = new RepositoryUnavailableError({ cause: Object.assign(new Error("closed"), { code: "CONNECTION_CLOSED" }) });
  // Two tasks under way: one fails with the sign, the other (a breaker's refusal) after it.
  let firstAttempts = 0;
  let secondAttempts = 0;
  let release!: () => void;
  const later = new Promise<void>((resolve) => (release = resolve));
  const first = guard(() => (++firstAttempts === 1 ? Promise.reject(refused) : Promise.resolve("first")));
  const second = guard(async () => {
    if (++secondAttempts === 1) {
      await later;
      throw closed;
    }
    return "second";
  });
  t.equal(await first, "first");
  release();
  t.equal(await second, "second", "the task that failed while the client changed runs again");
  t.same([firstAttempts, secondAttempts], [2, 2]);
  t.same(signs, ["prepared_statement"]);
  t.equal(sql.options.prepare, false);
  t.same(sql.options.connection, { application_name: "lobby" }, "statement_timeout dropped, the rest kept");
  // From now on: other errors, and a sign once adapted, go to the caller.
  const bug = new TypeError("bug");
  await t.rejects(guard(() => Promise.reject(bug)), bug);
  await t.rejects(guard(() => Promise.reject(refused)), refused);
  t.same(signs, ["prepared_statement"], "told once");
  // A second failure of the repeated task is the caller's.
  const fresh = poolerGuard(postgres({ host: "127.0.0.1", port: 1 }), () => {});
  await t.rejects(fresh(() => Promise.reject(refused)), refused);
});

t.test("guardedRepository guards listings and keeps watch", async (t) => {
  const heard: RepositoryEvent[] = [];
  const inner: WorkspaceRepository = {
    listForUser: () => Promise.resolve([]),
    watch: (listener) => listener({ event: "down", reason: "X" }),
  };
  let guarded = 0;
  const repository = guardedRepository(inner, (task) => (guarded++, task()));
  t.same(await repository.listForUser("alice"), []);
  t.equal(guarded, 1);
  repository.watch!((event) => heard.push(event));
  t.same(heard, [{ event: "down", reason: "X" }]);
  t.equal(guardedRepository({ listForUser: () => Promise.resolve([]) }, (task) => task()).watch, undefined);
});

t.test("schemaFirst migrates once before the first listing, tries again after a failure, and reports it", async (t) => {
  const sent: string[] = [];
  const failures: unknown[] = [
    Object.assign(new Error("connect ECONNREFUSED 10.0.0.9:5432"), { code: "ECONNREFUSED" }),
    Object.assign(new Error('permission denied for schema "public"'), { code: "42501", severity: "ERROR" }),
  ];
  const events: RepositoryEvent[] = [];
  let listed = 0;
  const repository = schemaFirst(
    { listForUser: () => (listed++, Promise.resolve([])), watch: (listener) => void listener({ event: "up", refused: 0, durationMs: 0 }) },
    (text) => (sent.push(text), failures.length > 0 ? Promise.reject(failures.shift()) : Promise.resolve()),
  );
  repository.watch!((event) => events.push(event));
  await t.rejects(repository.listForUser("alice"), RepositoryUnavailableError, "the migration's server is down: unavailable");
  await t.rejects(repository.listForUser("alice"), { code: "42501" }, "other failures as they are");
  t.equal(listed, 0, "no listing before the schema is there");
  await Promise.all([repository.listForUser("alice"), repository.listForUser("bob")]);
  await repository.listForUser("carol");
  t.equal(sent.length, 3, "two failures, then once for everyone");
  t.equal(listed, 3);
  t.match(events, [
    { event: "up" },
    { event: "error", code: "ECONNREFUSED" },
    { event: "error", code: "42501", message: 'permission denied for schema "..."' },
  ]);
});
