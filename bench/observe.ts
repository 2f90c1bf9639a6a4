/**
 * What observability costs the handler: (b), lobby's handler over an
 * in-process repository (`bench/handler-server.ts`, `MODE=memory`), with it
 * off, with prom-client metrics on (`OBSERVE=metrics`, what `METRICS=1`
 * gives) and with metrics and a JSON access log line per request
 * (`OBSERVE=all`, what `METRICS=1 LOG_FORMAT=json LOG_LEVEL=info` give),
 * alternated round by round over real HTTP.
 *
 * `npm run bench` measures the same as part of the handler benchmark (its
 * (b′) and (b″)). `npm run bench:observe` measures only this, on the
 * runtimes of `BENCH_RUNTIMES` (default `node`), and writes
 * `bench/results/<YYYY-MM-DD>-observe.json` and the report's section "Metrics
 * and JSON access logs" in `bench/REPORT.md`, leaving the rest of the
 * report as it is.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { secretKeys } from "../lib/auth/mod.ts";
import { createWorkspacesHandler, type PlainRequest, type WorkspacesHandlerOptions } from "../lib/handler/mod.ts";
import { createLogger, prometheusMetrics } from "../lib/observe/mod.ts";
import { envList, envNumber, isMain, log, resultDate, ROOT, writeOutput } from "./_harness/context.ts";
import { REQUEST, TEN_WORKSPACES } from "./_harness/fixtures.ts";
import { alternate, benchTokens, describeRun, load, loadCommand, type LoadGenerator, loadGenerator, type Series, series } from "./_harness/load.ts";
import { loadAverage, type Machine, machine, toolVersion } from "./_harness/machine.ts";
import { fmt, kilo, range, table } from "./_harness/markdown.ts";
import { buildBundles, type Runtime, runCommand, startServer } from "./_harness/servers.ts";
import { percentile, ratios, type Summary, summary } from "./_harness/stats.ts";

/** One runtime's three configurations. */
export interface ObserveRow {
  readonly runtime: string;
  readonly version: string;
  /** (b): observability off. */
  readonly off: Series;
  /** (b′): prom-client metrics on. */
  readonly metrics: Series;
  /** (b″): metrics and the JSON access log on. */
  readonly all: Series;
}

/**
 * The same three handlers called in this process, no HTTP: microseconds per
 * `answer()`, median of alternated rounds (range). Steadier than requests/s
 * on a busy machine, and the handler's whole share of the difference.
 */
export interface InProcessCost {
  readonly rounds: number;
  readonly calls: number;
  readonly off: Summary;
  readonly metrics: Summary;
  readonly all: Summary;
}

/** What `npm run bench:observe` writes to `bench/results/<date>-observe.json`. */
export interface ObserveBenchResult {
  readonly date: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly machine: Machine;
  readonly loadAverageAtEnd: readonly number[];
  readonly generator: LoadGenerator;
  readonly connections: number;
  readonly seconds: number;
  readonly rounds: number;
  readonly command: string;
  readonly rows: readonly ObserveRow[];
  /** Node only. */
  readonly inProcess?: InProcessCost;
}

/** The most metrics may cost (b) on Node: 3 % of its throughput. */
export const METRICS_TARGET = 0.97;

/** The section's heading, which `npm run bench:observe` finds and replaces in the report. */
export const OBSERVE_HEADING = "## Metrics and JSON access logs";

function perRound(numerator: Series, denominator: Series): number[] {
  return ratios(numerator.runs.map((run) => run.rps), denominator.runs.map((run) => run.rps));
}

function paired(numerator: Series, denominator: Series): Summary | undefined {
  const each = perRound(numerator, denominator);
  return each.length === 0 ? undefined : summary(each);
}

function ratioCell(r: Summary | undefined): string {
  return r === undefined ? "–" : `**${fmt(r.median, 3)}×** (${fmt(r.min, 3)}–${fmt(r.max, 3)})`;
}

