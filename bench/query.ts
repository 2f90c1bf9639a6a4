/**
 * `npm run bench:query`: the listing query against its physical floor.
 *
 * Through postgres.js, side by side in rounds (the three variants of a
 * membership count in turn, their order rotated each round): `SELECT 1` (the
 * round trip), the raw listing SQL (`sql.unsafe(LISTING_SQL, [id], { prepare:
 * true })`) and the repository's `listForUser`, at 1 and 16 queries in
 * flight, for the benchmark users with 1, 10, 100, 500 and 5,000
 * memberships; queries/s, p50 and p99 per round, reported as median and
 * range over the rounds. Then pgbench (`bench/query-pgbench.ts`), and the
 * `EXPLAIN (ANALYZE, BUFFERS)` plans of a typical and a heavy user. A
 * sequential scan in the typical user's plan fails the run (exit code 1),
 * not the test suite.
 *
 * Writes `bench/results/<YYYY-MM-DD>-query.json` and
 * `bench/results/latency-by-memberships.svg`; `renderQueryReport`
 * (`bench/query-report.ts`) makes the report's section from the results.
 * `npm run bench` runs it too.
 *
 * Environment: `DATABASE_URL` (default the `npm run bench:seed` database),
 * `QUERY_ROUNDS` (default 6, a multiple of the 3 rotations), `QUERY_SLOT_MS`
 * (default 400), `PGBENCH` (path, or `none` to skip it), `PGBENCH_SECONDS`
 * (default 4), `PGBENCH_ROUNDS` (default 3).
 *
 * @module
 */
import { existsSync, readdirSync } from "node:fs";
import postgres from "postgres";
import { postgresRepository } from "../lib/repository/mod.ts";
import { LISTING_SQL } from "../lib/repository/_sql.ts";
import { envNumber, isMain, log, packageVersion, readJson, redact, resultDate, ROOT, writeOutput } from "./_harness/context.ts";
import { BENCH_USERS, databaseUrl, MEMBERSHIP_COUNTS, type MembershipCount } from "./_harness/dataset.ts";
import { loadAverage, machine } from "./_harness/machine.ts";
import { ratios, summary } from "./_harness/stats.ts";
import { closedLoops, nsPerCall } from "./_harness/timing.ts";
import { findPgbench, JOIN_LISTING_SQL, runPgbench } from "./query-pgbench.ts";
import {
  type ExplainResult,
  type OverheadResult,
  type QueryBenchResults,
  type QueryVariant,
  type RatioResult,
  renderLatencySvg,
  renderQueryReport,
  type VariantResult,
} from "./query-report.ts";
import type { SeedSummary } from "./seed.ts";

/** Options of {@link runQueryBench}; the rest comes from the environment (see the module documentation). */
export interface QueryBenchOptions {
  /** Default `DATABASE_URL`, else the `npm run bench:seed` database. */
  readonly databaseUrl?: string;
  /** Progress lines (default to stdout). */
  readonly log?: (line: string) => void;
  /** Write the results file and the plot into `bench/results/`. Default `true`. */
  readonly write?: boolean;
}

/** The standalone server's postgres.js options, with a pool for 16 in flight. */
const CLIENT_OPTIONS = {
  max: 16,
  connect_timeout: 3,
  idle_timeout: 60,
  onnotice: () => {},
  connection: { application_name: "lobby-bench", statement_timeout: 5000 },
} as const;

/** `call` from `concurrency` closed loops for at least `slotMs` and 100 calls (at most 4 s). */
function slot(call: () => Promise<unknown>, concurrency: number, slotMs: number) {
  return closedLoops(call, concurrency, (elapsedMs, calls) => (elapsedMs >= slotMs && calls >= 100) || elapsedMs >= 4000);
}

/** See {@link OverheadResult}. */
async function overhead(sql: postgres.Sql, counts: readonly MembershipCount[]): Promise<OverheadResult[]> {
  const out: OverheadResult[] = [];
  for (const count of counts) {
    const user = BENCH_USERS[count];
    const rows = await sql.unsafe(LISTING_SQL, [user], { prepare: true });
    const standIn = { unsafe: () => Promise.resolve(rows) } as unknown as postgres.Sql;
    const repository = postgresRepository(standIn, { applySchema: true });
    await repository.listForUser(user);
    const calls = Math.max(200, Math.round(200_000 / (count + 10)));
    const direct: number[] = [];
    const viaRepository: number[] = [];
    for (let round = 0; round < 7; round++) {
      direct.push(await nsPerCall(calls, () => standIn.unsafe(LISTING_SQL, [user], { prepare: true })));
      viaRepository.push(await nsPerCall(calls, () => repository.listForUser(user)));
    }
    out.push({ memberships: count, directNs: summary(direct), repositoryNs: summary(viaRepository) });
  }
  return out;
}

