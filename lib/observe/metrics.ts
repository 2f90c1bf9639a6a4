/**
 * Prometheus metrics with prom-client: the handler's counts and timings,
 * JWKS fetches, and the runtime's process metrics, in the text format for
 * `GET /metrics`. prom-client is loaded when {@link prometheusMetrics} is
 * first called, so lobby runs without it when metrics are off.
 *
 * @module
 */
import type { Dialect, HandlerEndpoint, HandlerMetrics, RepositoryErrorKind } from "../handler/mod.ts";
import type { KeySetEventReason, RemoteKeySet } from "../auth/mod.ts";
import { currentRuntime } from "../runtime/process.ts";

/**
 * Options of {@link prometheusMetrics}.
 *
 * @example
 * ```ts
 * import type { PrometheusMetricsOptions } from "./metrics.ts";
 * const options: PrometheusMetricsOptions = { processMetrics: false };
 * ```
 */
export interface PrometheusMetricsOptions {
  /** Whether to add prom-client's process and runtime metrics, named `lobby_process_…` and `lobby_nodejs_…` (default `true`). */
  readonly processMetrics?: boolean;
}

/**
 * The metrics of one lobby, and their text.
 *
 * @example
 * ```ts
 * import { prometheusMetrics, type PrometheusMetrics } from "./metrics.ts";
 * const metrics: PrometheusMetrics = await prometheusMetrics({ processMetrics: false });
 * const endpoints = { "/metrics": metrics.endpoint };
 * ```
 */
export interface PrometheusMetrics {
  /** What to pass as the handler's `metrics` option. */
  readonly handler: HandlerMetrics;
  /** Counts the fetches of a remote JWK Set: `ok` for each that replaced the keys, else the failure's reason. */
  watchKeySource(keys: RemoteKeySet): void;
  /** The metrics in the Prometheus text format. */
  text(): Promise<string>;
  /** The text's media type, for `Content-Type`. */
  readonly contentType: string;
  /** A `GET /metrics` endpoint, for the handler's `endpoints` option. */
  readonly endpoint: HandlerEndpoint;
}