// A 3 % difference cannot be read from rounds whose middle half differs by
// more than a tenth; one odd round at either end does not make a run
// unreadable.
function verdict(each: readonly number[]): string {
  const ratio = summary(each);
  const sorted = [...each].sort((a, b) => a - b);
  const low = percentile(sorted, 0.25);
  const high = percentile(sorted, 0.75);
  const spread = `per-round ratios ${fmt(ratio.min, 3)}–${fmt(ratio.max, 3)}, middle half ${fmt(low, 3)}–${fmt(high, 3)}`;
  if (high - low > 0.1) {
    return `${fmt(ratio.median, 3)}×, **inconclusive**: the ${spread}, far wider than the 3 % to be read (see the load ` +
      "average); run `npm run bench:observe` on a quiet machine.";
  }
  return `${fmt(ratio.median, 3)}× (${spread}), **${ratio.median >= METRICS_TARGET ? "met" : "not met"}**.`;
}

function cpuCell(s: Series): string {
  return s.cpuUs === undefined ? "–" : fmt(s.cpuUs.median, 1);
}

/**
 * The report's section: requests/s side by side, the per-round ratios, the
 * server's CPU per request, and the 3 % target for metrics on Node.
 *
 * @param rows The measured runtimes.
 * @param how One sentence saying how the runs were made.
 */
export function renderObserveSection(rows: readonly ObserveRow[], how: string, inProcess?: InProcessCost): string[] {
  const node = rows.find((row) => row.runtime === "node");
  const metricsRatio = node === undefined ? undefined : perRound(node.metrics, node.off);
  const cpuCost = (on: Series, off: Series) =>
    on.cpuUs === undefined || off.cpuUs === undefined ? "–" : `${fmt(on.cpuUs.median - off.cpuUs.median, 1)} µs (${fmt((on.cpuUs.median / off.cpuUs.median - 1) * 100, 1)} %)`;
  return [
    OBSERVE_HEADING,
    "",
    "(b), lobby's handler over an in-process repository, with observability off; (b′) with prom-client metrics on, as `METRICS=1` " +
    "gives (`OBSERVE=metrics`); (b″) with metrics and a JSON access log line per request on standard output, as " +
    "`METRICS=1 LOG_FORMAT=json LOG_LEVEL=info` give (`OBSERVE=all`). Requests/s: median of the runs (range); ratios: median of " +
    `the per-round ratios, each pair measured back to back. ${how}`,
    "",
    ...table(
      ["runtime", "(b) off", "(b′) metrics", "**b′/b**", "(b″) metrics + JSON logs", "**b″/b**", "CPU µs/request b / b′ / b″", "added CPU b′ / b″", "p50 / p99 ms b / b″"],
      rows.map((row) => [
        `${row.runtime} ${row.version}`,
        range(row.off.rps, kilo),
        range(row.metrics.rps, kilo),
        ratioCell(paired(row.metrics, row.off)),
        range(row.all.rps, kilo),
        ratioCell(paired(row.all, row.off)),
        `${cpuCell(row.off)} / ${cpuCell(row.metrics)} / ${cpuCell(row.all)}`,
        `${cpuCost(row.metrics, row.off)} / ${cpuCost(row.all, row.off)}`,
        `${fmt(row.off.p50.median, 1)} / ${fmt(row.off.p99.median, 1)}, ${fmt(row.all.p50.median, 1)} / ${fmt(row.all.p99.median, 1)}`,
      ]),
    ),
    "",
    `Target: metrics cost (b) on Node at most 3 % of its throughput (b′/b ≥ ${METRICS_TARGET}): ` +
    (metricsRatio === undefined || metricsRatio.length === 0 ? "not measured." : verdict(metricsRatio)) +
    " The server's CPU per request, read from `/proc`, is steadier than requests/s on a shared machine; both move with the " +
    "machine's load (see the load average below), so compare the ratios of runs measured back to back.",
    "",
    ...(inProcess === undefined ? [] : [
      `In the same Node process, without HTTP (the handler's own share; ${inProcess.rounds} alternated rounds of ` +
      `${inProcess.calls.toLocaleString("en")} \`answer()\` calls, rotating the same tokens): observability off ` +
      `${range(inProcess.off, (v) => fmt(v, 2))} µs per answer, metrics ${range(inProcess.metrics, (v) => fmt(v, 2))} µs ` +
      `(+${fmt(inProcess.metrics.median - inProcess.off.median, 2)} µs), metrics and the JSON line ${range(inProcess.all, (v) => fmt(v, 2))} µs ` +
      `(+${fmt(inProcess.all.median - inProcess.off.median, 2)} µs; the line is formatted, not written).` +
      (node?.off.cpuUs === undefined ? "" : ` Against (b)'s ${fmt(node.off.cpuUs.median, 1)} µs of server CPU per request over HTTP, metrics add ` +
        `${fmt(((inProcess.metrics.median - inProcess.off.median) / node.off.cpuUs.median) * 100, 1)} %.`),
      "",
    ]),
  ];
}

