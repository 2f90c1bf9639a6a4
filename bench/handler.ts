/**
 * The handler against its floor, over real HTTP, on Node, Deno and Bun.
 *
 * Per runtime, each server a separate process on 127.0.0.1:
 *
 * - (a) **floor**: a bare server on the same runtime returning a constant
 *   JSON body of the same bytes and headers (`bench/handler-server.ts`,
 *   `MODE=bare`);
 * - (b) **memory**: lobby's handler over an in-process repository returning
 *   10 workspaces (`MODE=memory`): auth, locale, envelope, adapter;
 * - (b′) **metrics**: (b) with prom-client metrics on (`OBSERVE=metrics`),
 *   and (b″) **observed**: with a JSON access log line per request besides
 *   (`OBSERVE=all`), to price them against (b);
 * - (c) **postgres**: the real standalone server (`node .bench/main.js`,
 *   `deno run -A mod.ts`, `bun run mod.ts`) on the seeded database;
 * - (d) **fresh**: (c) with a token never seen before on every request
 *   (distinct `jti`), so the verified-token cache never hits;
 * - on Node, the **raw** postgres.js listing loop at the same concurrency,
 *   and the Node adapter candidates against the same floor.
 *
 * (a)/(b)/(c) rotate 1,000 distinct valid tokens of 1,000 seeded users.
 * Runs alternate (a b b′ b″ a b b′ b″ …, c d raw c d raw …) so that the machine's noise
 * falls on both sides of each ratio.
 *
 * @module
 */
import postgres from "postgres";
import { LISTING_SQL } from "../lib/repository/_sql.ts";
import { BENCH_USERS, checkSeeded } from "./_harness/dataset.ts";
import { REQUEST } from "./_harness/fixtures.ts";
import {
  alternate,
  benchTokens,
  describeRun,
  load,
  loadCommand,
  type LoadGenerator,
  type LoadOptions,
  type LoadRun,
  loadGenerator,
  type Series,
  series,
  tokenFile,
} from "./_harness/load.ts";
import { toolVersion } from "./_harness/machine.ts";
import { poll, type Runtime, RUNTIMES, runCommand, type Server, startServer } from "./_harness/servers.ts";
import { round } from "./_harness/stats.ts";
import { closedLoops } from "./_harness/timing.ts";
import { signMany } from "./_harness/tokens.ts";

/** One runtime's results: (a)…(d), and the 5,000-membership user. */
export interface RuntimeResult {
  readonly runtime: Runtime;
  readonly version: string;
  readonly floor?: Series;
  readonly memory?: Series;
  /** (b) with prom-client metrics on. */
  readonly metered?: Series;
  /** (b) with metrics and the JSON access log on. */
  readonly observed?: Series;
  readonly postgres?: Series;
  readonly fresh?: Series;
  /** Node only: the postgres.js listing loop, no HTTP, same pool and concurrency as (c). */
  readonly raw?: Series;
  /** One connection asking for the user with 5,000 memberships. */
  readonly large?: Series;
  /** Why a part was skipped. */
  readonly skipped?: readonly string[];
}

/** The Node adapter candidates, alternated with the Node floor. */
export interface AdapterResult {
  readonly name: string;
  readonly description: string;
  readonly series: Series;
}

/** Everything `runHandlerBench` measured. */
export interface HandlerBenchResult {
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly path: string;
  readonly acceptLanguage: string;
  readonly runtimes: readonly RuntimeResult[];
  readonly adapters: readonly AdapterResult[];
  readonly database: { readonly seeded: boolean; readonly reason?: string; readonly users: number };
  /** The shell commands each part ran, for the report. */
  readonly commands: Readonly<Record<string, string>>;
}

