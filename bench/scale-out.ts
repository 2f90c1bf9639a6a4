/**
 * Scale-out: the standalone server (Node) end to end, side by side,
 *
 * - **direct**: `DATABASE_URL` on the primary;
 * - **PgBouncer**: `DATABASE_URL` on PgBouncer 1.18 in transaction mode
 *   (`pgbouncer=true`: no prepared statements, so each listing is sent
 *   with an extra Describe), `DATABASE_MIGRATION_URL` on the primary;
 * - **replica**: `DATABASE_URL` on the primary, `DATABASE_READ_URL` on one
 *   streaming replica, which takes the listings;
 *
 * against a throwaway primary, a replica made with `pg_basebackup -R` and
 * PgBouncer, on loopback ports of their own (`test/_clusters.ts`, as the
 * scale-out tests make them), the primary seeded with the benchmark data
 * set (`BENCH_SEED_SCALE` applies). Runs alternate round by round. Beside
 * requests/s and latency it reads the CPU time of the Postgres servers and
 * of PgBouncer per request from `/proc`, and the size of lobby's tables per
 * membership: the numbers `docs/scale-out.md` sizes a node with.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { type ScaleOutSet, scaleOutUnsupported, startScaleOutSet } from "../test/_clusters.ts";
import { BENCH_USERS } from "./_harness/dataset.ts";
import { REQUEST } from "./_harness/fixtures.ts";
import { alternate, benchTokens, describeRun, load, loadCommand, type LoadGenerator, loadGenerator, type LoadRun, type Series, series } from "./_harness/load.ts";
import { envNumber, isMain, log as progress, resultDate, writeOutput } from "./_harness/context.ts";
import { loadAverage } from "./_harness/machine.ts";
import { fmt, kilo, range, table } from "./_harness/markdown.ts";
import { buildBundles, poll, runCommand, type Server, startServer } from "./_harness/servers.ts";
import { ratios, round, type Summary, summary } from "./_harness/stats.ts";
import { closedLoops } from "./_harness/timing.ts";
import { ITEMS_SQL, LISTING_SQL, VERSION_SQL } from "../lib/repository/_sql.ts";
import { seedDatabase } from "./seed.ts";

/** One configuration's runs, and where its database work went. */
export interface ScaleOutSeries {
  readonly name: "direct" | "pgbouncer" | "replica";
  readonly description: string;
  readonly environment: string;
  readonly series: Series;
  /** Requests/s over direct's, round by round. */
  readonly ratio?: Summary;
  /** CPU time per request (µs, median of the runs) of the primary, the replica and PgBouncer. */
  readonly cpuUs: { readonly primary: number; readonly replica: number; readonly pgbouncer: number };
}

/** One query in closed loops on the primary, and the primary's CPU it took. */
export interface QueryRate {
  readonly name: string;
  readonly sql: string;
  readonly calls: number;
  /** Calls per second of wall time. */
  readonly rate: number;
  /** Calls per second of the primary's CPU time: what one core of it serves. */
  readonly perCoreSecond: number;
}

/** What {@link runScaleOutBench} measured. */
export interface ScaleOutResult {
  readonly skipped?: string;
  /** When the measured runs started, ISO 8601. */
  readonly measuredAt?: string;
  /** The load average (1, 5, 15 min) before and after the runs: how busy the shared machine was. */
  readonly loadAverage?: { readonly start: readonly number[]; readonly end: readonly number[] };
  readonly generator?: LoadGenerator;
  readonly seconds?: number;
  readonly rounds?: number;
  readonly connections?: number;
  readonly configurations?: readonly ScaleOutSeries[];
  /** The data set and what it takes on disk. */
  readonly sizing?: {
    readonly memberships: number;
    readonly listed: number;
    /** Bytes of lobby's tables with their indexes (institutions, workspaces, workspace_members, lobby_listing, lobby_listing_changes when there). */
    readonly tableBytes: number;
    readonly databaseBytes: number;
    readonly bytesPerMembership: number;
    readonly membershipsPerGb: number;
    /** Requests per second of the primary's CPU time in direct's runs (the handler keeps encoded listings, so mostly a version lookup each). */
    readonly requestsPerCoreSecond: number;
    /** The queries alone, prepared, in closed loops. */
    readonly queries: readonly QueryRate[];
  };
  readonly commands?: Readonly<Record<string, string>>;
}

/** Options of {@link runScaleOutBench}. */
export interface ScaleOutOptions {
  readonly seconds?: number;
  readonly rounds?: number;
  readonly connections?: number;
  readonly log?: (line: string) => void;
}

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

