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
 * - (c) **postgres**: the real standalone server (`node .bench/main.js`,
 *   `deno run -A mod.ts`, `bun run mod.ts`) on the seeded database;
 * - (d) **fresh**: (c) with a token never seen before on every request
 *   (distinct `jti`), so the verified-token cache never hits;
 * - on Node, the **raw** postgres.js listing loop at the same concurrency,
 *   and the Node adapter candidates against the same floor.
 *
 * (a)/(b)/(c) rotate 1,000 distinct valid tokens of 1,000 seeded users.
 * Tokens are HS256, signed with Web Crypto from a secret made at run time.
 * Runs alternate (a b a b …, c d raw c d raw …) so that the machine's noise
 * falls on both sides of each ratio. The load generator is wrk with a Lua
 * script reading the tokens from a file, or autocannon when wrk is missing.
 *
 * @module
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import postgres from "postgres";
import { LISTING_SQL } from "../lib/repository/sql.ts";
import { BENCH_USERS, SEED_PROFILE } from "./seed.ts";
import { signMany } from "./handler-tokens.ts";

/** What one load run measured. Latencies in milliseconds. */
export interface LoadRun {
  readonly rps: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly requests: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** Answers that were not 2xx: a run with any is not a valid measurement. */
  readonly non2xx: number;
  /** The largest resident set of the server during the run, in MB. */
  readonly rssMb?: number;
  /** The server's CPU time (user + system, all its threads) per answered request, in µs. */
  readonly cpuUs?: number;
  /** For fresh tokens: how many times a thread ran out and reused its tokens (0 when all were fresh). */
  readonly wrapped?: number;
}

/** The runs of one configuration, and their medians and ranges. */
export interface Series {
  readonly runs: readonly LoadRun[];
  readonly rps: Summary;
  readonly p50: Summary;
  readonly p99: Summary;
  readonly rssMb?: Summary;
  readonly cpuUs?: Summary;
}

/** The median and the range of a measured value. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** One runtime's results: (a)…(d), and the 5,000-membership user. */
export interface RuntimeResult {
  readonly runtime: Runtime;
  readonly version: string;
  readonly floor?: Series;
  readonly memory?: Series;
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
  readonly generator: { readonly name: "wrk" | "autocannon"; readonly version: string; readonly threads: number };
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

/** A runtime lobby runs on. */
export type Runtime = "node" | "deno" | "bun";

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

/** The load generator: wrk when installed (unless `BENCH_LOAD=autocannon`), else autocannon. */
export function loadGenerator(): HandlerBenchResult["generator"] {
  const wrk = process.env.BENCH_LOAD === "autocannon" ? undefined : findWrk();
  return wrk === undefined
    ? { name: "autocannon", version: _autocannonVersion(), threads: 1 }
    : { name: "wrk", version: wrk.version, threads: 2 };
}

const ROOT = new URL("../", new URL(import.meta.url.includes("/.bench/") ? "../bench/" : "./", import.meta.url)).pathname;
const BIN = `${ROOT}node_modules/.bin/`;
const WORK = `${ROOT}.bench/`;
const PATH = "/web/v1/system/workspaces/mine";
const ACCEPT_LANGUAGE = "en-US,en;q=0.9";
const USERS = 1000;

/** The seeded users the tokens rotate over: 1,000 regular users spread over the id range. */
export function benchUserIds(): string[] {
  const stride = Math.floor(SEED_PROFILE.users / USERS);
  return Array.from({ length: USERS }, (_, i) => String(SEED_PROFILE.firstUserId + i * stride));
}

/** The commands that start each server, from the repository root. */
export function serverCommand(runtime: Runtime, kind: "bench" | "standalone"): string[] {
  if (kind === "bench") {
    if (runtime === "node") return ["node", ".bench/handler-server.js"];
    if (runtime === "deno") return [`${BIN}deno`, "run", "-A", "bench/handler-server.ts"];
    return [`${BIN}bun`, "run", "bench/handler-server.ts"];
  }
  if (runtime === "node") return ["node", ".bench/main.js"];
  if (runtime === "deno") return [`${BIN}deno`, "run", "-A", "mod.ts"];
  return [`${BIN}bun`, "run", "mod.ts"];
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

/** A server process under test. */
export interface Server {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a server and resolves once it prints that it listens. */
export async function startServer(command: readonly string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Server> {
  const port = await freePort();
  const [file, ...args] = command;
  const child = spawn(file!, args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", PORT: String(port), HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command.join(" ")} did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(" ")} exited with ${code}:\n${output}`));
    });
  });
  // Keep reading, or a chatty server blocks on a full pipe.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    stop: () => stopProcess(child),
  };
}