/**
 * Puts the section into a report: in place of the one already there, or
 * before "## Machine and versions".
 *
 * @param report The report's text.
 * @param section The section's lines.
 */
export function spliceSection(report: string, section: readonly string[]): string {
  const text = `${section.join("\n")}\n`;
  const start = report.indexOf(`\n${OBSERVE_HEADING}\n`);
  if (start !== -1) {
    const next = report.indexOf("\n## ", start + 1 + OBSERVE_HEADING.length);
    return `${report.slice(0, start + 1)}${text}${next === -1 ? "" : report.slice(next + 1)}`;
  }
  const before = report.indexOf("\n## Machine and versions\n");
  return before === -1 ? `${report}\n${text}` : `${report.slice(0, before + 1)}${text}\n${report.slice(before + 1)}`;
}

/** The sentence saying how a dedicated run was made. */
export function describeObserveRun(result: ObserveBenchResult): string {
  return `Measured by \`npm run bench:observe\` (\`bench/observe.ts\`) on ${result.date}, ${result.startedAt.slice(11, 19)}–` +
    `${result.finishedAt.slice(11, 19)} UTC, from \`bench/results/${result.date}-observe.json\`: ${result.rounds} alternated rounds of ` +
    `${result.seconds} s, ${result.generator.name} ${result.generator.version}, ${result.connections} connections, \`GET ${REQUEST.path}\` ` +
    `rotating 1,000 valid tokens (\`${result.command}\`); ${result.machine.nproc} cores (${result.machine.cpu}), load average ` +
    `${result.machine.loadAverage.join(" / ")} at the start and ${result.loadAverageAtEnd.join(" / ")} at the end.`;
}

/** The three handlers in this process: microseconds per `answer()`, alternated. */
export async function measureInProcess(secret: string, tokens: readonly string[], rounds: number, calls: number): Promise<InProcessCost> {
  const base: WorkspacesHandlerOptions = { repository: { listForUser: () => Promise.resolve(TEN_WORKSPACES) }, auth: { keys: await secretKeys(secret) } };
  const metrics = await prometheusMetrics();
  let written = 0;
  const handlers = {
    off: createWorkspacesHandler(base),
    metrics: createWorkspacesHandler({ ...base, metrics: metrics.handler }),
    all: createWorkspacesHandler({ ...base, metrics: metrics.handler, logLevel: "info", log: createLogger({ format: "json", level: "info", line: (text) => void (written += text.length) }) }),
  };
  const requests: PlainRequest[] = tokens.map((token) => {
    const headers = new Map([["host", "127.0.0.1"], ["authorization", `Bearer ${token}`], ["accept-language", REQUEST.acceptLanguage]]);
    return { method: "GET", url: `http://127.0.0.1${REQUEST.path}`, headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null } };
  });
  const times: Record<keyof typeof handlers, number[]> = { off: [], metrics: [], all: [] };
  for (let round = 0; round <= rounds; round++) {
    for (const name of Object.keys(handlers) as Array<keyof typeof handlers>) {
      const handler = handlers[name];
      const started = performance.now();
      for (let i = 0; i < calls; i++) await handler.answer(requests[i % requests.length]!);
      // Round 0 warms the three up.
      if (round > 0) times[name].push(((performance.now() - started) * 1000) / calls);
    }
  }
  if (written === 0) throw new Error("the logging handler wrote nothing");
  return { rounds, calls, off: summary(times.off, 2), metrics: summary(times.metrics, 2), all: summary(times.all, 2) };
}