/**
 * Request and listing durations, in seconds: from half a millisecond to ten seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DURATION_BUCKETS } from "./metrics.ts";
 * assert.equal(DURATION_BUCKETS[0], 0.0005);
 * ```
 */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Makes lobby's metrics in a registry of their own (prom-client's global
 * registry is left alone). A request only adds to plain numbers (no label
 * object, no hashing); prom-client reads them when scraped, and writes the
 * text with its process metrics:
 *
 * - `lobby_requests_total{dialect,status}`: answered requests (`dialect`
 *   is `system`, `uptimer`, or `none` outside both);
 * - `lobby_request_duration_seconds{dialect}`: a histogram of the
 *   handler's time per request;
 * - `lobby_auth_rejections_total{reason}`: refused requests by reason
 *   (`missing_authorization`, `expired`, `bad_signature`…);
 * - `lobby_token_cache_hits_total`, `lobby_token_cache_misses_total`:
 *   lookups in the verified-token cache;
 * - `lobby_jwks_fetches_total{result}`: remote JWK Set fetches, `ok` or
 *   the failure's reason (`jwks_unreachable`, `jwks_http_error`…);
 * - `lobby_repository_errors_total{kind}`: failed listings, `unavailable`,
 *   `timeout` or `error`;
 * - `lobby_repository_duration_seconds`: a histogram of listing times;
 * - `lobby_runtime_info{runtime,version}`: 1, naming the runtime;
 * - prom-client's process metrics, prefixed `lobby_` (CPU, resident
 *   memory, open files, event-loop lag, heap: what the runtime provides).
 *
 * @param options Whether to add the process metrics.
 * @returns The metrics.
 * @throws {Error} When prom-client is not installed (`npm install prom-client`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { prometheusMetrics } from "./metrics.ts";
 * const metrics = await prometheusMetrics({ processMetrics: false });
 * metrics.handler.request("system", 200, 0.004);
 * assert.match(await metrics.text(), /lobby_requests_total\{dialect="system",status="200"\} 1/);
 * ```
 */
export async function prometheusMetrics(options: PrometheusMetricsOptions = {}): Promise<PrometheusMetrics> {
  let client: typeof import("prom-client");
  try {
    client = await import("prom-client");
  } catch (error) {
    throw new Error("metrics need the prom-client package: npm install prom-client", { cause: error });
  }
  const { Counter, Gauge, Registry, collectDefaultMetrics } = client;
  const registry = new Registry();
  const registers = [registry];

  // Each request only adds to plain numbers here (a Map lookup and an
  // addition, no label object, no hashing); prom-client reads them when
  // scraped, through its collect hooks and a histogram collector.
  const requestCounts = new Map<string, Map<number, number>>();
  const rejectionCounts = new Map<string, number>();
  const errorCounts = new Map<RepositoryErrorKind, number>();
  let hits = 0;
  let misses = 0;
  const counter = (name: string, help: string, labelNames: string[], collect: (metric: { inc(labels: Record<string, string>, value: number): void }) => void) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        collect(this);
      },
    });
  counter("lobby_requests_total", "Requests answered, by dialect and HTTP status.", ["dialect", "status"], (metric) => {
    for (const [dialect, statuses] of requestCounts) for (const [status, count] of statuses) metric.inc({ dialect, status: String(status) }, count);
  });
  const durations = new HistogramCollector("lobby_request_duration_seconds", "Time the handler took to answer, by dialect.", "dialect");
  registry.registerMetric(durations as unknown as Parameters<typeof registry.registerMetric>[0]);
  counter("lobby_auth_rejections_total", "Requests refused for their credentials, by reason.", ["reason"], (metric) => {
    for (const [reason, count] of rejectionCounts) metric.inc({ reason }, count);
  });
  new Counter({ name: "lobby_token_cache_hits_total", help: "Tokens found in the verified-token cache.", registers, collect() {
    this.reset();
    this.inc(hits);
  } });
  new Counter({ name: "lobby_token_cache_misses_total", help: "Tokens not found in the verified-token cache (verified in full).", registers, collect() {
    this.reset();
    this.inc(misses);
  } });
  const jwksSources: Array<{ keys: RemoteKeySet; failures: Map<string, number> }> = [];
  counter("lobby_jwks_fetches_total", "Fetches of a remote JWK Set: ok, or why it failed.", ["result"], (metric) => {
    const totals = new Map<string, number>();
    for (const { keys, failures } of jwksSources) {
      totals.set("ok", (totals.get("ok") ?? 0) + keys.loads);
      for (const [reason, count] of failures) totals.set(reason, (totals.get(reason) ?? 0) + count);
    }
    for (const [result, count] of totals) metric.inc({ result }, count);
  });
  counter("lobby_repository_errors_total", "Listings that failed, by kind: unavailable, timeout, error.", ["kind"], (metric) => {
    for (const [kind, count] of errorCounts) metric.inc({ kind }, count);
  });
  const repositoryDurations = new HistogramCollector("lobby_repository_duration_seconds", "Time the repository took to list a user's workspaces.");
  registry.registerMetric(repositoryDurations as unknown as Parameters<typeof registry.registerMetric>[0]);
  const listings = repositoryDurations.child("");
  const runtime = currentRuntime();
  new Gauge({ name: "lobby_runtime_info", help: "The runtime lobby runs on.", labelNames: ["runtime", "version"], registers }).set({ runtime, version: runtimeVersion(runtime) }, 1);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "lobby_" });

  const handler: HandlerMetrics = {
    request(dialect: Dialect | "none", status: number, seconds: number) {
      let statuses = requestCounts.get(dialect);
      if (statuses === undefined) requestCounts.set(dialect, statuses = new Map());
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      durations.child(dialect).observe(seconds);
    },
    authRejected(reason: string) {
      // Reasons are a closed set of codes; the bound only guards against a custom one run wild.
      if (rejectionCounts.size < 100 || rejectionCounts.has(reason)) rejectionCounts.set(reason, (rejectionCounts.get(reason) ?? 0) + 1);
    },
    tokenCache(hit: boolean) {
      if (hit) hits++;
      else misses++;
    },
    repository(seconds: number, error: RepositoryErrorKind | undefined) {
      listings.observe(seconds);
      if (error !== undefined) errorCounts.set(error, (errorCounts.get(error) ?? 0) + 1);
    },
  };

  const contentType = registry.contentType as string;
  const text = () => registry.metrics();
  return {
    handler,
    watchKeySource(keys: RemoteKeySet) {
      const failures = new Map<string, number>();
      jwksSources.push({ keys, failures });
      keys.watch?.(({ reason }: { reason: KeySetEventReason }) => {
        // A skipped entry is not a failed fetch: the rest of the set loaded.
        if (reason !== "jwks_key_skipped") failures.set(reason, (failures.get(reason) ?? 0) + 1);
      });
    },
    text,
    contentType,
    endpoint: async () => ({ status: 200, headers: { "content-type": contentType, "cache-control": "no-store" }, body: await text() }),
  };
}

function runtimeVersion(runtime: string): string {
  const versions = (globalThis as { Deno?: { version?: { deno?: string } }; Bun?: { version?: string }; process?: { versions?: { node?: string } } });
  if (runtime === "deno") return versions.Deno?.version?.deno ?? "unknown";
  if (runtime === "bun") return versions.Bun?.version ?? "unknown";
  return versions.process?.versions?.node ?? "unknown";
}

// One histogram's counts for one label value: plain numbers, read at scrape time.
class HistogramChild {
  /** Per bucket (not cumulative), the last for values above every bound. */
  readonly counts = new Float64Array(DURATION_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  observe(value: number): void {
    let i = 0;
    while (i < DURATION_BUCKETS.length && value > DURATION_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/**
 * A histogram over {@link DURATION_BUCKETS} with at most one label, kept in
 * plain numbers and handed to prom-client's registry as a metric it can
 * read (`name`, `get()`), in the shape of its own histograms.
 */
class HistogramCollector {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #children = new Map<string, HistogramChild>();

  constructor(readonly name: string, readonly help: string, readonly labelName?: string) {}

  /** The counts for one label value (the empty string without a label). */
  child(value: string): HistogramChild {
    let child = this.#children.get(value);
    if (child === undefined) this.#children.set(value, child = new HistogramChild());
    return child;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> } {
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    for (const [value, child] of this.#children) {
      const labels: Record<string, string> = this.labelName === undefined ? {} : { [this.labelName]: value };
      let cumulative = 0;
      DURATION_BUCKETS.forEach((bound, i) => {
        cumulative += child.counts[i]!;
        values.push({ labels: { le: bound, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: "+Inf", ...labels }, value: child.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: child.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
