/**
 * `npm run bench:query`: the listing query against its physical floor.
 *
 * Through postgres.js, side by side in rounds (the three variants of a
 * membership count in turn, their order rotated each round): `SELECT 1` (the
 * round trip), the raw listing SQL (`sql.unsafe(LISTING_SQL, [id], { prepare:
 * true })`) and the repository's `listForUser`, at 1 and 16 queries in
 * flight, for the benchmark users with 1, 10, 100, 500 and 5,000
 * memberships; queries/s, p50 and p99 per round, reported as median and
 * range over the rounds. Then, when pgbench is installed, `pgbench -M
 * prepared` on `SELECT 1`, on the listing and on the plain join it replaced
 * (before and after, side by side), and the `EXPLAIN (ANALYZE, BUFFERS)`
 * plans of a typical and a heavy user. A sequential scan in the typical
 * user's plan fails the run (exit code 1), not the test suite.
 *
 * Writes `bench/results/<YYYY-MM-DD>-query.json` and
 * `bench/results/latency-by-memberships.svg`; `renderQueryReport` makes the
 * report's section from the results. `npm run bench` runs it too.
 *
 * Environment: `DATABASE_URL` (default {@link BENCH_DATABASE_URL}, seeded by
 * `npm run bench:seed`), `QUERY_ROUNDS` (default 6, a multiple of the 3 rotations), `QUERY_SLOT_MS`
 * (default 400), `PGBENCH` (path, default found on `PATH` or in
 * `/usr/lib/postgresql/<v>/bin`; `none` skips it), `PGBENCH_SECONDS`
 * (default 4), `PGBENCH_ROUNDS` (default 3).
 *
 * @module
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { postgresRepository } from "../lib/repository/postgres.ts";
import { LISTING_SQL } from "../lib/repository/sql.ts";
import {
  BENCH_DATABASE_URL,
  BENCH_USERS,
  benchDirectory,
  MEMBERSHIP_COUNTS,
  type MembershipCount,
  resultDate,
  SEED_PROFILE,
  type SeedSummary,
} from "./seed.ts";

/**
 * The listing as it was before lobby's read model: the plain join of the
 * tables on their primary keys. Kept to measure before and after side by
 * side on the same database.
 */
export const JOIN_LISTING_SQL: string = `SELECT
  w.biz_id::text AS "bizId",
  w.institution_biz_id::text AS "institutionBizId",
  w.entity_biz_id::text AS "entityBizId",
  w.name::text AS "name",
  w.timezone::text AS "timezone",
  w.status::int4 AS "status",
  w.kind::int4 AS "kind",
  w.extra_data::text AS "extraData",
  w.created_at::timestamptz AS "createdAt",
  w.updated_at::timestamptz AS "updatedAt",
  m.role::text AS "role"
FROM workspace_members AS m
JOIN workspaces AS w ON w.id = m.workspace_id
WHERE m.user_id = $1
  AND w.deleted_at IS NULL
ORDER BY w.created_at, w.biz_id COLLATE "C"`;

/** What is measured through postgres.js. */
export type QueryVariant = "select1" | "raw" | "repository";

/** Median and range over the rounds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One variant at one concurrency and membership count. */
export interface VariantResult {
  readonly variant: QueryVariant;
  readonly concurrency: number;
  /** The benchmark user's membership count (`SELECT 1` is measured beside each). */
  readonly memberships: MembershipCount;
  /** Queries per second, per round. */
  readonly qps: readonly number[];
  /** Median latency per round, ms. */
  readonly p50Ms: readonly number[];
  /** 99th percentile latency per round, ms. */
  readonly p99Ms: readonly number[];
  /** Queries timed in all rounds. */
  readonly queries: number;
}

/** A ratio of two variants measured in the same round, over the rounds. */
export interface RatioResult {
  readonly concurrency: number;
  readonly memberships: MembershipCount;
  /** raw / SELECT 1 queries per second. */
  readonly rawToSelect1: Spread;
  /** repository / raw queries per second. */
  readonly repositoryToRaw: Spread;
}

/** One pgbench script. */
export interface PgbenchScript {
  readonly name: string;
  readonly description: string;
  /** Transactions per second, per round. */
  readonly tps: readonly number[];
  /** Average latency per round, ms. */
  readonly latencyMs: readonly number[];
  /** The command, without connection arguments. */
  readonly command: string;
}

/** The pgbench part. */
export interface PgbenchResult {
  readonly version: string;
  readonly clients: number;
  readonly threads: number;
  readonly seconds: number;
  readonly scripts: readonly PgbenchScript[];
  /** Per script (not `select1`): its tps / `SELECT 1` tps in the same round. */
  readonly ratios: Readonly<Record<string, Spread>>;
}