/** Measures (b), (b′) and (b″) on each runtime, alternated. */
export async function runObserveBench(options: { runtimes: readonly Runtime[]; seconds: number; rounds: number; connections: number }): Promise<ObserveBenchResult> {
  const started = new Date();
  const atStart = machine();
  const generator = loadGenerator();
  const tokens = await benchTokens();
  const { seconds, rounds, connections } = options;
  if (options.runtimes.includes("node")) buildBundles(["bench/handler-server.ts"]);
  const inProcess = options.runtimes.includes("node") ? await measureInProcess(tokens.secret, tokens.rotating.tokens, 9, 20_000) : undefined;
  if (inProcess !== undefined) {
    log(`in process: off ${inProcess.off.median} µs, metrics ${inProcess.metrics.median} µs, all ${inProcess.all.median} µs per answer()`);
  }
  const rows: ObserveRow[] = [];
  for (const runtime of options.runtimes) {
    const env = { MODE: "memory", BENCH_SECRET: tokens.secret };
    const start = (observe?: string) => startServer(runCommand(runtime, "bench/handler-server.ts"), observe === undefined ? env : { ...env, OBSERVE: observe });
    const servers = { off: await start(), metrics: await start("metrics"), all: await start("all") };
    try {
      for (const server of Object.values(servers)) await load(generator, { tokens: tokens.rotating, connections, seconds: Math.min(2, seconds), url: server.url });
      const measure = (name: keyof typeof servers) => async (round: number) => {
        const server = servers[name];
        const run = await load(generator, { tokens: tokens.rotating, connections, seconds, url: server.url, pid: server.child.pid });
        log(describeRun(`${runtime} ${name}, round ${round}`, run));
        return run;
      };
      const runs = await alternate(rounds, { off: measure("off"), metrics: measure("metrics"), all: measure("all") });
      rows.push({ runtime, version: toolVersion(runtime), off: series(runs.off!), metrics: series(runs.metrics!), all: series(runs.all!) });
    } finally {
      for (const server of Object.values(servers)) await server.stop();
    }
  }
  return {
    date: resultDate(started),
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: atStart,
    loadAverageAtEnd: loadAverage(),
    generator,
    connections,
    seconds,
    rounds,
    command: loadCommand(generator, connections, seconds),
    rows,
    ...(inProcess === undefined ? {} : { inProcess }),
  };
}

// `npm run bench:observe`: measures, writes the results file and the report's section.
if (isMain(import.meta, "observe")) {
  const result = await runObserveBench({
    runtimes: envList("BENCH_RUNTIMES", "node") as Runtime[],
    seconds: envNumber("BENCH_SECONDS", 5),
    rounds: envNumber("BENCH_ROUNDS", 5),
    connections: 50,
  });
  const file = writeOutput(`bench/results/${result.date}-observe.json`, `${JSON.stringify(result, null, 2)}\n`);
  const report = readReport();
  const written = writeOutput("bench/REPORT.md", spliceSection(report, renderObserveSection(result.rows, describeObserveRun(result), result.inProcess)));
  log(`wrote ${file} and the section "${OBSERVE_HEADING.slice(3)}" of ${written}`);
}

function readReport(): string {
  return readFileSync(`${ROOT}bench/REPORT.md`, "utf8");
}