/** Options of {@link runHandlerBench}. */
export interface HandlerBenchOptions {
  /** Postgres with the `npm run bench:seed` data; (c), (d) and the raw loop are skipped without it. */
  readonly databaseUrl: string;
  /** Seconds per measured run (default 5). */
  readonly seconds?: number;
  /** Alternated rounds per comparison (default 3). */
  readonly rounds?: number;
  /** Concurrent connections (default 50). */
  readonly connections?: number;
  /** Which runtimes (default all three). */
  readonly runtimes?: readonly Runtime[];
  /** Measure the Node adapter candidates (default true). */
  readonly adapters?: boolean;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

const CANDIDATES: ReadonlyArray<{ name: string; description: string }> = [
  { name: "lib", description: "lobby's toNodeListener as shipped: lobby's answer written directly, no Request/Response" },
  { name: "generic", description: "the same adapter's path for any fetch handler: a real Request (with signal), the Response streamed" },
  { name: "baseline", description: "the adapter lobby first shipped: Request with signal and Headers, Response body streamed chunked" },
  { name: "hono", description: "@hono/node-server getRequestListener, overrideGlobalObjects: false" },
  { name: "hono-global", description: "@hono/node-server getRequestListener, replacing global Request/Response (its default)" },
];

/**
 * Runs the whole handler benchmark (see the module documentation).
 *
 * @example
 * ```ts
 * import { runHandlerBench } from "./handler.ts";
 * const result = await runHandlerBench({ databaseUrl: "postgres://postgres@127.0.0.1:5432/lobby_bench", seconds: 2, rounds: 1 });
 * ```
 */
export async function runHandlerBench(options: HandlerBenchOptions): Promise<HandlerBenchResult> {
  const { seconds = 5, rounds = 3, connections = 50, log = () => {} } = options;
  const generator = loadGenerator();
  log(`load generator: ${generator.name} ${generator.version}`);
  const tokens = await benchTokens();
  let freshNext = tokens.users.length;
  const database = await checkSeeded(options.databaseUrl);
  if (!database.seeded) log(`database: ${database.reason}; (c), (d) and the raw loop are skipped`);

  const rotating = { tokens: tokens.rotating, connections, seconds };
  const warm = (server: Server) => load(generator, { ...rotating, seconds: Math.min(2, seconds), url: server.url });
  const measure = async (server: Server, label: string, extra: Partial<LoadOptions> = {}) => {
    const run = await load(generator, { ...rotating, ...extra, url: server.url, pid: server.child.pid });
    log(describeRun(label, run));
    return run;
  };
  const benchServer = (runtime: Runtime, env: Record<string, string>) => startServer(runCommand(runtime, "bench/handler-server.ts"), env);
  const memoryEnv = { MODE: "memory", BENCH_SECRET: tokens.secret };

  const runtimes: RuntimeResult[] = [];
  const adapters: AdapterResult[] = [];
  for (const runtime of options.runtimes ?? RUNTIMES) {
    const version = toolVersion(runtime);
    log(`${runtime} ${version}`);
    const skipped: string[] = [];
    const result: { -readonly [K in keyof RuntimeResult]: RuntimeResult[K] } = { runtime, version };

    // (a), (b), (b′) and (b″), alternated.
    const floor = await benchServer(runtime, { MODE: "bare" });
    const memory = await benchServer(runtime, memoryEnv);
    const metered = await benchServer(runtime, { ...memoryEnv, OBSERVE: "metrics" });
    const observed = await benchServer(runtime, { ...memoryEnv, OBSERVE: "all" });
    try {
      for (const server of [floor, memory, metered, observed]) await warm(server);
      const runs = await alternate(rounds, {
        floor: (r) => measure(floor, `(a) floor, round ${r}`),
        memory: (r) => measure(memory, `(b) memory, round ${r}`),
        metered: (r) => measure(metered, `(b′) memory with metrics, round ${r}`),
        observed: (r) => measure(observed, `(b″) memory with metrics and JSON logs, round ${r}`),
      });
      result.floor = series(runs.floor!);
      result.memory = series(runs.memory!);
      result.metered = series(runs.metered!);
      result.observed = series(runs.observed!);
    } finally {
      for (const server of [observed, metered, memory, floor]) await server.stop();
    }

    // The Node adapter candidates, each alternated with the floor.
    if (runtime === "node" && options.adapters !== false) {
      const servers: Array<{ name: string; description: string; server: Server }> = [];
      const bare = await benchServer("node", { MODE: "bare" });
      try {
        for (const candidate of CANDIDATES) {
          try {
            servers.push({ ...candidate, server: await benchServer("node", { ...memoryEnv, ADAPTER: candidate.name }) });
          } catch (error) {
            log(`  adapter ${candidate.name} skipped: ${String(error).split("\n")[0]}`);
          }
        }
        for (const server of [bare, ...servers.map((s) => s.server)]) await warm(server);
        const runs = await alternate(rounds, Object.fromEntries([
          ["floor", (r: number) => measure(bare, `adapters: floor, round ${r}`)],
          ...servers.map(({ name, server }) => [name, (r: number) => measure(server, `adapters: ${name}, round ${r}`)]),
        ]));
        adapters.push(
          { name: "floor", description: "bare node:http, constant body (the same floor as (a))", series: series(runs.floor!) },
          ...servers.map(({ name, description }) => ({ name, description, series: series(runs[name]!) })),
        );
      } finally {
        for (const { server } of servers) await server.stop();
        await bare.stop();
      }
    }

    // (c), (d) and, on Node, the raw loop, alternated; then the large user.
    if (!database.seeded) skipped.push(database.reason ?? "database not seeded");
    else {
      const standalone = await startServer(runCommand(runtime, "mod.ts"), { DATABASE_URL: options.databaseUrl, JWT_SECRET: tokens.secret });
      try {
        // The first request applies the schema: wait for a 200 before measuring.
        await ready(standalone.url, tokens.rotating.tokens[0]!, tokens.large.tokens[0]!);
        await warm(standalone);
        let postgresRun: LoadRun | undefined;
        const runs = await alternate(rounds, {
          postgres: async (r) => (postgresRun = await measure(standalone, `(c) postgres, round ${r}`)),
          fresh: async (r) => {
            // Enough never-seen tokens for this run: (d) cannot outrun (b), the
            // same handler without a database, nor much outrun (c) just before.
            const ceiling = Math.max(postgresRun!.rps * 1.5, result.memory?.rps.max ?? 0);
            const need = Math.ceil(ceiling * seconds * 1.2) + 2000;
            const fresh = await signMany(tokens.sign, need, (i) => tokens.users[i % tokens.users.length]!, freshNext);
            freshNext += need;
            return measure(standalone, `(d) fresh token, round ${r}`, { tokens: tokenFile("tokens-fresh.txt", fresh), fresh: true });
          },
          ...(runtime === "node"
            ? {
              raw: async (r: number) => {
                const run = await rawQueryLoop(options.databaseUrl, tokens.users, connections, seconds);
                log(`  raw postgres.js loop, round ${r}: ${run.rps} queries/s, p50 ${run.p50} ms, p99 ${run.p99} ms`);
                return run;
              },
            }
            : {}),
        });
        result.postgres = series(runs.postgres!);
        result.fresh = series(runs.fresh!);
        if (runs.raw !== undefined) result.raw = series(runs.raw);
        const large = await alternate(rounds, {
          large: (r) => measure(standalone, `5,000 memberships, 1 connection, round ${r}`, { tokens: tokens.large, connections: 1 }),
        });
        result.large = series(large.large!);
      } catch (error) {
        if (!(error instanceof NotReady)) throw error;
        skipped.push(`(c) and (d): ${error.message}`);
        log(`  ${skipped.at(-1)}`);
      } finally {
        await standalone.stop();
      }
    }
    if (skipped.length > 0) result.skipped = skipped;
    runtimes.push(result);
  }
  return {
    generator,
    connections,
    seconds,
    rounds,
    path: REQUEST.path,
    acceptLanguage: REQUEST.acceptLanguage,
    runtimes,
    adapters,
    database: { seeded: database.seeded, ...(database.reason ? { reason: database.reason } : {}), users: tokens.users.length },
    commands: {
      "(a) floor": "MODE=bare node .bench/handler-server.js | deno run -A bench/handler-server.ts | bun run bench/handler-server.ts",
      "(b) memory": "MODE=memory BENCH_SECRET=… (same commands)",
      "(b′)/(b″) observability": "MODE=memory OBSERVE=metrics|all BENCH_SECRET=… (same commands)",
      "(c)/(d) postgres": "DATABASE_URL=… JWT_SECRET=… node .bench/main.js | deno run -A mod.ts | bun run mod.ts",
      "load": loadCommand(generator, connections, seconds),
      "raw loop": `postgres.js, max 10 connections, ${connections} concurrent loops of LISTING_SQL (prepared) for ${seconds} s`,
      "(5,000 memberships)": `the same load with 1 connection and the token of ${BENCH_USERS[5000]}`,
    },
  };
}

/** Why the standalone server cannot be measured. */
class NotReady extends Error {}

/** Waits until the standalone server answers 200 and lists all 5,000 memberships of the heavy user. */
async function ready(url: string, token: string, largeToken: string): Promise<void> {
  const get = (bearer: string) => fetch(`${url}${REQUEST.path}`, { headers: { authorization: `Bearer ${bearer}` }, signal: AbortSignal.timeout(60_000) });
  let last = "";
  const answered = await poll(async () => {
    const response = await get(token).catch((error: unknown) => String(error));
    if (typeof response !== "string" && response.status === 200) return true;
    last = typeof response === "string" ? response : `${response.status} ${(await response.text()).slice(0, 120)}`;
    return undefined;
  }, 500, 180_000);
  if (answered === undefined) throw new NotReady(`the standalone server never answered 200 (last: ${last})`);
  // An empty listing would measure nothing: the seeded user must see all 5,000.
  const listed = ((await (await get(largeToken)).json()) as { data?: unknown[] }).data?.length ?? 0;
  if (listed !== 5000) {
    throw new NotReady(`the listing gave ${listed} of the 5,000 memberships of ${BENCH_USERS[5000]}: the database is not as npm run bench:seed leaves it`);
  }
}

/** The database's own floor for (c): the listing from postgres.js in closed loops, no HTTP, the standalone server's pool. */
async function rawQueryLoop(url: string, users: readonly string[], connections: number, seconds: number): Promise<LoadRun> {
  const sql = postgres(url, { max: 10, onnotice: () => {}, connection: { application_name: "lobby-bench-raw" } });
  try {
    await sql.unsafe(LISTING_SQL, [users[0]!], { prepare: true });
    let next = 0;
    const query = () => sql.unsafe(LISTING_SQL, [users[next++ % users.length]!], { prepare: true });
    const r = await closedLoops(query, connections, (elapsedMs) => elapsedMs >= seconds * 1000);
    return { rps: Math.round(r.rate), p50: round(r.p50, 2), p90: round(r.p90, 2), p99: round(r.p99, 2), max: round(r.max, 2), requests: r.calls, errors: 0, non2xx: 0 };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