/** One EXPLAIN (ANALYZE, BUFFERS) plan. */
export interface ExplainResult {
  readonly label: string;
  readonly user: string;
  readonly memberships: number;
  readonly plan: string;
  readonly seqScan: boolean;
}

/**
 * The repository's own cost, without the network: `listForUser` over a
 * stand-in client that resolves at once with real rows, against calling
 * that client directly. Nanoseconds per call, median (range) of rounds.
 */
export interface OverheadResult {
  readonly memberships: MembershipCount;
  readonly directNs: Spread;
  readonly repositoryNs: Spread;
}

/** Everything `runQueryBench` measured. */
export interface QueryBenchResults {
  readonly date: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: {
    readonly cpus: number;
    readonly cpu: string;
    readonly loadAverageAtStart: readonly number[];
    readonly loadAverageAtEnd: readonly number[];
  };
  readonly versions: { readonly node: string; readonly postgres: string; readonly postgresJs: string };
  readonly database: string;
  /** The latest `npm run bench:seed` summary found in `bench/results/`. */
  readonly seed: SeedSummary | undefined;
  readonly settings: {
    readonly rounds: number;
    readonly slotMs: number;
    readonly concurrency: readonly number[];
    readonly client: string;
    readonly repository: string;
  };
  readonly variants: readonly VariantResult[];
  readonly ratios: readonly RatioResult[];
  readonly overhead: readonly OverheadResult[];
  readonly pgbench: PgbenchResult | { readonly skipped: string };
  readonly explain: readonly ExplainResult[];
  /** Table and index sizes, and how much of the read model is all-visible. */
  readonly storage: readonly { readonly relation: string; readonly bytes: number }[];
  readonly allVisible: { readonly relation: string; readonly pages: number; readonly allVisible: number };
  readonly commands: readonly string[];
  /** Why the run fails (a sequential scan for a typical user); empty when it passes. */
  readonly failures: readonly string[];
}

/** Options of {@link runQueryBench}; every field has a default. */
export interface QueryBenchOptions {
  readonly databaseUrl?: string;
  readonly rounds?: number;
  readonly slotMs?: number;
  readonly concurrency?: readonly number[];
  readonly counts?: readonly MembershipCount[];
  /** pgbench's path, or `"none"`. */
  readonly pgbench?: string;
  readonly pgbenchSeconds?: number;
  readonly pgbenchRounds?: number;
  readonly log?: (line: string) => void;
  /** Write the results file and the plot into `bench/results/`. Default `true`. */
  readonly write?: boolean;
}

/** The postgres.js options of `lib/standalone.ts`, with a pool for 16 in flight. */
const _CLIENT_OPTIONS = {
  max: 16,
  connect_timeout: 3,
  idle_timeout: 60,
  onnotice: () => {},
  connection: { application_name: "lobby-bench", statement_timeout: 5000 },
} as const;

// ---------------------------------------------------------------------------
// Measurement.

function _percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Median and range. */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? Number.NaN : n % 2 === 1
    ? sorted[(n - 1) / 2] as number
    : ((sorted[n / 2 - 1] as number) + (sorted[n / 2] as number)) / 2;
  return { median, min: sorted[0] ?? Number.NaN, max: sorted[n - 1] ?? Number.NaN };
}

interface _Slot {
  readonly qps: number;
  readonly p50: number;
  readonly p99: number;
  readonly queries: number;
}

/**
 * Runs `call` from `concurrency` closed loops until `slotMs` have passed and
 * at least 100 calls were timed (at most 4 s).
 */
async function _slot(call: () => Promise<unknown>, concurrency: number, slotMs: number): Promise<_Slot> {
  const latencies: number[] = [];
  const started = performance.now();
  let stop = false;
  const loop = async (): Promise<void> => {
    while (!stop) {
      const before = performance.now();
      await call();
      const after = performance.now();
      latencies.push(after - before);
      const elapsed = after - started;
      if ((elapsed >= slotMs && latencies.length >= 100) || elapsed >= 4000) stop = true;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { qps: latencies.length / seconds, p50: _percentile(sorted, 0.5), p99: _percentile(sorted, 0.99), queries: latencies.length };
}

/** See {@link OverheadResult}. */
async function _overhead(sql: postgres.Sql, counts: readonly MembershipCount[]): Promise<OverheadResult[]> {
  const out: OverheadResult[] = [];
  for (const count of counts) {
    const rows = await sql.unsafe(LISTING_SQL, [BENCH_USERS[count]], { prepare: true });
    const standIn = { unsafe: () => Promise.resolve(rows) } as unknown as postgres.Sql;
    const repository = postgresRepository(standIn, { applySchema: true });
    await repository.listForUser(BENCH_USERS[count]);
    const calls = Math.max(200, Math.round(200_000 / (count + 10)));
    const time = async (call: () => Promise<unknown>): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < calls; i++) await call();
      return ((performance.now() - started) * 1e6) / calls;
    };
    const direct: number[] = [];
    const viaRepository: number[] = [];
    for (let round = 0; round < 7; round++) {
      direct.push(await time(() => standIn.unsafe(LISTING_SQL, [BENCH_USERS[count]], { prepare: true })));
      viaRepository.push(await time(() => repository.listForUser(BENCH_USERS[count])));
    }
    out.push({ memberships: count, directNs: spread(direct), repositoryNs: spread(viaRepository) });
  }
  return out;
}