/**
 * Runs the listing benchmark against a database seeded by `npm run
 * bench:seed`.
 *
 * @param options See {@link QueryBenchOptions}.
 * @returns Every figure, for `renderQueryReport` and the results file.
 * @throws When the database is not seeded, or the server's error.
 */
export async function runQueryBench(options: QueryBenchOptions = {}): Promise<QueryBenchResults> {
  const startedAt = new Date();
  const { databaseUrl: url = databaseUrl(), log: progress = log } = options;
  const rounds = envNumber("QUERY_ROUNDS", 6);
  const slotMs = envNumber("QUERY_SLOT_MS", 400);
  const concurrency = [1, 16];
  const counts = MEMBERSHIP_COUNTS;
  const loadAverageAtStart = loadAverage();

  const sql = postgres(url, CLIENT_OPTIONS);
  try {
    // As the standalone server makes it: the schema applied lazily, once.
    const repository = postgresRepository(sql, { applySchema: true });
    for (const count of counts) {
      const rows = await repository.listForUser(BENCH_USERS[count]);
      if (rows.length !== count) {
        throw new Error(`${BENCH_USERS[count]} lists ${rows.length} workspaces, not ${count}: run npm run bench:seed first`);
      }
    }
    // Each awaited inside an async function, as the repository does: awaiting
    // postgres.js's query object (a Promise subclass) directly from the loop
    // is slower at 16 in flight, which would flatter the repository.
    const calls: Record<QueryVariant, (user: string) => () => Promise<unknown>> = {
      select1: () => async () => await sql.unsafe("SELECT 1", [], { prepare: true }),
      raw: (user) => async () => await sql.unsafe(LISTING_SQL, [user], { prepare: true }),
      repository: (user) => () => repository.listForUser(user),
    };
    const order: readonly QueryVariant[] = ["select1", "raw", "repository"];

    // Warm up: every connection opened, every statement prepared on each and
    // past the first five executions (then Postgres may switch to a generic plan).
    progress(`warming up ${CLIENT_OPTIONS.max} connections`);
    for (const count of counts) {
      for (const variant of order) await slot(calls[variant](BENCH_USERS[count]), 16, 150);
    }

    const samples = new Map<string, { qps: number[]; p50: number[]; p99: number[]; queries: number }>();
    const key = (variant: QueryVariant, c: number, count: number): string => `${variant}:${c}:${count}`;
    for (let round = 0; round < rounds; round++) {
      for (const c of concurrency) {
        for (const count of counts) {
          const line: string[] = [];
          for (const variant of [...order.slice(round % 3), ...order.slice(0, round % 3)]) {
            const result = await slot(calls[variant](BENCH_USERS[count]), c, slotMs);
            const entry = samples.get(key(variant, c, count)) ?? { qps: [], p50: [], p99: [], queries: 0 };
            entry.qps.push(result.rate);
            entry.p50.push(result.p50);
            entry.p99.push(result.p99);
            entry.queries += result.calls;
            samples.set(key(variant, c, count), entry);
            line.push(`${variant} ${result.rate.toFixed(0)}/s`);
          }
          progress(`  round ${round + 1}/${rounds}, ${c} in flight, ${count} memberships: ${line.join(", ")}`);
        }
      }
    }
    const variants: VariantResult[] = [];
    const ratioResults: RatioResult[] = [];
    for (const c of concurrency) {
      for (const count of counts) {
        const qps = (variant: QueryVariant) => samples.get(key(variant, c, count))?.qps ?? [];
        for (const variant of order) {
          const entry = samples.get(key(variant, c, count));
          if (entry === undefined) continue;
          variants.push({ variant, concurrency: c, memberships: count, qps: entry.qps, p50Ms: entry.p50, p99Ms: entry.p99, queries: entry.queries });
        }
        ratioResults.push({
          concurrency: c,
          memberships: count,
          rawToSelect1: summary(ratios(qps("raw"), qps("select1"))),
          repositoryToRaw: summary(ratios(qps("repository"), qps("raw"))),
        });
      }
    }

    progress("repository overhead in process");
    const overheadResults = await overhead(sql, counts);

    const pgbenchPath = findPgbench(process.env.PGBENCH);
    let pgbench: QueryBenchResults["pgbench"] = { skipped: "pgbench is not installed (set PGBENCH to its path)" };
    if (pgbenchPath !== undefined) {
      progress(`pgbench (${pgbenchPath})`);
      pgbench = await runPgbench(pgbenchPath, url, envNumber("PGBENCH_SECONDS", 4), envNumber("PGBENCH_ROUNDS", 3), progress)
        .catch((error: unknown) => ({ skipped: `pgbench failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` }));
    }

    const explain: ExplainResult[] = [];
    const plan = async (label: string, text: string, count: MembershipCount, generic: boolean): Promise<void> => {
      const user = BENCH_USERS[count];
      const reserved = await sql.reserve();
      try {
        if (generic) await reserved.unsafe("SET plan_cache_mode = force_generic_plan");
        const rows = await reserved.unsafe<{ "QUERY PLAN": string }[]>(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, [user]);
        const lines = rows.map((row) => row["QUERY PLAN"]);
        explain.push({ label, user, memberships: count, plan: lines.join("\n"), seqScan: lines.some((l) => /Seq Scan/.test(l)) });
      } finally {
        if (generic) await reserved.unsafe("RESET plan_cache_mode");
        reserved.release();
      }
    };
    await plan("typical user (10 memberships), listing", LISTING_SQL, 10, false);
    await plan("typical user (10 memberships), listing, generic plan (what a prepared statement settles on)", LISTING_SQL, 10, true);
    await plan("heavy user (5,000 memberships), listing", LISTING_SQL, 5000, false);
    await plan("typical user (10 memberships), plain join (before)", JOIN_LISTING_SQL, 10, false);
    await plan("heavy user (5,000 memberships), plain join (before)", JOIN_LISTING_SQL, 5000, false);
    const failures = explain
      .filter((e) => e.memberships === 10 && e.seqScan && !e.label.includes("before"))
      .map((e) => `a sequential scan in the plan of the ${e.label}`);

    const storage = await sql<{ relation: string; bytes: number }[]>`
      SELECT c.relname AS relation, pg_relation_size(c.oid)::float8 AS bytes
      FROM pg_class AS c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
        AND (c.relname LIKE 'workspace%' OR c.relname LIKE 'lobby_listing%')
      ORDER BY c.relname`;
    const [visibility] = await sql<{ pages: number; all_visible: number }[]>`
      SELECT relpages AS pages, relallvisible AS all_visible FROM pg_class WHERE oid = 'lobby_listing'::regclass`;
    const [server] = await sql<{ server_version: string }[]>`SHOW server_version`;

    const { nproc, cpu } = machine();
    const results: QueryBenchResults = {
      date: resultDate(startedAt),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { cpus: nproc, cpu, loadAverageAtStart, loadAverageAtEnd: loadAverage() },
      versions: { node: process.version, postgres: server?.server_version ?? "unknown", postgresJs: packageVersion("postgres") ?? "unknown" },
      database: redact(url),
      seed: latestSeed(),
      settings: {
        rounds,
        slotMs,
        concurrency,
        client: "postgres(url, { max: 16, connect_timeout: 3, idle_timeout: 60, connection: { statement_timeout: 5000 } }) " +
          "(the standalone server's options; max 10 there, 16 here for 16 in flight)",
        repository: "postgresRepository(sql, { applySchema: true }) (as the standalone server)",
      },
      variants,
      ratios: ratioResults,
      overhead: overheadResults,
      pgbench,
      explain,
      storage: storage.map((row) => ({ relation: row.relation, bytes: row.bytes })),
      allVisible: { relation: "lobby_listing", pages: visibility?.pages ?? 0, allVisible: visibility?.all_visible ?? 0 },
      commands: [
        "npm run bench:seed",
        `npm run bench:query   # QUERY_ROUNDS=${rounds} QUERY_SLOT_MS=${slotMs}`,
        ...("scripts" in pgbench ? pgbench.scripts.map((s) => s.command) : []),
      ],
      failures,
    };
    if (options.write ?? true) progress(`wrote ${writeQueryResults(results).join(" and ")}`);
    if (failures.length > 0) {
      // Fails the benchmark run (also when bench/run.ts runs this), not the test suite.
      progress(`FAIL: ${failures.join("; ")}`);
      process.exitCode = 1;
    }
    return results;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The newest `npm run bench:seed` summary in `bench/results/`. */
function latestSeed(): SeedSummary | undefined {
  const directory = `${ROOT}bench/results`;
  const latest = existsSync(directory) ? readdirSync(directory).filter((name) => name.endsWith("-seed.json")).sort().pop() : undefined;
  return latest === undefined ? undefined : readJson<SeedSummary>(`bench/results/${latest}`);
}

/**
 * Writes the results file and the plot into `bench/results/`.
 *
 * @param results What {@link runQueryBench} returned.
 * @returns The paths written, relative to the repository.
 */
export function writeQueryResults(results: QueryBenchResults): string[] {
  return [
    writeOutput(`bench/results/${results.date}-query.json`, `${JSON.stringify(results, null, 2)}\n`),
    writeOutput("bench/results/latency-by-memberships.svg", renderLatencySvg(results)),
  ];
}

if (isMain(import.meta, "query")) {
  try {
    log(`\n${renderQueryReport(await runQueryBench())}`);
  } catch (error) {
    process.stderr.write(`bench:query failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
