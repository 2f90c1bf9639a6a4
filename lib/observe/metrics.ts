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

/** Options of {@link prometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Whether to add prom-client's process and runtime metrics, named `lobby_process_…` and `lobby_nodejs_…` (default `true`). */
  readonly processMetrics?: boolean;
}

/** The metrics of one lobby, and their text. */
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

/** Request and listing durations, in seconds: from half a millisecond to ten seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Makes lobby's metrics in a registry of their own (prom-client's global
 * registry is left alone):
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
  const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = client;
  const registry = new Registry();
  const registers = [registry];

  const requests = new Counter({ name: "lobby_requests_total", help: "Requests answered, by dialect and HTTP status.", labelNames: ["dialect", "status"], registers });
  const durations = new Histogram({
    name: "lobby_request_duration_seconds",
    help: "Time the handler took to answer, by dialect.",
    labelNames: ["dialect"],
    buckets: [...DURATION_BUCKETS],
    registers,
  });
  const rejections = new Counter({ name: "lobby_auth_rejections_total", help: "Requests refused for their credentials, by reason.", labelNames: ["reason"], registers });
  const hits = new Counter({ name: "lobby_token_cache_hits_total", help: "Tokens found in the verified-token cache.", registers });
  const misses = new Counter({ name: "lobby_token_cache_misses_total", help: "Tokens not found in the verified-token cache (verified in full).", registers });
  const jwksSources: Array<{ keys: RemoteKeySet; failures: Map<string, number> }> = [];
  new Counter({
    name: "lobby_jwks_fetches_total",
    help: "Fetches of a remote JWK Set: ok, or why it failed.",
    labelNames: ["result"],
    registers,
    collect() {
      this.reset();
      const totals = new Map<string, number>();
      for (const { keys, failures } of jwksSources) {
        totals.set("ok", (totals.get("ok") ?? 0) + keys.loads);
        for (const [reason, count] of failures) totals.set(reason, (totals.get(reason) ?? 0) + count);
      }
      for (const [result, count] of totals) this.inc({ result }, count);
    },
  });
  const repositoryErrors = new Counter({ name: "lobby_repository_errors_total", help: "Listings that failed, by kind: unavailable, timeout, error.", labelNames: ["kind"], registers });
  const repositoryDurations = new Histogram({ name: "lobby_repository_duration_seconds", help: "Time the repository took to list a user's workspaces.", buckets: [...DURATION_BUCKETS], registers });
  const runtime = currentRuntime();
  new Gauge({ name: "lobby_runtime_info", help: "The runtime lobby runs on.", labelNames: ["runtime", "version"], registers }).set({ runtime, version: runtimeVersion(runtime) }, 1);
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix: "lobby_" });

  // Children by label value, so that a request allocates no label object.
  const requestChildren = new Map<string, { inc(): void }>();
  const durationChildren = new Map<string, { observe(value: number): void }>();
  const rejectionChildren = new Map<string, { inc(): void }>();
  const errorChildren = new Map<RepositoryErrorKind, { inc(): void }>();
  const handler: HandlerMetrics = {
    request(dialect: Dialect | "none", status: number, seconds: number) {
      const key = `${dialect} ${status}`;
      let child = requestChildren.get(key);
      if (child === undefined) requestChildren.set(key, child = requests.labels(dialect, String(status)));
      child.inc();
      let timer = durationChildren.get(dialect);
      if (timer === undefined) durationChildren.set(dialect, timer = durations.labels(dialect));
      timer.observe(seconds);
    },
    authRejected(reason: string) {
      let child = rejectionChildren.get(reason);
      if (child === undefined) {
        child = rejections.labels(reason);
        // Reasons are a closed set of codes; the bound only guards against a custom one run wild.
        if (rejectionChildren.size < 100) rejectionChildren.set(reason, child);
      }
      child.inc();
    },
    tokenCache(hit: boolean) {
      (hit ? hits : misses).inc();
    },
    repository(seconds: number, error: RepositoryErrorKind | undefined) {
      repositoryDurations.observe(seconds);
      if (error === undefined) return;
      let child = errorChildren.get(error);
      if (child === undefined) errorChildren.set(error, child = repositoryErrors.labels(error));
      child.inc();
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