// ---------------------------------------------------------------------------
// pgbench.

function _findPgbench(configured: string | undefined): string | undefined {
  if (configured === "none") return undefined;
  if (configured !== undefined && configured !== "") return configured;
  const onPath = spawnSync("sh", ["-c", "command -v pgbench"], { encoding: "utf8" }).stdout.trim();
  if (onPath !== "") return onPath;
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return undefined;
  for (const version of readdirSync(root).sort().reverse()) {
    const candidate = `${root}/${version}/bin/pgbench`;
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The listing text as a pgbench script: `$1` becomes the variable `:uid`. */
function _pgbenchScript(text: string, uid: string | undefined): string {
  const set = uid === undefined
    ? `\\set uid random(${SEED_PROFILE.firstUserId}, ${SEED_PROFILE.firstUserId + SEED_PROFILE.users - 1})\n`
    : "";
  return `${set}${text.replaceAll("$1", ":uid")};\n`;
}

function _run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, [...args], { env, maxBuffer: 1 << 22, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr }));
      else resolve({ stdout, stderr });
    });
  });
}

async function _pgbench(
  path: string,
  url: string,
  seconds: number,
  rounds: number,
  log: (line: string) => void,
): Promise<PgbenchResult> {
  const target = new URL(url);
  const connection = [
    "-h", target.hostname || "127.0.0.1",
    "-p", target.port || "5432",
    "-U", decodeURIComponent(target.username || "postgres"),
  ];
  const database = decodeURIComponent(target.pathname.slice(1));
  const env = { ...process.env, ...(target.password !== "" ? { PGPASSWORD: decodeURIComponent(target.password) } : {}) };
  const version = (await _run(path, ["--version"], env)).stdout.trim();
  const directory = mkdtempSync(join(tmpdir(), "lobby-pgbench-"));
  const clients = 16;
  const threads = Math.min(clients, Math.max(1, cpus().length));
  const typical = BENCH_USERS[10];
  const scripts = [
    { name: "select1", description: "`SELECT 1`", text: "SELECT 1;\n" },
    { name: "listing-random", description: "listing (read model), a random regular user each time", text: _pgbenchScript(LISTING_SQL, undefined) },
    { name: "join-random", description: "plain join (before), a random regular user each time", text: _pgbenchScript(JOIN_LISTING_SQL, undefined) },
    { name: "listing-10", description: `listing (read model), always \`${typical}\``, text: _pgbenchScript(LISTING_SQL, typical) },
    { name: "join-10", description: `plain join (before), always \`${typical}\``, text: _pgbenchScript(JOIN_LISTING_SQL, typical) },
  ];
  const results = scripts.map((script) => ({ ...script, tps: [] as number[], latencyMs: [] as number[], command: "" }));
  try {
    for (const script of results) writeFileSync(join(directory, `${script.name}.sql`), script.text);
    for (let round = 0; round < rounds; round++) {
      for (const script of results) {
        const defines = script.name.endsWith("-10") ? ["-D", `uid=${typical}`] : [];
        const args = ["-n", "-M", "prepared", "-c", String(clients), "-j", String(threads), "-T", String(seconds), ...defines,
          "-f", join(directory, `${script.name}.sql`)];
        script.command = `pgbench ${args.join(" ").replace(directory, "<tmp>")} <connection> ${database}`;
        const { stdout } = await _run(path, [...args, ...connection, database], env);
        const tps = Number(/^tps = ([0-9.]+)/m.exec(stdout)?.[1]);
        const latency = Number(/^latency average = ([0-9.]+) ms/m.exec(stdout)?.[1]);
        if (!Number.isFinite(tps)) throw new Error(`Cannot read pgbench's output for ${script.name}:\n${stdout}`);
        script.tps.push(tps);
        script.latencyMs.push(latency);
        log(`  pgbench round ${round + 1} ${script.name}: ${tps.toFixed(0)} tps`);
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const select1 = results[0]?.tps ?? [];
  const ratios: Record<string, Spread> = {};
  for (const script of results.slice(1)) {
    ratios[script.name] = spread(script.tps.map((tps, round) => tps / (select1[round] ?? Number.NaN)));
  }
  return {
    version,
    clients,
    threads,
    seconds,
    scripts: results.map(({ name, description, tps, latencyMs, command }) => ({ name, description, tps, latencyMs, command })),
    ratios,
  };
}

// ---------------------------------------------------------------------------
// The benchmark.

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
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const url = options.databaseUrl ?? (process.env.DATABASE_URL || BENCH_DATABASE_URL);
  const rounds = options.rounds ?? Number(process.env.QUERY_ROUNDS ?? 6);
  const slotMs = options.slotMs ?? Number(process.env.QUERY_SLOT_MS ?? 400);
  const concurrency = options.concurrency ?? [1, 16];
  const counts = options.counts ?? MEMBERSHIP_COUNTS;
  const loadAverageAtStart = loadavg().map((value) => Math.round(value * 100) / 100);

  const sql = postgres(url, _CLIENT_OPTIONS);
  try {
    // As lib/standalone.ts makes it: the schema applied lazily, once.
    const repository = postgresRepository(sql, { applySchema: true });
    for (const count of counts) {
      const rows = await repository.listForUser(BENCH_USERS[count]);
      if (rows.length !== count) {
        throw new Error(`${BENCH_USERS[count]} lists ${rows.length} workspaces, not ${count}: run npm run bench:seed first`);
      }
    }
    // Each awaited inside an async function, as the repository does: awaiting
    // postgres.js's query object (a Promise subclass) directly from the loop
    // measured about 30% slower at 16 in flight, which would flatter the
    // repository.
    const calls: Record<QueryVariant, (user: string) => () => Promise<unknown>> = {
      select1: () => async () => await sql.unsafe("SELECT 1", [], { prepare: true }),
      raw: (user) => async () => await sql.unsafe(LISTING_SQL, [user], { prepare: true }),
      repository: (user) => () => repository.listForUser(user),
    };
    const order: readonly QueryVariant[] = ["select1", "raw", "repository"];

    // Warm up: every connection opened, every statement prepared on each and
    // past the first five executions (then Postgres may switch to a generic plan).
    log(`warming up ${_CLIENT_OPTIONS.max} connections`);
    for (const count of counts) {
      for (const variant of order) await _slot(calls[variant](BENCH_USERS[count]), 16, 150);
    }

    const samples = new Map<string, { qps: number[]; p50: number[]; p99: number[]; queries: number }>();
    const key = (variant: QueryVariant, c: number, count: number): string => `${variant}:${c}:${count}`;
    for (let round = 0; round < rounds; round++) {
      for (const c of concurrency) {
        for (const count of counts) {
          const rotated = [...order.slice(round % 3), ...order.slice(0, round % 3)];
          const line: string[] = [];
          for (const variant of rotated) {
            const result = await _slot(calls[variant](BENCH_USERS[count]), c, slotMs);
            const entry = samples.get(key(variant, c, count)) ?? { qps: [], p50: [], p99: [], queries: 0 };
            entry.qps.push(result.qps);
            entry.p50.push(result.p50);
            entry.p99.push(result.p99);
            entry.queries += result.queries;
            samples.set(key(variant, c, count), entry);
            line.push(`${variant} ${result.qps.toFixed(0)}/s`);
          }
          log(`  round ${round + 1}/${rounds}, ${c} in flight, ${count} memberships: ${line.join(", ")}`);
        }
      }
    }
    const variants: VariantResult[] = [];
    const ratios: RatioResult[] = [];
    for (const c of concurrency) {
      for (const count of counts) {
        const get = (variant: QueryVariant) => samples.get(key(variant, c, count));
        for (const variant of order) {
          const entry = get(variant);
          if (entry === undefined) continue;
          variants.push({
            variant,
            concurrency: c,
            memberships: count,
            qps: entry.qps,
            p50Ms: entry.p50,
            p99Ms: entry.p99,
            queries: entry.queries,
          });
        }
        const select1 = get("select1")?.qps ?? [];
        const raw = get("raw")?.qps ?? [];
        const repo = get("repository")?.qps ?? [];
        ratios.push({
          concurrency: c,
          memberships: count,
          rawToSelect1: spread(raw.map((value, i) => value / (select1[i] ?? Number.NaN))),
          repositoryToRaw: spread(repo.map((value, i) => value / (raw[i] ?? Number.NaN))),
        });
      }
    }

    log("repository overhead in process");
    const overhead = await _overhead(sql, counts);

    // pgbench, when installed.
    const pgbenchPath = _findPgbench(options.pgbench ?? process.env.PGBENCH);
    let pgbench: QueryBenchResults["pgbench"];
    if (pgbenchPath === undefined) {
      pgbench = { skipped: "pgbench is not installed (set PGBENCH to its path)" };
    } else {
      log(`pgbench (${pgbenchPath})`);
      try {
        pgbench = await _pgbench(
          pgbenchPath,
          url,
          options.pgbenchSeconds ?? Number(process.env.PGBENCH_SECONDS ?? 4),
          options.pgbenchRounds ?? Number(process.env.PGBENCH_ROUNDS ?? 3),
          log,
        );
      } catch (error) {
        pgbench = { skipped: `pgbench failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
      }
    }

    // Plans.
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

    const results: QueryBenchResults = {
      date: resultDate(startedAt),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpu: (cpus()[0]?.model ?? "unknown").replace(/\s+/g, " ").trim(),
        loadAverageAtStart,
        loadAverageAtEnd: loadavg().map((value) => Math.round(value * 100) / 100),
      },
      versions: {
        node: process.version,
        postgres: server?.server_version ?? "unknown",
        postgresJs: _packageVersion("postgres"),
      },
      database: _redact(url),
      seed: _latestSeed(),
      settings: {
        rounds,
        slotMs,
        concurrency,
        client: "postgres(url, { max: 16, connect_timeout: 3, idle_timeout: 60, connection: { statement_timeout: 5000 } }) " +
          "(lib/standalone.ts's options; max 10 there, 16 here for 16 in flight)",
        repository: "postgresRepository(sql, { applySchema: true }) (as lib/standalone.ts)",
      },
      variants,
      ratios,
      overhead,
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
    if (options.write ?? true) log(`wrote ${writeQueryResults(results).join(" and ")}`);
    if (failures.length > 0) {
      // Fails the benchmark run (also when bench/run.ts runs this), not the test suite.
      log(`FAIL: ${failures.join("; ")}`);
      process.exitCode = 1;
    }
    return results;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function _packageVersion(name: string): string {
  try {
    const root = new URL("../", benchDirectory());
    const text = readFileSync(new URL(`node_modules/${name}/package.json`, root), "utf8");
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function _latestSeed(): SeedSummary | undefined {
  const directory = new URL("./results/", benchDirectory());
  if (!existsSync(directory)) return undefined;
  const latest = readdirSync(directory).filter((name) => name.endsWith("-seed.json")).sort().pop();
  if (latest === undefined) return undefined;
  return JSON.parse(readFileSync(new URL(latest, directory), "utf8")) as SeedSummary;
}

function _redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

// ---------------------------------------------------------------------------
// The report.

const _fmt = (value: number, digits = 0): string =>
  Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }) : "–";
const _range = (s: Spread, digits = 0): string => `${_fmt(s.median, digits)} (${_fmt(s.min, digits)}–${_fmt(s.max, digits)})`;
const _ms = (values: readonly number[]): string => {
  const s = spread(values);
  return s.median < 10 ? _fmt(s.median, 2) : _fmt(s.median, 1);
};

/**
 * The listing query's section of `bench/REPORT.md`, from the results: setup,
 * commands, the postgres.js table, pgbench before and after, the targets,
 * the plans.
 *
 * @param results What {@link runQueryBench} returned.
 * @returns Markdown, headed by `###` sections (the report puts it under its
 *   own `##` heading).
 */
export function renderQueryReport(results: QueryBenchResults): string {
  const out: string[] = [];
  const push = (...lines: string[]): void => void out.push(...lines);
  const seed = results.seed;
  push(
    `Measured ${results.startedAt.slice(0, 16).replace("T", " ")} UTC on ${results.machine.cpus} cores ` +
      `(${results.machine.cpu}), load average ${results.machine.loadAverageAtStart.join(" ")} at the start and ` +
      `${results.machine.loadAverageAtEnd.join(" ")} at the end (a shared machine: compare the ratios, measured side by ` +
      `side, rather than absolute figures). Postgres ${results.versions.postgres}, Node ${results.versions.node}, ` +
      `postgres.js ${results.versions.postgresJs}.`,
    "",
  );
  if (seed !== undefined) {
    push(
      `Data (\`npm run bench:seed\`, ${_fmt(seed.seconds, 1)} s on ${seed.finishedAt.slice(0, 10)}): ` +
        `${_fmt(seed.rows.institutions)} institutions, ${_fmt(seed.rows.workspaces)} workspaces, ` +
        `${_fmt(seed.rows.memberships)} memberships of ${_fmt(seed.users)} users` +
        (seed.rows.listed !== undefined ? ` (${_fmt(seed.rows.listed)} listed, in \`lobby_listing\`)` : "") +
        `; phases: ${Object.entries(seed.phases).map(([name, s]) => `${name} ${_fmt(s, 1)} s`).join(", ")}.`,
      "",
    );
  }
  push("Commands:", "", "```sh", ...results.commands, "```", "");
  push(`Client: \`${results.settings.client}\`; repository: \`${results.settings.repository}\`.`, "");

  push("### postgres.js: `SELECT 1`, the raw listing SQL and the repository, side by side", "");
  push(
    `${results.settings.rounds} rounds; in each, for every concurrency and membership count, the three variants ran ` +
      `in turn (order rotated each round) for at least ${results.settings.slotMs} ms and 100 queries. ` +
      "Queries/s as median (range) over the rounds; latencies as the median of the rounds' p50 and p99; " +
      "ratios computed within each round, then median (range).",
    "",
    "| in flight | memberships | `SELECT 1` q/s | raw q/s | repository q/s | raw / `SELECT 1` | repository / raw | p50 ms (S1 / raw / repo) | p99 ms (S1 / raw / repo) |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const ratio of results.ratios) {
    const find = (variant: QueryVariant) =>
      results.variants.find((v) => v.variant === variant && v.concurrency === ratio.concurrency && v.memberships === ratio.memberships);
    const s1 = find("select1");
    const raw = find("raw");
    const repo = find("repository");
    if (s1 === undefined || raw === undefined || repo === undefined) continue;
    push(
      `| ${ratio.concurrency} | ${_fmt(ratio.memberships)} | ${_range(spread(s1.qps))} | ${_range(spread(raw.qps))} | ` +
        `${_range(spread(repo.qps))} | ${_range(ratio.rawToSelect1, 3)} | ${_range(ratio.repositoryToRaw, 3)} | ` +
        `${_ms(s1.p50Ms)} / ${_ms(raw.p50Ms)} / ${_ms(repo.p50Ms)} | ${_ms(s1.p99Ms)} / ${_ms(raw.p99Ms)} / ${_ms(repo.p99Ms)} |`,
    );
  }
  push("", "![latency against memberships per user](results/latency-by-memberships.svg)", "");
  if (results.overhead.length > 0) {
    push(
      "The repository's own cost, without the network (`listForUser` over a stand-in client resolving at once with " +
        "the same rows, against calling that client directly; 7 rounds, median (range)): its extra time per call, and " +
        "that time as a share of the raw query's p50 at 1 in flight.",
      "",
      "| memberships | direct ns/call | repository ns/call | extra | share of the raw p50 |",
      "|---:|---:|---:|---:|---:|",
    );
    for (const o of results.overhead) {
      const raw = results.variants.find((v) => v.variant === "raw" && v.concurrency === 1 && v.memberships === o.memberships);
      const extra = o.repositoryNs.median - o.directNs.median;
      const share = raw === undefined ? Number.NaN : extra / (spread(raw.p50Ms).median * 1e6);
      push(
        `| ${_fmt(o.memberships)} | ${_range(o.directNs)} | ${_range(o.repositoryNs)} | ${_fmt(extra)} ns | ` +
          `${_fmt(share * 100, 3)} % |`,
      );
    }
    push("");
  }

  push("### pgbench: the listing against `SELECT 1`, before and after", "");
  if ("skipped" in results.pgbench) {
    push(`Not run: ${results.pgbench.skipped}.`, "");
  } else {
    const p = results.pgbench;
    push(
      `${p.version}, \`-M prepared -c ${p.clients} -j ${p.threads} -T ${p.seconds}\`, ${p.scripts[0]?.tps.length ?? 0} rounds, ` +
        "the scripts in turn in each round. \"Before\" is the plain join of the tables on their primary keys " +
        "(the listing until this change), run on the same database.",
      "",
      "| script | tps, median (range) | latency ms | tps / `SELECT 1` (same round) |",
      "|---|---:|---:|---:|",
    );
    for (const script of p.scripts) {
      const ratio = p.ratios[script.name];
      push(
        `| ${script.description} | ${_range(spread(script.tps))} | ${_fmt(spread(script.latencyMs).median, 3)} | ` +
          `${ratio === undefined ? "1" : _range(ratio, 3)} |`,
      );
    }
    push("", "```sh", ...p.scripts.map((s) => s.command), "```", "");
  }

  push("### Targets", "");
  const targets = queryTargets(results);
  push("| target | measured | met |", "|---|---|---|");
  for (const target of targets) push(`| ${target.target} | ${target.measured} | ${target.met ? "yes" : "**no**"} |`);
  push("");

  push("### Plans", "");
  for (const e of results.explain) {
    push(`${e.label}, \`${e.user}\`${e.seqScan ? " — **sequential scan**" : ""}:`, "", "```", e.plan, "```", "");
  }
  const visible = results.allVisible;
  push(
    `Index-only scans skip the heap only for pages the visibility map marks all-visible: \`lobby_listing\` has ` +
      `${_fmt(visible.allVisible)} of ${_fmt(visible.pages)} pages all-visible (the seed ends with \`VACUUM (ANALYZE)\`; ` +
      "in production autovacuum keeps it so, and `Heap Fetches` in the plan shows what it costs when it lags).",
    "",
    "Sizes: " + results.storage.map((s) => `\`${s.relation}\` ${_fmt(s.bytes / 2 ** 20, 1)} MB`).join(", ") + ".",
    "",
  );
  if (results.failures.length > 0) push(`**This run fails:** ${results.failures.join("; ")}.`, "");
  return out.join("\n");
}

/** One target of the issue, as measured. */
export interface QueryTarget {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/**
 * The issue's query targets, judged from the results.
 *
 * @param results What {@link runQueryBench} returned.
 * @returns One entry per target.
 */
export function queryTargets(results: QueryBenchResults): QueryTarget[] {
  const targets: QueryTarget[] = [];
  // Side by side over the network the ratio is within the machine's noise,
  // so the repository's own cost is also measured alone (in process): the
  // target holds when that cost is under 5% of the raw query's time for
  // every count, and the side-by-side ratios agree (their median ≥ 0.95).
  const sideBySide = spread(results.ratios.map((r) => r.repositoryToRaw.median));
  const shares = results.overhead.map((o) => {
    const raw = results.variants.find((v) => v.variant === "raw" && v.concurrency === 1 && v.memberships === o.memberships);
    return raw === undefined ? Number.NaN : (o.repositoryNs.median - o.directNs.median) / (spread(raw.p50Ms).median * 1e6);
  });
  const worstShare = Math.max(...shares);
  targets.push({
    target: "repository ≥ 0.95 × raw postgres.js (same SQL)",
    measured: `its own cost ≤ ${_fmt(worstShare * 100, 2)} % of the raw query's p50 (every count); side by side, ` +
      `median of the rows' ratios ${_fmt(sideBySide.median, 3)} (rows ${_fmt(sideBySide.min, 3)}–${_fmt(sideBySide.max, 3)})`,
    met: worstShare < 0.05 && sideBySide.median >= 0.95,
  });
  if (!("skipped" in results.pgbench)) {
    const random = results.pgbench.ratios["listing-random"];
    const before = results.pgbench.ratios["join-random"];
    if (random !== undefined && before !== undefined) {
      targets.push({
        target: "pgbench listing / `SELECT 1` ≥ 0.35 (a random typical user)",
        measured: `${_fmt(random.median, 3)} (${_fmt(random.min, 3)}–${_fmt(random.max, 3)}); before: ${_fmt(before.median, 3)}`,
        met: random.median >= 0.35,
      });
    }
  }
  const heavy = results.variants.find((v) => v.variant === "repository" && v.concurrency === 1 && v.memberships === 5000);
  if (heavy !== undefined) {
    const p50 = spread(heavy.p50Ms).median;
    targets.push({
      target: "5,000 memberships: the query part of a full list, p50 (end to end ≤ 25 ms)",
      measured: `${_fmt(p50, 1)} ms (repository, 1 in flight)`,
      met: p50 <= 25,
    });
  }
  targets.push({
    target: "no sequential scan for a typical user",
    measured: results.failures.length === 0 ? "index-only scan" : results.failures.join("; "),
    met: results.failures.length === 0,
  });
  return targets;
}

// ---------------------------------------------------------------------------
// The plot: latency against memberships per user, log–log.

/**
 * `bench/results/latency-by-memberships.svg`: p50 (solid) and p99 (dashed)
 * of the raw listing and the repository at 1 and 16 in flight, and `SELECT 1`
 * for reference, against memberships per user.
 *
 * @param results What {@link runQueryBench} returned.
 * @returns The SVG document.
 */
export function renderLatencySvg(results: QueryBenchResults): string {
  const width = 720;
  const height = 440;
  const left = 70;
  const right = 170;
  const top = 40;
  const bottom = 50;
  const counts = [...new Set(results.variants.map((v) => v.memberships))].sort((a, b) => a - b);
  const all = results.variants.flatMap((v) => [spread(v.p50Ms).median, spread(v.p99Ms).median]).filter((x) => x > 0);
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const xMin = Math.log10(counts[0] ?? 1);
  const xMax = Math.log10(counts[counts.length - 1] ?? 10);
  const x = (count: number): number => left + ((Math.log10(count) - xMin) / (xMax - xMin || 1)) * (width - left - right);
  const y = (ms: number): number =>
    top + (1 - (Math.log10(ms) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (height - top - bottom);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${left}" y="22" font-size="14" font-weight="bold">Listing latency against memberships per user (log–log)</text>`,
  );
  for (let decade = yMin; decade <= yMax; decade *= 10) {
    parts.push(
      `<line x1="${left}" x2="${width - right}" y1="${y(decade).toFixed(1)}" y2="${y(decade).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${(y(decade) + 4).toFixed(1)}" text-anchor="end">${decade >= 1 ? decade : decade.toPrecision(1)} ms</text>`,
    );
  }
  for (const count of counts) {
    parts.push(
      `<line x1="${x(count).toFixed(1)}" x2="${x(count).toFixed(1)}" y1="${top}" y2="${height - bottom}" stroke="#eee"/>`,
      `<text x="${x(count).toFixed(1)}" y="${height - bottom + 18}" text-anchor="middle">${count.toLocaleString("en-US")}</text>`,
    );
  }
  parts.push(
    `<text x="${((left + width - right) / 2).toFixed(0)}" y="${height - 12}" text-anchor="middle">memberships per user</text>`,
    `<line x1="${left}" x2="${left}" y1="${top}" y2="${height - bottom}" stroke="#333"/>`,
    `<line x1="${left}" x2="${width - right}" y1="${height - bottom}" y2="${height - bottom}" stroke="#333"/>`,
  );
  const series: { variant: QueryVariant; c: number; color: string; label: string }[] = [];
  const palette: Record<QueryVariant, readonly [string, string]> = {
    select1: ["#999999", "#555555"],
    raw: ["#4c9be8", "#1f5fa8"],
    repository: ["#f0a04b", "#b25d00"],
  };
  for (const variant of ["select1", "raw", "repository"] as const) {
    results.settings.concurrency.forEach((c, i) => {
      series.push({ variant, c, color: palette[variant][Math.min(i, 1)] ?? "#000", label: `${variant === "select1" ? "SELECT 1" : variant}, ${c} in flight` });
    });
  }
  let legend = top + 10;
  for (const s of series) {
    const points = counts
      .map((count) => results.variants.find((v) => v.variant === s.variant && v.concurrency === s.c && v.memberships === count))
      .filter((v): v is VariantResult => v !== undefined);
    for (const [field, dash] of [["p50Ms", ""], ["p99Ms", ' stroke-dasharray="5,4"']] as const) {
      const path = points.map((v, i) => `${i === 0 ? "M" : "L"}${x(v.memberships).toFixed(1)},${y(spread(v[field]).median).toFixed(1)}`).join(" ");
      parts.push(`<path d="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    }
    parts.push(
      `<line x1="${width - right + 12}" x2="${width - right + 36}" y1="${legend}" y2="${legend}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${width - right + 42}" y="${legend + 4}">${s.label}</text>`,
    );
    legend += 18;
  }
  parts.push(
    `<text x="${width - right + 12}" y="${legend + 10}">solid: p50, dashed: p99</text>`,
    "</svg>",
  );
  return `${parts.join("\n")}\n`;
}

// ---------------------------------------------------------------------------
// Command line: `node .bench/query.js` (see `npm run bench:query`).

/**
 * Writes the results file and the plot into `bench/results/`.
 *
 * @param results What {@link runQueryBench} returned.
 * @returns The paths written, relative to the repository.
 */
export function writeQueryResults(results: QueryBenchResults): string[] {
  const directory = new URL("./results/", benchDirectory());
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL(`${results.date}-query.json`, directory), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(new URL("latency-by-memberships.svg", directory), renderLatencySvg(results));
  return [`bench/results/${results.date}-query.json`, "bench/results/latency-by-memberships.svg"];
}

async function _main(): Promise<void> {
  const results = await runQueryBench();
  process.stdout.write(`\n${renderQueryReport(results)}\n`);
}

if (/(^|[\\/])query\.(ts|js|mjs)$/.test(process.argv[1] ?? "")) {
  _main().catch((error: unknown) => {
    process.stderr.write(`bench:query failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
