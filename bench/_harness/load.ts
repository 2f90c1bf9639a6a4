/**
 * The load tool: wrk when it is installed (unless `BENCH_LOAD=autocannon`),
 * otherwise autocannon, sending the benchmark request with a bearer token
 * from a file, while the server's memory and CPU time are sampled.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { packageVersion, WORK } from "./context.ts";
import { BENCH_USERS, benchUserIds } from "./dataset.ts";
import { REQUEST } from "./fixtures.ts";
import { round, type Summary, summary } from "./stats.ts";
import { hs256Signer, randomSecret, type Signer, signMany } from "./tokens.ts";
import { type Usage, watchUsage } from "./usage.ts";

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

/** Which load tool measures. */
export interface LoadGenerator {
  readonly name: "wrk" | "autocannon";
  readonly version: string;
  readonly threads: number;
}

/**
 * Tokens one per line in a file (for wrk's script), and in memory (for
 * autocannon). A line may add an entity tag after a tab: its requests
 * carry it as `If-None-Match`.
 */
export interface TokenFile {
  readonly file: string;
  readonly tokens: readonly string[];
}

/** One load run's settings. */
export interface LoadOptions {
  readonly url: string;
  readonly tokens: TokenFile;
  readonly connections: number;
  readonly seconds: number;
  /** The request's path (default {@link REQUEST}'s, the system dialect's listing). */
  readonly path?: string;
  /** The server's process, to sample. */
  readonly pid?: number;
  /** Every token is meant to be used once: count how often they ran out. */
  readonly fresh?: boolean;
}

