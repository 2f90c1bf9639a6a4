/**
 * `npm run bench`: every benchmark, then the report.
 *
 * 1. the listing query (`bench/query.ts`, when present: its own results
 *    file and plot);
 * 2. token verification (`npm run bench:auth`, when `bench/auth.bench.ts` is present);
 * 3. the handler over HTTP against its floor on Node, Deno and Bun, and the
 *    Node adapter candidates (`bench/handler.ts`);
 * 4. the in-process cost of each stage on each runtime (`bench/handler-stages.ts`);
 * 5. start-up of the standalone server (`bench/handler-startup.ts`);
 * 6. CPU profiles of the Node server under load (`bench/profile.ts`);
 *
 * then writes `bench/results/<YYYY-MM-DD>.json` and regenerates
 * `bench/REPORT.md` and `bench/results/rps-by-runtime.svg`
 * (`bench/report.ts`).
 *
 * Environment: `DATABASE_URL` (default the `npm run bench:seed` database),
 * `BENCH_SECONDS` (per run, default 5), `BENCH_ROUNDS` (default 3),
 * `BENCH_RUNTIMES` (default `node,deno,bun`), `BENCH_SKIP` (comma-separated
 * parts to leave out: `query`, `auth`, `handler`, `adapters`, `stages`, `startup`, `profile`),
 * `BENCH_LOAD=autocannon` (use autocannon even when wrk is installed).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { pathToFileURL } from "node:url";
import postgres from "postgres";
import { buildBundles, checkSeeded, findWrk, runHandlerBench, type HandlerBenchResult, type Runtime } from "./handler.ts";
import { runStartupBench, type StartupResult } from "./handler-startup.ts";
import { type ProfileResult, runProfiles } from "./profile.ts";
import type { StageResult } from "./handler-stages.ts";
import { renderReport, renderRpsSvg, type BenchResults } from "./report.ts";
import { BENCH_DATABASE_URL, resultDate } from "./seed.ts";

const ROOT = new URL("../", new URL(import.meta.url.includes("/.bench/") ? "../bench/" : "./", import.meta.url)).pathname;
const BIN = `${ROOT}node_modules/.bin/`;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function machine(): BenchResults["machine"] {
  const model = cpus()[0]?.model ?? "unknown";
  return {
    nproc: Number(spawnSync("nproc", { encoding: "utf8" }).stdout.trim()) || cpus().length,
    cpu: model.replace(/\s+/g, " ").trim(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGb: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

async function versions(databaseUrl: string): Promise<Record<string, string>> {
  const out: Record<string, string> = { node: process.version.replace(/^v/, "") };
  for (const name of ["deno", "bun"]) {
    out[name] = /(\d+\.\d+\.\d+)/.exec(spawnSync(`${BIN}${name}`, ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? "unknown";
  }
  out.wrk = findWrk()?.version ?? "not installed";
  const sql = postgres(databaseUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ server_version: string }[]>`SHOW server_version`;
    out.postgres = row?.server_version ?? "unknown";
  } catch {
    out.postgres = "unreachable";
  } finally {
    await sql.end({ timeout: 1 });
  }
  for (const name of ["postgres", "esbuild", "typescript"]) {
    try {
      out[`${name} (npm)`] = (JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, "utf8")) as { version: string }).version;
    } catch {
      // Not installed.
    }
  }
  return out;
}

function stages(runtime: Runtime): StageResult {
  const command = runtime === "node"
    ? ["node", [".bench/handler-stages.js"]] as const
    : [`${BIN}${runtime}`, runtime === "deno" ? ["run", "-A", "bench/handler-stages.ts"] : ["run", "bench/handler-stages.ts"]] as const;
  const result = spawnSync(command[0], [...command[1]], { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 24 });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !line.startsWith("{")) throw new Error(`stages on ${runtime} failed:\n${result.stderr}`);
  return JSON.parse(line) as StageResult;
}

/** The other engineers' benchmarks, run when their files are there. */
async function queryBench(databaseUrl: string, seeded: boolean): Promise<BenchResults["query"]> {
  if (!existsSync(`${ROOT}bench/query.ts`)) return { skipped: "bench/query.ts is not there" };
  if (!seeded) return { skipped: "the database is not seeded (npm run bench:seed)" };
  const out = `${ROOT}.bench/query.js`;
  const build = spawnSync(`${BIN}esbuild`, [
    "bench/query.ts", "--bundle", "--platform=node", "--format=esm", "--target=node20", "--packages=external",
    "--log-level=warning", `--outfile=${out}`,
  ], { cwd: ROOT, encoding: "utf8" });
  if (build.status !== 0) return { skipped: `bench/query.ts does not build: ${build.stderr.split("\n")[0]}` };
  const module = await import(pathToFileURL(out).href) as {
    runQueryBench?: (options: { databaseUrl: string; log: (line: string) => void }) => Promise<unknown>;
    renderQueryReport?: (results: unknown) => string;
    writeQueryResults?: (results: unknown) => string[];
  };
  if (typeof module.runQueryBench !== "function") return { skipped: "bench/query.ts exports no runQueryBench" };
  const results = await module.runQueryBench({ databaseUrl, log });
  // Its own results file and latency plot.
  if (typeof module.writeQueryResults === "function") log(`  wrote ${module.writeQueryResults(results).join(", ")}`);
  const markdown = typeof module.renderQueryReport === "function" ? module.renderQueryReport(results) : undefined;
  return { results, ...(markdown !== undefined ? { markdown } : {}) };
}

