/**
 * `npm run bench`: every benchmark, then the report.
 *
 * 1. the listing query (`bench/query.ts`: its own results file and plot);
 * 2. token verification (`npm run bench:auth`: its own results file and `bench/AUTH.md`);
 * 3. the handler over HTTP against its floor on Node, Deno and Bun, and the
 *    Node adapter candidates (`bench/handler.ts`);
 * 4. the in-process cost of each stage on each runtime (`bench/handler-stages.ts`);
 * 5. start-up of the standalone server (`bench/handler-startup.ts`);
 * 6. CPU profiles of the Node server under load (`bench/profile.ts`);
 * 7. the standalone server direct, through PgBouncer and with reads on a
 *    replica, on clusters of its own (`bench/scale-out.ts`);
 * 8. lobby against the plain implementation (Hono, hono/jwt, postgres.js,
 *    the join) on Node and Bun, 304s, 5,000 memberships, listings changing
 *    under load, 60 s steady (`bench/peer.ts`);
 * 9. the listing read as rows, as formatted columns or as each item's JSON
 *    (`bench/shape.ts`);
 * 10. pages, filters and name search through the repository and over HTTP,
 *    and their plans (`bench/pages.ts`: its own results file);
 *
 * then writes `bench/results/<YYYY-MM-DD>.json` and regenerates
 * `bench/REPORT.md` and `bench/results/rps-by-runtime.svg`
 * (`bench/report.ts`).
 *
 * Environment: `DATABASE_URL` (default the `npm run bench:seed` database),
 * `BENCH_SECONDS` (per run, default 5), `BENCH_ROUNDS` (default 3),
 * `BENCH_RUNTIMES` (default `node,deno,bun`), `BENCH_SKIP` (comma-separated
 * parts to leave out: `query`, `auth`, `handler`, `adapters`, `stages`, `startup`, `profile`, `scale-out`, `peer`, `shape`, `pages`),
 * `BENCH_LOAD=autocannon` (use autocannon even when wrk is installed),
 * `BENCH_SCALE` (calls per round of the stage costs, default 1),
 * `BENCH_LAUNCHES` (start-ups per configuration, default 5).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { envList, envNumber, log, packageVersion, redact, resultDate, ROOT, WORK, writeOutput } from "./_harness/context.ts";
import { checkSeeded, databaseUrl, postgresVersion } from "./_harness/dataset.ts";
import { findWrk } from "./_harness/load.ts";
import { loadAverage, machine, toolVersion } from "./_harness/machine.ts";
import { buildBundles, type Runtime, runCommand, runForJson } from "./_harness/servers.ts";
import { runHandlerBench } from "./handler.ts";
import { runStartupBench } from "./handler-startup.ts";
import type { StageResult } from "./handler-stages.ts";
import { runProfiles } from "./profile.ts";
import { runQueryBench, writeQueryResults } from "./query.ts";
import { runScaleOutBench } from "./scale-out.ts";
import { runPeerBench } from "./peer.ts";
import { runShapeBench } from "./shape.ts";
import { runPagesBench } from "./pages.ts";
import { renderQueryReport } from "./query-report.ts";
import { type BenchResults, renderReport, renderRpsSvg } from "./report.ts";

const started = new Date();
const url = databaseUrl();
const seconds = envNumber("BENCH_SECONDS", 5);
const rounds = envNumber("BENCH_ROUNDS", 3);
const runtimes = envList("BENCH_RUNTIMES", "node,deno,bun") as Runtime[];
const skip = new Set(envList("BENCH_SKIP"));
const atStart = machine();
log(`lobby bench: ${atStart.nproc} cores (${atStart.cpu}), load average ${atStart.loadAverage.join(" ")}`);
mkdirSync(WORK, { recursive: true });
buildBundles(["bench/handler-server.ts", "bench/handler-stages.ts", "mod.ts"]);
const database = await checkSeeded(url);

const versions: Record<string, string> = { node: toolVersion("node"), deno: toolVersion("deno"), bun: toolVersion("bun") };
versions.wrk = findWrk()?.version ?? "not installed";
versions.postgres = await postgresVersion(url);
for (const name of ["postgres", "esbuild", "typescript"]) {
  const version = packageVersion(name);
  if (version !== undefined) versions[`${name} (npm)`] = version;
}
const results: BenchResults = {
  date: resultDate(started),
  startedAt: started.toISOString(),
  machine: atStart,
  versions,
  settings: { seconds, rounds, runtimes, databaseUrl: redact(url) },
  database,
};

if (!skip.has("query")) {
  log("listing query (bench/query.ts)");
  if (!database.seeded) results.query = { skipped: "the database is not seeded (npm run bench:seed)" };
  else {
    try {
      // Its own results file and latency plot, then its section of the report.
      const query = await runQueryBench({ databaseUrl: url, log, write: false });
      log(`  wrote ${writeQueryResults(query).join(", ")}`);
      results.query = { results: query, markdown: renderQueryReport(query) };
    } catch (error) {
      results.query = { skipped: `failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  if (results.query?.skipped) log(`  skipped: ${results.query.skipped}`);
}
if (!skip.has("auth")) {
  // In its own process, as `npm run bench:auth` runs it: its own results file and bench/AUTH.md.
  log("token verification (npm run bench:auth)");
  const auth = spawnSync("npm", ["run", "bench:auth", "--silent"], { cwd: ROOT, stdio: "inherit", timeout: 600_000 });
  if (auth.status !== 0) log(`  bench:auth exited with ${auth.status}`);
}
if (!skip.has("handler")) {
  log("handler over HTTP");
  results.handler = await runHandlerBench({ databaseUrl: url, seconds, rounds, runtimes, adapters: !skip.has("adapters"), log });
}
if (!skip.has("stages")) {
  log("stage costs");
  results.stages = runtimes.map((runtime) => {
    log(`  ${runtime}`);
    return runForJson<StageResult>(runCommand(runtime, "bench/handler-stages.ts"));
  });
}
if (!skip.has("startup")) {
  log("start-up");
  results.startup = await runStartupBench(database.seeded ? url : undefined);
  for (const s of results.startup) log(`  ${s.name}: ${s.skipped ?? `${s.medianMs} ms (${s.launchesMs.join(", ")})`}`);
}
if (!skip.has("profile")) {
  log("CPU profiles (Node)");
  results.profiles = await runProfiles({ ...(database.seeded ? { databaseUrl: url } : {}), seconds, log });
}
if (!skip.has("scale-out")) {
  log("scale-out: direct, through PgBouncer, reads on a replica (bench/scale-out.ts)");
  results.scaleOut = await runScaleOutBench({ seconds, rounds, log });
  if (results.scaleOut.skipped) log(`  skipped: ${results.scaleOut.skipped}`);
}
if (!skip.has("peer")) {
  log("lobby against the plain implementation (bench/peer.ts)");
  results.peer = await runPeerBench({ databaseUrl: url, seconds, rounds, runtimes: runtimes.filter((runtime) => runtime !== "deno"), log });
  if (results.peer.skipped) log(`  skipped: ${results.peer.skipped.join("; ")}`);
}
if (!skip.has("shape")) {
  log("rows shaped by Postgres (bench/shape.ts)");
  results.shape = await runShapeBench({ databaseUrl: url, log });
  if (results.shape.skipped) log(`  skipped: ${results.shape.skipped}`);
}
if (!skip.has("pages")) {
  log("pages, filters and name search (bench/pages.ts)");
  results.pages = await runPagesBench({ databaseUrl: url, rounds: envNumber("PAGES_ROUNDS", 6), slotMs: envNumber("PAGES_SLOT_MS", 500), seconds, log });
  if (results.pages.skipped) log(`  skipped: ${results.pages.skipped}`);
  else log(`  wrote ${writeOutput(`bench/results/${results.pages.date}-pages.json`, `${JSON.stringify(results.pages, null, 2)}\n`)}`);
  if (results.pages.failures.length > 0) log(`  failed: ${results.pages.failures.join("; ")}`);
}
results.finishedAt = new Date().toISOString();
results.loadAverageAtEnd = loadAverage();
const auth = `bench/results/${results.date}-auth.json`;
results.auth = { results: existsSync(`${ROOT}${auth}`) ? auth : undefined, report: existsSync(`${ROOT}bench/AUTH.md`) ? "bench/AUTH.md" : undefined };

log(`wrote ${writeOutput(`bench/results/${results.date}.json`, `${JSON.stringify(results, null, 2)}\n`)}, ` +
  `${writeOutput("bench/results/rps-by-runtime.svg", renderRpsSvg(results))} and ${writeOutput("bench/REPORT.md", renderReport(results))}`);