/** wrk's path and version, or undefined when it is not installed. */
export function findWrk(): { path: string; version: string } | undefined {
  const which = spawnSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" });
  const path = which.stdout?.trim() ?? "";
  if (which.status !== 0 || path === "") return undefined;
  const version = spawnSync(path, ["-v"], { encoding: "utf8" });
  return { path, version: /wrk\s+(\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? "unknown" };
}

/** The load tool: wrk when installed (unless `BENCH_LOAD=autocannon`), else autocannon. */
export function loadGenerator(): LoadGenerator {
  const wrk = process.env.BENCH_LOAD === "autocannon" ? undefined : findWrk();
  if (wrk !== undefined) return { name: "wrk", version: wrk.version, threads: 2 };
  const version = packageVersion("autocannon");
  if (version === undefined) throw new Error("Neither wrk nor autocannon is installed: apt-get install wrk, or npm install");
  return { name: "autocannon", version, threads: 1 };
}

/** The command line a load run uses, for the report. */
export function loadCommand(generator: LoadGenerator, connections: number, seconds: number, path: string = REQUEST.path): string {
  const { acceptLanguage } = REQUEST;
  return generator.name === "wrk"
    ? `wrk -t${generator.threads} -c${connections} -d${seconds}s --timeout 5s -s .bench/rotate.lua <url>${path} -- <tokens file> ${generator.threads} ${path} '${acceptLanguage}'`
    : `autocannon (programmatic) -c ${connections} -d ${seconds}, a token per request from the file`;
}

/** Runs the load tool once against a server, sampling the server's resident set and CPU time meanwhile. */
export async function load(generator: LoadGenerator, options: LoadOptions): Promise<LoadRun> {
  const watch = watchUsage(options.pid);
  let measured: LoadRun;
  let usage: Usage;
  try {
    measured = generator.name === "wrk" ? await wrk(Math.min(generator.threads, options.connections), options) : await autocannon(options);
  } finally {
    usage = watch.stop();
  }
  const { rssMb, cpuUs } = usage;
  // Only fresh tokens must not be reused; the rotating ones cycle by design.
  const { wrapped, ...run } = measured;
  return {
    ...run,
    ...(cpuUs !== undefined && run.requests > 0 ? { cpuUs: round(cpuUs / run.requests, 1) } : {}),
    ...(options.fresh === true ? { wrapped: wrapped ?? 0 } : {}),
    ...(rssMb !== undefined ? { rssMb } : {}),
  };
}

/** One progress line for a run. */
export function describeRun(label: string, run: LoadRun): string {
  return `  ${label}: ${run.rps} req/s, p50 ${run.p50} ms, p99 ${run.p99} ms${run.non2xx > 0 ? `, ${run.non2xx} non-2xx!` : ""}` +
    `${run.rssMb !== undefined ? `, RSS ${run.rssMb} MB` : ""}${run.cpuUs !== undefined ? `, ${run.cpuUs} µs CPU/request` : ""}` +
    `${run.wrapped ? `, tokens reused ${run.wrapped}×` : ""}`;
}

/**
 * Runs each part once per round, in turn, for `rounds` rounds, so that the
 * machine's noise falls on every side of a comparison; returns each part's
 * runs. A part gets the round's number, from 1.
 */
export async function alternate(rounds: number, parts: Readonly<Record<string, (round: number) => Promise<LoadRun>>>): Promise<Record<string, LoadRun[]>> {
  const runs: Record<string, LoadRun[]> = Object.fromEntries(Object.keys(parts).map((name) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const [name, part] of Object.entries(parts)) runs[name]!.push(await part(round));
  }
  return runs;
}

/** The medians and ranges of some runs. */
export function series(runs: readonly LoadRun[]): Series {
  const rss = runs.flatMap((run) => run.rssMb ?? []);
  const cpu = runs.flatMap((run) => run.cpuUs ?? []);
  return {
    ...(cpu.length > 0 ? { cpuUs: summary(cpu, 2) } : {}),
    runs,
    rps: summary(runs.map((run) => run.rps), 2),
    p50: summary(runs.map((run) => run.p50), 2),
    p99: summary(runs.map((run) => run.p99), 2),
    ...(rss.length > 0 ? { rssMb: summary(rss, 2) } : {}),
  };
}

/** Writes tokens one per line into `.bench/<name>`. */
export function tokenFile(name: string, tokens: readonly string[]): TokenFile {
  const file = `${WORK}${name}`;
  writeFileSync(file, `${tokens.join("\n")}\n`);
  return { file, tokens };
}

/** The tokens of the handler loads, signed with one random secret. */
export interface BenchTokens {
  /** The secret, for the server's `JWT_SECRET` or `BENCH_SECRET`. */
  readonly secret: string;
  readonly sign: Signer;
  /** The seeded users the rotating tokens speak for. */
  readonly users: readonly string[];
  /** One token for each of {@link users}, rotated by the load. */
  readonly rotating: TokenFile;
  /** One token of the user with 5,000 memberships. */
  readonly large: TokenFile;
}

/** Makes a random secret and the token files of the handler loads. */
export async function benchTokens(): Promise<BenchTokens> {
  const secret = randomSecret();
  const sign = await hs256Signer(secret);
  const users = benchUserIds();
  const rotating = tokenFile("tokens-rotating.txt", await signMany(sign, users.length, (i) => users[i % users.length]!));
  const large = tokenFile("tokens-large.txt", await signMany(sign, 1, () => BENCH_USERS[5000]));
  return { secret, sign, users, rotating, large };
}

// Each wrk thread takes every n-th token of the file, formats its requests
// once in init(), and cycles through them; done() prints one JSON line.
const LUA = `-- Written by bench/_harness/load.ts: rotates the tokens of a file, one per line.
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
      local token, tag = line:match("^([^\t]*)\t(.*)$")
      local headers = { ["Authorization"] = "Bearer " .. (token or line), ["Accept-Language"] = lang }
      if tag then headers["If-None-Match"] = tag end
      reqs[#reqs + 1] = wrk.format("GET", path, headers)
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

async function wrk(threads: number, options: LoadOptions): Promise<LoadRun> {
  const script = `${WORK}rotate.lua`;
  writeFileSync(script, LUA);
  const { path = REQUEST.path } = options;
  const { acceptLanguage } = REQUEST;
  const child = spawn("wrk", [
    `-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, "--timeout", "5s", "-s", script,
    `${options.url}${path}`, "--", options.tokens.file, String(threads), path, acceptLanguage,
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk));
  await new Promise((resolve, reject) => child.once("error", reject).once("exit", resolve));
  const line = /WRK_JSON (\{.*\})/.exec(output);
  if (line === null) throw new Error(`wrk printed no result:\n${output}`);
  const r = JSON.parse(line[1]!) as Record<string, number>;
  const ms = (us: number) => round(us / 1000, 2);
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

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

async function autocannon(options: LoadOptions): Promise<LoadRun> {
  // Imported by a computed name: a dev dependency, only needed without wrk.
  const name = "autocannon";
  const { default: run } = await import(name) as { default: (options: Record<string, unknown>) => Promise<AutocannonResult> };
  const tokens = options.tokens.tokens;
  let next = 0;
  const result = await run({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 5,
    requests: [{
      method: "GET",
      path: options.path ?? REQUEST.path,
      setupRequest: (request: { headers?: Record<string, string> }) => {
        const [token, tag] = tokens[next++ % tokens.length]!.split("\t");
        const headers: Record<string, string> = { ...request.headers, authorization: `Bearer ${token}`, "accept-language": REQUEST.acceptLanguage };
        if (tag !== undefined) headers["if-none-match"] = tag;
        return { ...request, headers };
      },
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
