/**
 * `npm run bench:seed`: fills a Postgres database with a deterministic data
 * set at scale for the benchmarks, written into lobby's tables.
 *
 * The data is `bench/seed-data.ts`'s, the same on every run and machine.
 *
 * The load: the tables are dropped and recreated by lobby's own migration
 * (`applySchema`), so the schema is exactly the one lobby runs; then every
 * primary key, unique constraint, foreign key and index the migration made
 * is read from the catalog and dropped, the rows are streamed with
 * `COPY … FROM STDIN (FREEZE)`, two tables at once, and the constraints and
 * indexes are recreated from their catalog definitions, followed by
 * `VACUUM (ANALYZE)`. Loading first and indexing after spares maintaining
 * every index row by row.
 *
 * Run: `npm run bench:seed` (`DATABASE_URL`, default the benchmark database,
 * which is created when missing; `BENCH_SEED_SCALE` below 1 makes a smaller
 * set for a quick check). It refuses a database whose tables hold rows it
 * did not write, unless given `--force`.
 *
 * @module
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { applySchema } from "../lib/repository/mod.ts";
import { isMain, log, redact, resultDate, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, databaseUrl, type MembershipCount, SEED_PROFILE } from "./_harness/dataset.ts";
import { generateDataSet, institutionLines, membershipLines, workspaceLines } from "./seed-data.ts";

/** What a seed run did, as printed and written to `bench/results/`. */
export interface SeedSummary {
  /** The database, without password. */
  readonly database: string;
  /** When the run finished, ISO 8601. */
  readonly finishedAt: string;
  /** Wall time of the whole run, in seconds. */
  readonly seconds: number;
  /** Wall time of each phase, in seconds. */
  readonly phases: Readonly<Record<string, number>>;
  /** Rows written per table. */
  readonly rows: {
    readonly institutions: number;
    readonly workspaces: number;
    readonly memberships: number;
    /** Rows of lobby's read model: memberships of workspaces not soft-deleted. */
    readonly listed: number;
  };
  /** Users with memberships (regular and benchmark users). */
  readonly users: number;
  /** The benchmark users by listed membership count. */
  readonly benchUsers: Readonly<Record<MembershipCount, string>>;
  /** The command that produced it. */
  readonly command: string;
}

// ---------------------------------------------------------------------------
// Progress: a bar redrawn on a terminal, a line a quarter otherwise.

/** Progress lines with the time since the start, and a count of the rows loaded. */
function progressReporter(tty: boolean) {
  const started = performance.now();
  const elapsed = () => `[${((performance.now() - started) / 1000).toFixed(1)} s]`;
  let total = 0;
  let done = 0;
  let shown = 0;
  return {
    line: (text: string): void => void process.stdout.write(`${text}  ${elapsed()}\n`),
    rows(count: number): void {
      total = count;
      done = 0;
      shown = 0;
    },
    add(n: number): void {
      done += n;
      const share = total === 0 ? 1 : done / total;
      const step = Math.floor(share * (tty ? 30 : 4));
      if (step === shown) return;
      shown = step;
      const rows = `${done.toLocaleString("en-US")}/${total.toLocaleString("en-US")} rows`;
      if (!tty) return void process.stdout.write(`  loaded ${rows} (${step * 25}%)  ${elapsed()}\n`);
      const bar = `${"#".repeat(step)}${"-".repeat(30 - step)}`;
      process.stdout.write(`\r  loading [${bar}] ${(share * 100).toFixed(0).padStart(3)}% ${rows}  ${elapsed()}${done === total ? "\n" : ""}`);
    },
  };
}

// ---------------------------------------------------------------------------
// The load.

const TABLES = ["institutions", "workspaces", "workspace_members"] as const;

/** A constraint or index as the catalog defines it, to drop and recreate. */
interface Definition {
  readonly table: string;
  readonly name: string;
  /** `p`rimary key, `u`nique, `f`oreign key, or `i`ndex. */
  readonly type: "p" | "u" | "f" | "i";
  /** `pg_get_constraintdef` or `pg_get_indexdef`. */
  readonly definition: string;
}

/** Options of {@link seedDatabase}. */
export interface SeedOptions {
  /** Replace rows the seed did not write. Default `false`. */
  readonly force?: boolean;
  /** Draw a progress bar (a terminal) or print plain lines. */
  readonly tty?: boolean;
}

/**
 * Fills the database at `url` with the benchmark data set, replacing what is
 * there (see the module documentation).
 *
 * @param url A Postgres URL; its database is created when missing.
 * @param options See {@link SeedOptions}.
 * @returns What was written and how long it took.
 * @throws When the database holds rows the seed did not write (without
 *   `force`), or the server's error.
 */