// The CPU time so far of a Postgres cluster (its postmaster, the children it
// reaped, and its live children) or of one process, in µs.
function clusterCpuUs(dataDir: string): number {
  const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return processTreeCpuUs(pid);
}

function processTreeCpuUs(pid: number): number {
  const stat = (p: number | string) => readFileSync(`/proc/${p}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  const own = stat(pid);
  // utime, stime, cutime, cstime: fields 14-17, 11-14 after the command.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = stat(entry);
      if (Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // Gone meanwhile.
    }
  }
  return (ticks * 1e6) / CLOCK_TICKS;
}

// Each query from 16 closed loops on the primary's pool for `seconds`, with the primary's CPU it took.
async function queryRates(url: string, dataDir: string, users: readonly string[], seconds: number): Promise<QueryRate[]> {
  const sql = postgres(url, { max: 10, fetch_types: false, onnotice: () => {} });
  const queries = [
    { name: "version lookup", sql: "VERSION_SQL", text: VERSION_SQL },
    { name: "listing, rows", sql: "LISTING_SQL", text: LISTING_SQL },
    { name: "listing, JSON items (uptimer)", sql: "ITEMS_SQL.uptimer", text: ITEMS_SQL.uptimer },
  ];
  const rates: QueryRate[] = [];
  try {
    for (const query of queries) {
      let next = 0;
      const call = () => sql.unsafe(query.text, [users[next++ % users.length]!], { prepare: true });
      await closedLoops(call, 16, (elapsed) => elapsed > 500);
      const before = clusterCpuUs(dataDir);
      const result = await closedLoops(call, 16, (elapsed) => elapsed > seconds * 1000);
      const cpuSeconds = (clusterCpuUs(dataDir) - before) / 1e6;
      rates.push({ name: query.name, sql: query.sql, calls: result.calls, rate: Math.round(result.rate), perCoreSecond: Math.round(result.calls / cpuSeconds) });
    }
  } finally {
    await sql.end({ timeout: 1 });
  }
  return rates;
}

/**
 * Makes the clusters, seeds the primary, measures the three configurations
 * (see the module documentation) and stops everything. Returns `skipped`
 * when the Postgres server binaries or PgBouncer are missing.
 *
 * @example
 * ```ts
 * import { runScaleOutBench } from "./scale-out.ts";
 * const result = await runScaleOutBench({ seconds: 2, rounds: 1 });
 * ```
 */
export async function runScaleOutBench(options: ScaleOutOptions = {}): Promise<ScaleOutResult> {
  const { seconds = 5, rounds = 3, connections = 50, log = () => {} } = options;
  const unsupported = scaleOutUnsupported();
  if (unsupported !== undefined) return { skipped: unsupported };
  const generator = loadGenerator();
  let set: ScaleOutSet | undefined;
  const servers: Server[] = [];
  try {
    set = await startScaleOutSet({ replicas: 1, settings: ["shared_buffers = 256MB", "max_connections = 100"] });
    const primary = set.primary;
    const replica = set.replicas[0]!;
    const bouncer = set.bouncer!;
    log(`  clusters: primary :${primary.port}, replica :${replica.port}, PgBouncer :${bouncer.port}`);
    const seeded = await seedDatabase(primary.url, { force: true });
    log(`  seeded ${seeded.rows.memberships} memberships in ${seeded.seconds} s`);
    await set.caughtUp(600_000);

    const tokens = await benchTokens();
    const configurations: Array<{ name: ScaleOutSeries["name"]; description: string; environment: string; env: Record<string, string> }> = [
      { name: "direct", description: "DATABASE_URL on the primary", environment: "DATABASE_URL=<primary>", env: { DATABASE_URL: primary.url } },
      {
        name: "pgbouncer",
        description: "DATABASE_URL on PgBouncer 1.18, transaction mode (no prepared statements)",
        environment: "DATABASE_URL=<pgbouncer>?pgbouncer=true DATABASE_MIGRATION_URL=<primary>",
        env: { DATABASE_URL: `${bouncer.url}?pgbouncer=true`, DATABASE_MIGRATION_URL: primary.url },
      },
      {
        name: "replica",
        description: "reads on one streaming replica",
        environment: "DATABASE_URL=<primary> DATABASE_READ_URL=<replica>",
        env: { DATABASE_URL: primary.url, DATABASE_READ_URL: replica.url },
      },
    ];
    const started = new Map<string, Server>();
    for (const configuration of configurations) {
      const server = await startServer(runCommand("node", "mod.ts"), { ...configuration.env, JWT_SECRET: tokens.secret });
      servers.push(server);
      started.set(configuration.name, server);
      const ok = await poll(async () => {
        const response = await fetch(`${server.url}${REQUEST.path}`, { headers: { authorization: `Bearer ${tokens.large.tokens[0]}` } }).catch(() => undefined);
        const body = response?.status === 200 ? await response.json() as { data?: unknown[] } : undefined;
        return body?.data?.length === 5000 ? true : undefined;
      }, 200, 60_000);
      if (ok !== true) throw new Error(`${configuration.name}: the server never listed the 5,000 memberships of ${BENCH_USERS[5000]}`);
      // Warm: pools filled, the replica checked and in use.
      await load(generator, { tokens: tokens.rotating, connections, seconds: Math.min(2, seconds), url: server.url });
    }

    const usage = new Map<string, Array<{ primary: number; replica: number; pgbouncer: number; requests: number }>>();
    const bouncerPid = Number(readFileSync(join(set.root, "pgbouncer.pid"), "utf8").trim());
    const measure = async (name: string, r: number): Promise<LoadRun> => {
      const server = started.get(name)!;
      const before = { primary: clusterCpuUs(primary.dataDir), replica: clusterCpuUs(replica.dataDir), pgbouncer: processTreeCpuUs(bouncerPid) };
      const run = await load(generator, { tokens: tokens.rotating, connections, seconds, url: server.url, pid: server.child.pid });
      const list = usage.get(name) ?? [];
      list.push({
        primary: clusterCpuUs(primary.dataDir) - before.primary,
        replica: clusterCpuUs(replica.dataDir) - before.replica,
        pgbouncer: processTreeCpuUs(bouncerPid) - before.pgbouncer,
        requests: run.requests,
      });
      usage.set(name, list);
      log(describeRun(`${name}, round ${r}`, run));
      return run;
    };
    const measuredAt = new Date().toISOString();
    const loadAtStart = loadAverage();
    const runs = await alternate(rounds, Object.fromEntries(configurations.map(({ name }) => [name, (r: number) => measure(name, r)])));

    const direct = runs.direct!.map((run) => run.rps);
    const result: ScaleOutSeries[] = configurations.map(({ name, description, environment }) => {
      const used = usage.get(name)!;
      const perRequest = (key: "primary" | "replica" | "pgbouncer") => round(summary(used.map((u) => u[key] / Math.max(1, u.requests))).median, 1);
      return {
        name,
        description,
        environment,
        series: series(runs[name]!),
        ...(name === "direct" ? {} : { ratio: summary(ratios(runs[name]!.map((run) => run.rps), direct), 2) }),
        cpuUs: { primary: perRequest("primary"), replica: perRequest("replica"), pgbouncer: perRequest("pgbouncer") },
      };
    });

    for (const server of servers.splice(0)) await server.stop();
    log("  the queries alone on the primary, prepared, 16 closed loops");
    const queries = await queryRates(primary.url, primary.dataDir, tokens.users, seconds);
    for (const q of queries) log(`  ${q.name}: ${q.rate}/s, ${q.perCoreSecond} per second of the primary's CPU`);
    const sql = postgres(primary.url, { max: 1, fetch_types: false, onnotice: () => {} });
    let sizing: ScaleOutResult["sizing"];
    try {
      const [row] = await sql<[{ memberships: string; listed: string; tables: string; database: string }]>`
        SELECT (SELECT count(*) FROM workspace_members)::text AS memberships,
          (SELECT count(*) FROM lobby_listing)::text AS listed,
          (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c
            WHERE c.relkind = 'r' AND c.relname IN ('institutions', 'workspaces', 'workspace_members', 'lobby_listing', 'lobby_listing_changes'))::text AS tables,
          pg_database_size(current_database())::text AS database`;
      const memberships = Number(row.memberships);
      const bytesPerMembership = Number(row.tables) / memberships;
      const directUse = usage.get("direct")!;
      const primaryCpuSeconds = directUse.reduce((sum, u) => sum + u.primary, 0) / 1e6;
      const listings = directUse.reduce((sum, u) => sum + u.requests, 0);
      sizing = {
        memberships,
        listed: Number(row.listed),
        tableBytes: Number(row.tables),
        databaseBytes: Number(row.database),
        bytesPerMembership: round(bytesPerMembership, 0),
        membershipsPerGb: Math.round(2 ** 30 / bytesPerMembership),
        requestsPerCoreSecond: Math.round(listings / primaryCpuSeconds),
        queries,
      };
    } finally {
      await sql.end({ timeout: 1 });
    }
    return {
      measuredAt,
      loadAverage: { start: loadAtStart, end: loadAverage() },
      generator,
      seconds,
      rounds,
      connections,
      configurations: result,
      sizing,
      commands: {
        server: "node .bench/main.js (the esbuild bundle of mod.ts) with the environment of each configuration and JWT_SECRET=…",
        load: loadCommand(generator, connections, seconds),
        clusters: "test/_clusters.ts: initdb (fsync off, shared_buffers 256MB), pg_basebackup -R -X stream, pgbouncer pool_mode=transaction default_pool_size=20",
      },
    };
  } catch (error) {
    return { skipped: `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  } finally {
    for (const server of servers) await server.stop();
    set?.stop();
  }
}

/**
 * The report's section for {@link runScaleOutBench}'s results.
 *
 * @example
 * ```ts
 * import { renderScaleOutReport } from "./scale-out.ts";
 * renderScaleOutReport({ skipped: "pgbouncer is not installed" }); // "Not measured in this run: …"
 * ```
 */
export function renderScaleOutReport(result: ScaleOutResult | undefined): string {
  const out = ["## Scale-out: direct, through PgBouncer, reads on a replica", ""];
  if (result?.configurations === undefined) {
    out.push(`Not measured in this run: ${result?.skipped ?? "skipped"}.`, "");
    return out.join("\n");
  }
  out.push(
    `The standalone server on Node, ${result.connections} connections, ${result.rounds} alternated runs of ${result.seconds} s each ` +
      `(${result.generator?.name}), against a throwaway primary, one streaming replica and PgBouncer 1.18 in transaction mode on this machine ` +
      "(everything shares its cores). CPU is each server's own time per request, read from `/proc` (a Postgres server: its postmaster and every backend)." +
      (result.measuredAt === undefined ? "" : ` Measured ${result.measuredAt.slice(0, 16).replace("T", " ")} UTC`) +
      (result.loadAverage === undefined ? "" : `, load average ${result.loadAverage.start.join(" ")} at the start and ${result.loadAverage.end.join(" ")} at the end.`),
    "",
    ...table(
      ["configuration", "requests/s", "over direct", "p50 / p99 ms", "primary CPU µs/req", "replica CPU µs/req", "PgBouncer CPU µs/req"],
      result.configurations.map((c) => [
        `**${c.name}**: ${c.description}`,
        range(c.series.rps, kilo),
        c.ratio === undefined ? "1×" : `**${fmt(c.ratio.median, 2)}×** (${fmt(c.ratio.min, 2)}–${fmt(c.ratio.max, 2)})`,
        `${fmt(c.series.p50.median, 1)} / ${fmt(c.series.p99.median, 1)}`,
        fmt(c.cpuUs.primary, 1),
        fmt(c.cpuUs.replica, 1),
        fmt(c.cpuUs.pgbouncer, 1),
      ]),
      [1, 3, 4, 5, 6],
    ),
    "",
  );
  const s = result.sizing;
  if (s !== undefined) {
    out.push(
      `Sizing (what \`docs/scale-out.md\` uses): ${fmt(s.memberships)} memberships (${fmt(s.listed)} listed) take ${fmt(s.tableBytes / 2 ** 20, 0)} MB ` +
        `in lobby's tables with their indexes (database ${fmt(s.databaseBytes / 2 ** 20, 0)} MB): **${fmt(s.bytesPerMembership)} bytes per membership, ` +
        `about ${fmt(s.membershipsPerGb / 1e6, 2)} million memberships per GB**. One second of the primary's CPU served ` +
        `**${fmt(s.requestsPerCoreSecond)} requests** in the direct runs (users of about 10 memberships; the server keeps encoded listings, ` +
        "so a request costs the database one version lookup until the user's listing changes). The queries alone, prepared, 16 closed loops on the primary:",
      "",
      ...table(
        ["query", "per second", "per second of the primary's CPU"],
        s.queries.map((q) => [`${q.name} (\`${q.sql}\`)`, fmt(q.rate), `**${fmt(q.perCoreSecond)}**`]),
        [1, 2],
      ),
      "",
    );
  }
  if (result.commands !== undefined) {
    out.push(...table(["part", "command"], Object.entries(result.commands).map(([part, command]) => [part, `\`${command}\``])), "");
  }
  return out.join("\n");
}

// Alone (the esbuild bundle `.bench/scale-out.js`): measures, writes
// `bench/results/<date>-scale-out.json`, prints the report's section.
if (isMain(import.meta, "scale-out")) {
  buildBundles(["mod.ts"]);
  const result = await runScaleOutBench({ seconds: envNumber("BENCH_SECONDS", 5), rounds: envNumber("BENCH_ROUNDS", 3), log: progress });
  progress(`wrote ${writeOutput(`bench/results/${resultDate()}-scale-out.json`, `${JSON.stringify(result, null, 2)}\n`)}`);
  progress(renderScaleOutReport(result));
}