/** SIGTERM, then SIGKILL after 10 s; resolves when the process is gone. */
export function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A process's CPU time so far (user + system) in µs, from /proc (undefined elsewhere). */
export function cpuTimeUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields 14 and 15 (utime, stime) in clock ticks, after the parenthesized command name.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / _CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const _CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** The resident set of a process in MB, from /proc (undefined elsewhere). */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Load generators.

/** wrk's path and version, or undefined when it is not installed. */
export function findWrk(): { path: string; version: string } | undefined {
  const which = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" });
  const path = which.stdout.trim();
  if (which.status !== 0 || path === "") return undefined;
  const version = spawnSync(path, ["-v"], { encoding: "utf8" });
  const text = `${version.stdout}${version.stderr}`;
  return { path, version: /wrk\s+(\S+)/.exec(text)?.[1] ?? "unknown" };
}

// Each wrk thread takes every n-th token of the file, formats its requests
// once in init(), and cycles through them; done() prints one JSON line.
const _LUA = `-- Written by bench/handler.ts: rotates the tokens of a file, one per line.
local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local file, nthreads, path, lang = args[1], tonumber(args[2]), args[3], args[4]
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      reqs[#reqs + 1] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. line, ["Accept-Language"] = lang })
    end
    i = i + 1
  end
  n = #reqs
  k = 0
  wrapped = 0
end
function request()
  k = k + 1
  if k > n then
    k = 1
    wrapped = wrapped + 1
  end
  return reqs[k]
end
function done(summary, latency, requests)
  local w = 0
  for _, t in ipairs(threads) do w = w + (t:get("wrapped") or 0) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"wrapped":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, w))
end
`;

/** One load run's settings. */
export interface LoadOptions {
  readonly url: string;
  readonly tokensFile: string;
  readonly tokens: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly pid?: number;
  /** Every token of the file is meant to be used once. */
  readonly fresh?: boolean;
}

/** Runs one load generator run, sampling the server's RSS meanwhile. */
export async function load(generator: HandlerBenchResult["generator"], options: LoadOptions): Promise<LoadRun> {
  let rss = 0;
  const sampler = setInterval(() => {
    rss = Math.max(rss, rssMb(options.pid) ?? 0);
  }, 250);
  const cpuBefore = cpuTimeUs(options.pid);
  try {
    const threads = Math.min(generator.threads, options.connections);
    const { wrapped, ...run } = generator.name === "wrk" ? await _wrk(threads, options) : await _autocannon(options);
    // Only fresh tokens must not be reused; the rotating 1,000 cycle by design.
    const cpuAfter = cpuTimeUs(options.pid);
    const cpu = cpuBefore !== undefined && cpuAfter !== undefined && run.requests > 0
      ? { cpuUs: Math.round(((cpuAfter - cpuBefore) / run.requests) * 10) / 10 }
      : {};
    const result: LoadRun = options.fresh === true ? { ...run, ...cpu, wrapped: wrapped ?? 0 } : { ...run, ...cpu };
    return rss > 0 ? { ...result, rssMb: Math.round(rss * 10) / 10 } : result;
  } finally {
    clearInterval(sampler);
  }
}