export async function seedDatabase(url: string, options: SeedOptions = {}): Promise<SeedSummary> {
  const started = performance.now();
  const progress = progressReporter(options.tty ?? false);
  const phases: Record<string, number> = {};
  let phaseStart = performance.now();
  const phase = (name: string): void => {
    const now = performance.now();
    phases[name] = Math.round(now - phaseStart) / 1000;
    phaseStart = now;
    progress.line(`${name}: ${phases[name]?.toFixed(2)} s`);
  };

  await ensureDatabase(url);
  const sql = postgres(url, {
    max: 4,
    onnotice: () => {},
    connection: { application_name: "lobby-bench-seed", maintenance_work_mem: "256MB", synchronous_commit: "off" },
  });
  try {
    await refuseForeignRows(sql, options.force ?? false);
    progress.line(`seeding ${redact(url)}`);

    // Generate while nothing else runs: all in memory.
    const data = generateDataSet();
    phase("generate");

    // Fresh tables from lobby's own migration, then strip them for the load.
    await sql.unsafe(`DROP TABLE IF EXISTS ${TABLES.join(", ")}, lobby_listing CASCADE`);
    await applySchema((text) => sql.unsafe(text));
    const definitions = await readDefinitions(sql);
    const drop = [
      ...definitions.filter((d) => d.type === "f").map((d) => `ALTER TABLE ${d.table} DROP CONSTRAINT ${ident(d.name)}`),
      ...definitions.filter((d) => d.type === "p" || d.type === "u").map((d) =>
        `ALTER TABLE ${d.table} DROP CONSTRAINT ${ident(d.name)}`
      ),
      ...definitions.filter((d) => d.type === "i").map((d) => `DROP INDEX ${ident(d.name)}`),
      ...TABLES.map((table) => `ALTER TABLE ${table} DISABLE TRIGGER USER`),
    ];
    await sql.unsafe(drop.join(";\n"));
    phase("schema");

    // COPY … (FREEZE) needs the table truncated in the same transaction; it
    // then writes rows frozen and all-visible, ready for index-only scans.
    const members = data.memberUser.length;
    progress.rows(SEED_PROFILE.institutions + SEED_PROFILE.workspaces + members);
    const add = (n: number): void => progress.add(n);
    await Promise.all([
      copyRows(sql, "institutions", "(biz_id, name)", institutionLines(add)).then(() =>
        copyRows(sql, "workspaces", "(id, biz_id, institution_biz_id, entity_biz_id, name, timezone, status, kind, " +
          "extra_data, created_at, updated_at, deleted_at)", workspaceLines(data, add))
      ),
      copyRows(sql, "workspace_members", "(user_id, workspace_id, role, created_at)", membershipLines(data, add)),
    ]);
    phase("load");

    // Keys and indexes, two at a time (the two tables in parallel), then
    // the foreign keys, which check every row.
    const build = (table: string): Promise<void> =>
      definitions
        .filter((d) => d.table === table && d.type !== "f")
        .sort((a, b) => (a.type === "i" ? 1 : 0) - (b.type === "i" ? 1 : 0))
        .reduce(
          (previous, d) =>
            previous.then(() =>
              sql.unsafe(
                d.type === "i" ? d.definition : `ALTER TABLE ${d.table} ADD CONSTRAINT ${ident(d.name)} ${d.definition}`,
              ).then(() => {})
            ),
          Promise.resolve(),
        );
    await Promise.all([build("workspace_members"), build("institutions").then(() => build("workspaces"))]);
    phase("keys and indexes");
    for (const d of definitions.filter((d) => d.type === "f")) {
      await sql.unsafe(`ALTER TABLE ${d.table} ADD CONSTRAINT ${ident(d.name)} ${d.definition}`);
    }
    await sql.unsafe(
      `SELECT setval(pg_get_serial_sequence('workspaces', 'id'), (SELECT max(id) FROM workspaces));\n` +
        TABLES.map((table) => `ALTER TABLE ${table} ENABLE TRIGGER USER`).join(";\n"),
    );
    phase("foreign keys");

    // lobby's read model, as its migration makes it on a database that
    // already holds rows: a new lobby_listing is backfilled from the
    // tables, then indexed.
    await sql.unsafe("DROP TABLE lobby_listing");
    await applySchema((text) => sql.unsafe(text));
    phase("read model");

    // Index-only scans need the visibility map that VACUUM sets. It cannot
    // mark pages all-visible while any transaction older than the load is
    // open (other sessions on the server): then wait and vacuum again.
    // The versions too: the read model made again moved every user's
    // version (a change row each in lobby_listing_changes, and a counter of
    // an earlier lobby's bumped in lobby_listing_versions), leaving dead
    // rows behind (and a server may run without autovacuum, as this
    // machine's does).
    const tables = [...TABLES, "lobby_listing", "lobby_listing_versions", "lobby_listing_changes"];
    await sql.unsafe(`VACUUM (ANALYZE) ${tables.join(", ")}`);
    for (let attempt = 1;; attempt++) {
      const [state] = await sql<{ share: number }[]>`
        SELECT min(relallvisible::float8 / greatest(relpages, 1)) AS share FROM pg_class
        WHERE oid IN (SELECT to_regclass(name) FROM unnest(${tables}::text[]) AS name)`;
      if ((state?.share ?? 0) >= 0.99) break;
      if (attempt === 20) {
        progress.line(`  warning: only ${((state?.share ?? 0) * 100).toFixed(0)}% of pages are all-visible (an old transaction is open?)`);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
      await sql.unsafe(`VACUUM ${tables.join(", ")}`);
    }
    phase("vacuum analyze");

    const [counts] = await sql<{ institutions: number; workspaces: number; memberships: number; listed: number }[]>`
      SELECT (SELECT count(*)::int4 FROM institutions) AS institutions,
        (SELECT count(*)::int4 FROM workspaces) AS workspaces,
        (SELECT count(*)::int4 FROM workspace_members) AS memberships,
        (SELECT count(*)::int4 FROM lobby_listing) AS listed`;
    if (counts === undefined) throw new Error("Cannot count the seeded rows");
    phase("count");
    return {
      database: redact(url),
      finishedAt: new Date().toISOString(),
      seconds: Math.round(performance.now() - started) / 1000,
      phases,
      rows: {
        institutions: counts.institutions,
        workspaces: counts.workspaces,
        memberships: counts.memberships,
        listed: counts.listed,
      },
      users: data.userIds.length,
      benchUsers: BENCH_USERS,
      command: "npm run bench:seed",
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Streams `lines` into `table` with COPY (FREEZE) in its own transaction. */
async function copyRows(sql: postgres.Sql, table: string, columns: string, lines: Iterable<string>): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe(`TRUNCATE ${table}`);
    const writable = await tx.unsafe(`COPY ${table} ${columns} FROM STDIN (FREEZE)`).writable();
    await pipeline(Readable.from(lines), writable);
  });
}

/** The primary keys, unique constraints, foreign keys and other indexes of the tables. */
async function readDefinitions(sql: postgres.Sql): Promise<Definition[]> {
  const constraints = await sql<Definition[]>`
    SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype AS type,
      pg_get_constraintdef(c.oid) AS definition
    FROM pg_constraint AS c
    WHERE c.conrelid::regclass::text IN ${sql(TABLES)} AND c.contype IN ('p', 'u', 'f')
    ORDER BY c.conname`;
  const indexes = await sql<Definition[]>`
    SELECT i.indrelid::regclass::text AS table, i.indexrelid::regclass::text AS name, 'i' AS type,
      pg_get_indexdef(i.indexrelid) AS definition
    FROM pg_index AS i
    WHERE i.indrelid::regclass::text IN ${sql(TABLES)}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
    ORDER BY 2`;
  return [...constraints, ...indexes];
}

function ident(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll("\"", "\"\"")}"`;
}