async function main(): Promise<void> {
  const started = new Date();
  const databaseUrl = process.env.DATABASE_URL || BENCH_DATABASE_URL;
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const runtimes = (process.env.BENCH_RUNTIMES ?? "node,deno,bun").split(",").filter(Boolean) as Runtime[];
  const skip = new Set((process.env.BENCH_SKIP ?? "").split(",").filter(Boolean));
  const machineAtStart = machine();
  log(`lobby bench: ${machineAtStart.nproc} cores (${machineAtStart.cpu}), load average ${machineAtStart.loadAverage.join(" ")}`);
  mkdirSync(`${ROOT}.bench`, { recursive: true });
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  buildBundles();
  const database = await checkSeeded(databaseUrl);

  const results: BenchResults = {
    date: resultDate(started),
    startedAt: started.toISOString(),
    machine: machineAtStart,
    versions: await versions(databaseUrl),
    settings: { seconds, rounds, runtimes, databaseUrl: _redact(databaseUrl) },
    database,
  };

  if (!skip.has("query")) {
    log("listing query (bench/query.ts)");
    try {
      results.query = await queryBench(databaseUrl, database.seeded);
    } catch (error) {
      results.query = { skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (results.query?.skipped) log(`  skipped: ${results.query.skipped}`);
  }
  if (!skip.has("auth") && existsSync(`${ROOT}bench/auth.bench.ts`)) {
    // The auth engineer's benchmark writes its own results and bench/AUTH.md.
    log("token verification (npm run bench:auth)");
    const auth = spawnSync("npm", ["run", "bench:auth", "--silent"], { cwd: ROOT, stdio: "inherit", timeout: 600_000 });
    if (auth.status !== 0) log(`  bench:auth exited with ${auth.status}`);
  }
  if (!skip.has("handler")) {
    log("handler over HTTP");
    results.handler = await runHandlerBench({
      databaseUrl,
      seconds,
      rounds,
      runtimes,
      adapters: !skip.has("adapters"),
      log,
    }) satisfies HandlerBenchResult;
  }
  if (!skip.has("stages")) {
    log("stage costs");
    results.stages = runtimes.map((runtime) => {
      log(`  ${runtime}`);
      return stages(runtime);
    });
  }
  if (!skip.has("startup")) {
    log("start-up");
    results.startup = await runStartupBench(database.seeded ? databaseUrl : undefined) satisfies StartupResult[];
    for (const s of results.startup) log(`  ${s.name}: ${s.skipped ?? `${s.medianMs} ms (${s.launchesMs.join(", ")})`}`);
  }
  if (!skip.has("profile")) {
    log("CPU profiles (Node)");
    results.profiles = await runProfiles({ ...(database.seeded ? { databaseUrl } : {}), seconds, log }) satisfies ProfileResult[];
  }
  results.finishedAt = new Date().toISOString();
  results.loadAverageAtEnd = loadavg().map((value) => Math.round(value * 100) / 100);

  const auth = `${ROOT}bench/results/${results.date}-auth.json`;
  results.auth = { results: existsSync(auth) ? `bench/results/${results.date}-auth.json` : undefined, report: existsSync(`${ROOT}bench/AUTH.md`) ? "bench/AUTH.md" : undefined };

  const file = `${ROOT}bench/results/${results.date}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${ROOT}bench/results/rps-by-runtime.svg`, renderRpsSvg(results));
  writeFileSync(`${ROOT}bench/REPORT.md`, renderReport(results));
  log(`wrote bench/results/${results.date}.json, bench/results/rps-by-runtime.svg and bench/REPORT.md`);
}

function _redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