async function _wrk(threads: number, options: LoadOptions): Promise<LoadRun> {
  const script = `${WORK}rotate.lua`;
  writeFileSync(script, _LUA);
  const args = [
    `-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "5s", "-s", script,
    `${options.url}${PATH}`, "--", options.tokensFile, String(threads), PATH, ACCEPT_LANGUAGE,
  ];
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn("wrk", args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (text += chunk.toString()));
    child.once("error", reject);
    child.once("exit", () => resolve(text));
  });
  const line = /WRK_JSON (\{.*\})/.exec(output);
  if (line === null) throw new Error(`wrk printed no result:\n${output}`);
  const r = JSON.parse(line[1]!) as Record<string, number>;
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    rps: Math.round(r.requests! / (r.duration_us! / 1e6)),
    p50: ms(r.p50!),
    p90: ms(r.p90!),
    p99: ms(r.p99!),
    max: ms(r.max!),
    requests: r.requests!,
    errors: r.connect! + r.read! + r.write! + r.timeout!,
    non2xx: r.status!,
    wrapped: r.wrapped!,
  };
}

async function _autocannon(options: LoadOptions): Promise<LoadRun> {
  const name = "autocannon";
  const { default: autocannon } = await import(name) as {
    default: (options: Record<string, unknown>) => Promise<{
      requests: { total: number };
      duration: number;
      latency: { p50: number; p90: number; p99: number; max: number };
      errors: number;
      timeouts: number;
      non2xx: number;
    }>;
  };
  let next = 0;
  const tokens = options.tokens;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 5,
    requests: [{
      method: "GET",
      path: PATH,
      setupRequest: (request: { headers?: Record<string, string> }) => ({
        ...request,
        headers: { ...request.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}`, "accept-language": ACCEPT_LANGUAGE },
      }),
    }],
  });
  return {
    rps: Math.round(result.requests.total / result.duration),
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    wrapped: Math.max(0, Math.floor((next - 1) / tokens.length)),
  };
}

// ---------------------------------------------------------------------------
// The raw postgres.js loop: the database's own floor for (c).