/** Creates the database of `url` when it does not exist, connecting to `postgres`. */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const probe = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await probe`SELECT 1`;
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "3D000") throw error;
  } finally {
    await probe.end({ timeout: 1 });
  }
  const adminUrl = new URL(url);
  adminUrl.pathname = "/postgres";
  const admin = postgres(adminUrl.href, { max: 1, connect_timeout: 5, onnotice: () => {} });
  try {
    await admin`CREATE DATABASE ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

/** Refuses to replace tables holding rows that a seed run did not write. */
async function refuseForeignRows(sql: postgres.Sql, force: boolean): Promise<void> {
  if (force) return;
  const [row] = await sql<{ exists: boolean | null; ours: boolean | null }[]>`
    SELECT to_regclass('workspace_members') IS NOT NULL AS exists`;
  if (row?.exists !== true) return;
  const [state] = await sql<{ any: boolean; ours: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM workspace_members) AS any,
      EXISTS (SELECT 1 FROM workspace_members WHERE user_id = ${BENCH_USERS[5000]}) AS ours`;
  if (state?.any === true && state.ours !== true) {
    throw new Error(
      "Cannot seed: this database's workspace_members holds rows the benchmark seed did not write. " +
        "Point DATABASE_URL at a benchmark database, or pass --force to replace them.",
    );
  }
}

// ---------------------------------------------------------------------------
// Command line: `node .bench/seed.js [--force]` (see `npm run bench:seed`).

if (isMain(import.meta, "seed")) {
  try {
    const summary = await seedDatabase(databaseUrl(), { force: process.argv.includes("--force"), tty: process.stdout.isTTY === true });
    const users = Object.entries(summary.benchUsers).map(([count, id]) => `${id} (${count})`).join(", ");
    log(
      `seeded ${summary.rows.institutions.toLocaleString("en-US")} institutions, ` +
        `${summary.rows.workspaces.toLocaleString("en-US")} workspaces, ` +
        `${summary.rows.memberships.toLocaleString("en-US")} memberships of ${summary.users.toLocaleString("en-US")} users ` +
        `in ${summary.seconds.toFixed(1)} s\n` +
        `benchmark users (listed memberships): ${users}\n` +
        `random regular users: ${SEED_PROFILE.firstUserId}…${SEED_PROFILE.firstUserId + SEED_PROFILE.users - 1}`,
    );
    log(`wrote ${writeOutput(`bench/results/${resultDate()}-seed.json`, `${JSON.stringify(summary, null, 2)}\n`)}`);
  } catch (error) {
    process.stderr.write(`bench:seed failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