async function rawQueryLoop(url: string, users: readonly string[], connections: number, seconds: number): Promise<LoadRun> {
  // The standalone server's pool: 10 connections, prepared statements.
  const sql = postgres(url, { max: 10, onnotice: () => {}, connection: { application_name: "lobby-bench-raw" } });
  try {
    await sql.unsafe(LISTING_SQL, [users[0]!], { prepare: true });
    const latencies: number[] = [];
    let next = 0;
    const end = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await sql.unsafe(LISTING_SQL, [users[next++ % users.length]!], { prepare: true });
        latencies.push(performance.now() - start);
      }
    }));
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]! * 100) / 100;
    return {
      rps: Math.round(latencies.length / elapsed),
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: at(1),
      requests: latencies.length,
      errors: 0,
      non2xx: 0,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Whether the database holds the `npm run bench:seed` data. */
export async function checkSeeded(url: string): Promise<{ seeded: boolean; reason?: string }> {
  const sql = postgres(url, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ n: number }[]>`
      SELECT count(*)::int4 AS n FROM workspace_members WHERE user_id = ${BENCH_USERS[5000]}`;
    if (row?.n !== 5000) return { seeded: false, reason: `${_redact(url)} is not seeded: run npm run bench:seed` };
    return { seeded: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === "42P01" ? "has no lobby tables" : `cannot be reached (${code ?? String(error)})`;
    return { seeded: false, reason: `${_redact(url)} ${reason}: run npm run bench:seed against a running Postgres` };
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function _redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

// ---------------------------------------------------------------------------
// Summaries.

function _summary(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: Math.round(median * 100) / 100, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

/** Medians and ranges of runs. */
export function series(runs: readonly LoadRun[]): Series {
  const rss = runs.map((run) => run.rssMb).filter((value): value is number => value !== undefined);
  const cpu = runs.map((run) => run.cpuUs).filter((value): value is number => value !== undefined);
  return {
    ...(cpu.length > 0 ? { cpuUs: _summary(cpu) } : {}),
    runs,
    rps: _summary(runs.map((run) => run.rps)),
    p50: _summary(runs.map((run) => run.p50)),
    p99: _summary(runs.map((run) => run.p99)),
    ...(rss.length > 0 ? { rssMb: _summary(rss) } : {}),
  };
}

function _version(runtime: Runtime): string {
  if (runtime === "node") return process.version.replace(/^v/, "");
  const result = spawnSync(`${BIN}${runtime}`, ["--version"], { encoding: "utf8" });
  return /(\d+\.\d+\.\d+)/.exec(result.stdout)?.[1] ?? "unknown";
}

/** Builds the Node bundles the benchmark runs (Node 20 cannot run TypeScript). */
export function buildBundles(): void {
  const esbuild = `${BIN}esbuild`;
  const common = ["--bundle", "--platform=node", "--format=esm", "--target=node20", "--packages=external", "--log-level=warning"];
  for (const [entry, out, extra] of [
    ["bench/handler-server.ts", ".bench/handler-server.js", []],
    ["bench/handler-stages.ts", ".bench/handler-stages.js", []],
    ["mod.ts", ".bench/main.js", ["--define:import.meta.main=true"]],
  ] as const) {
    const result = spawnSync(esbuild, [entry, ...common, ...extra, `--outfile=${out}`], { cwd: ROOT, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`esbuild ${entry} failed:\n${result.stderr}`);
  }
}

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
  const seconds = options.seconds ?? 5;
  const rounds = options.rounds ?? 3;
  const connections = options.connections ?? 50;
  const log = options.log ?? (() => {});
  // BENCH_LOAD=autocannon forces the fallback, to compare or to check it.
  const generator = loadGenerator();
  log(`load generator: ${generator.name} ${generator.version}`);

  const secret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, "0")).join("");
  const secretBytes = new TextEncoder().encode(secret);
  const users = benchUserIds();
  const rotating = await signMany(secretBytes, USERS, (i) => users[i % USERS]!);
  const rotatingFile = `${WORK}tokens-rotating.txt`;
  writeFileSync(rotatingFile, `${rotating.join("\n")}\n`);
  const largeToken = (await signMany(secretBytes, 1, () => BENCH_USERS[5000]))[0]!;
  const largeFile = `${WORK}tokens-large.txt`;
  writeFileSync(largeFile, `${largeToken}\n`);
  let freshNext = USERS;

  const database = await checkSeeded(options.databaseUrl);
  if (!database.seeded) log(`database: ${database.reason}; (c), (d) and the raw loop are skipped`);

  const commands: Record<string, string> = {
    "(a) floor": "MODE=bare node .bench/handler-server.js | deno run -A bench/handler-server.ts | bun run bench/handler-server.ts",
    "(b) memory": "MODE=memory BENCH_SECRET=… (same commands)",
    "(c)/(d) postgres": "DATABASE_URL=… JWT_SECRET=… node .bench/main.js | deno run -A mod.ts | bun run mod.ts",
    "load": generator.name === "wrk"
      ? `wrk -t${generator.threads} -c${connections} -d${seconds}s --timeout 5s -s .bench/rotate.lua <url>${PATH} -- <tokens file> ${generator.threads} ${PATH} '${ACCEPT_LANGUAGE}'`
      : `autocannon (programmatic) -c ${connections} -d ${seconds}, a token per request from the file`,
    "raw loop": `postgres.js, max 10 connections, ${connections} concurrent loops of LISTING_SQL (prepared) for ${seconds} s`,
    "(5,000 memberships)": `the same load with 1 connection and the token of ${BENCH_USERS[5000]}`,
  };

  const base = { tokensFile: rotatingFile, tokens: rotating, connections, seconds };
  const warm = async (server: Server, tokensFile = rotatingFile, tokens: readonly string[] = rotating) => {
    await load(generator, { ...base, tokensFile, tokens, seconds: Math.min(2, seconds), url: server.url });
  };
  const measure = async (server: Server, label: string, extra: Partial<LoadOptions> = {}) => {
    const run = await load(generator, { ...base, ...extra, url: server.url, pid: server.child.pid });
    log(`  ${label}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms${run.non2xx > 0 ? `, ${run.non2xx} non-2xx!` : ""}` +
      `${run.rssMb !== undefined ? `, RSS ${run.rssMb} MB` : ""}${run.cpuUs !== undefined ? `, ${run.cpuUs} µs CPU/request` : ""}${run.wrapped ? `, tokens reused ${run.wrapped}×` : ""}`);
    return run;
  };

  const runtimes: RuntimeResult[] = [];
  const adapters: AdapterResult[] = [];
  for (const runtime of options.runtimes ?? ["node", "deno", "bun"] as const) {
    const version = _version(runtime);
    log(`${runtime} ${version}`);
    const skipped: string[] = [];
    const result: { -readonly [K in keyof RuntimeResult]: RuntimeResult[K] } = { runtime, version };

    // (a) and (b), alternated.
    const floor = await startServer(serverCommand(runtime, "bench"), { MODE: "bare" });
    const memory = await startServer(serverCommand(runtime, "bench"), { MODE: "memory", BENCH_SECRET: secret });
    try {
      await warm(floor);
      await warm(memory);
      const a: LoadRun[] = [];
      const b: LoadRun[] = [];
      for (let round = 0; round < rounds; round++) {
        a.push(await measure(floor, `(a) floor, round ${round + 1}`));
        b.push(await measure(memory, `(b) memory, round ${round + 1}`));
      }
      result.floor = series(a);
      result.memory = series(b);
    } finally {
      await memory.stop();
      await floor.stop();
    }

    // The Node adapter candidates, each alternated with the floor.
    if (runtime === "node" && options.adapters !== false) adapters.push(...await _adapters(secret, measure, warm, rounds, log));

    // (c), (d) and, on Node, the raw loop, alternated; then the large user.
    if (database.seeded) {
      const standalone = await startServer(serverCommand(runtime, "standalone"), {
        DATABASE_URL: options.databaseUrl,
        JWT_SECRET: secret,
      });
      try {
        // The first request applies the schema: wait for a 200 before measuring.
        await _ready(standalone.url, rotating[0]!, largeToken);
      } catch (error) {
        skipped.push(`(c) and (d): ${error instanceof Error ? error.message : String(error)}`);
        log(`  ${skipped[skipped.length - 1]}`);
        await standalone.stop();
      }
      if (skipped.length === 0) try {
        await warm(standalone);
        const c: LoadRun[] = [];
        const d: LoadRun[] = [];
        const raw: LoadRun[] = [];
        for (let round = 0; round < rounds; round++) {
          const cRun = await measure(standalone, `(c) postgres, round ${round + 1}`);
          c.push(cRun);
          // Enough never-seen tokens for this run: (d) cannot outrun (b), the
          // same handler without a database, nor much outrun (c) just before.
          const ceiling = Math.max(cRun.rps * 1.5, result.memory?.rps.max ?? 0);
          const need = Math.ceil(ceiling * seconds * 1.2) + 2000;
          const fresh = await signMany(secretBytes, need, (i) => users[i % USERS]!, freshNext);
          freshNext += need;
          const freshFile = `${WORK}tokens-fresh.txt`;
          writeFileSync(freshFile, `${fresh.join("\n")}\n`);
          d.push(await measure(standalone, `(d) fresh token, round ${round + 1}`, { tokensFile: freshFile, tokens: fresh, fresh: true }));
          if (runtime === "node") {
            const rawRun = await rawQueryLoop(options.databaseUrl, users, connections, seconds);
            log(`  raw postgres.js loop, round ${round + 1}: ${rawRun.rps} queries/s, p50 ${rawRun.p50} ms, p99 ${rawRun.p99} ms`);
            raw.push(rawRun);
          }
        }
        result.postgres = series(c);
        result.fresh = series(d);
        if (raw.length > 0) result.raw = series(raw);
        const large: LoadRun[] = [];
        for (let round = 0; round < rounds; round++) {
          large.push(await measure(standalone, `5,000 memberships, 1 connection, round ${round + 1}`, {
            tokensFile: largeFile,
            tokens: [largeToken],
            connections: 1,
          }));
        }
        result.large = series(large);
      } finally {
        await standalone.stop();
      }
    } else skipped.push(database.reason ?? "database not seeded");
    if (skipped.length > 0) result.skipped = skipped;
    runtimes.push(result);
  }
  return {
    generator,
    connections,
    seconds,
    rounds,
    path: PATH,
    acceptLanguage: ACCEPT_LANGUAGE,
    runtimes,
    adapters,
    database: { seeded: database.seeded, ...(database.reason ? { reason: database.reason } : {}), users: USERS },
    commands,
  };
}

async function _ready(url: string, token: string, largeToken: string, timeoutMs = 180_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "";
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`${url}${PATH}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(60_000) });
      last = `${response.status} ${(await response.text()).slice(0, 120)}`;
      if (response.status === 200) {
        // An empty listing would measure nothing: the seeded user must see all 5,000.
        const large = await fetch(`${url}${PATH}`, { headers: { authorization: `Bearer ${largeToken}` } });
        const listed = ((await large.json()) as { data?: unknown[] }).data?.length ?? 0;
        if (listed === 5000) return;
        throw new Error(`the listing gave ${listed} of the 5,000 memberships of ${BENCH_USERS[5000]}: the database is not as npm run bench:seed leaves it`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("the listing gave")) throw error;
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the standalone server never answered 200 (last: ${last})`);
}

const _CANDIDATES: ReadonlyArray<{ name: string; description: string }> = [
  { name: "lib", description: "lobby's toNodeListener as shipped: lobby's answer written directly, no Request/Response" },
  { name: "generic", description: "the same adapter's path for any fetch handler: a real Request (with signal), the Response streamed" },
  { name: "baseline", description: "the adapter before this work: Request with signal and Headers, Response body streamed chunked" },
  { name: "hono", description: "@hono/node-server getRequestListener, overrideGlobalObjects: false" },
  { name: "hono-global", description: "@hono/node-server getRequestListener, replacing global Request/Response (its default)" },
];

async function _adapters(
  secret: string,
  measure: (server: Server, label: string) => Promise<LoadRun>,
  warm: (server: Server) => Promise<void>,
  rounds: number,
  log: (line: string) => void,
): Promise<AdapterResult[]> {
  const floor = await startServer(serverCommand("node", "bench"), { MODE: "bare" });
  const servers: Array<{ name: string; description: string; server: Server }> = [];
  try {
    for (const candidate of _CANDIDATES) {
      try {
        const server = await startServer(serverCommand("node", "bench"), { MODE: "memory", BENCH_SECRET: secret, ADAPTER: candidate.name });
        servers.push({ ...candidate, server });
      } catch (error) {
        log(`  adapter ${candidate.name} skipped: ${String(error).split("\n")[0]}`);
      }
    }
    await warm(floor);
    for (const { server } of servers) await warm(server);
    const floorRuns: LoadRun[] = [];
    const runs = new Map<string, LoadRun[]>(servers.map(({ name }) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      floorRuns.push(await measure(floor, `adapters: floor, round ${round + 1}`));
      for (const { name, server } of servers) runs.get(name)!.push(await measure(server, `adapters: ${name}, round ${round + 1}`));
    }
    return [
      { name: "floor", description: "bare node:http, constant body (the same floor as (a))", series: series(floorRuns) },
      ...servers.map(({ name, description }) => ({ name, description, series: series(runs.get(name)!) })),
    ];
  } finally {
    for (const { server } of servers) await server.stop();
    await floor.stop();
  }
}

function _autocannonVersion(): string {
  try {
    return (JSON.parse(readFileSync(`${ROOT}node_modules/autocannon/package.json`, "utf8")) as { version: string }).version;
  } catch {
    throw new Error("Neither wrk nor autocannon is installed: apt-get install wrk, or npm install");
  }
}
