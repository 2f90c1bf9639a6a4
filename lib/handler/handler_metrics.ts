/**
 * What the handler counts and times, for a metrics library to record.
 *
 * @module
 */
import type { Dialect } from "./_routes.ts";

/**
 * How a repository listing failed: `unavailable` (the repository said the
 * database is unreachable), `timeout` (no answer within the handler's
 * `timeoutMs`) or `error` (anything else: a bug, a missing table).
 *
 * @example
 * ```ts
 * import type { RepositoryErrorKind } from "./handler_metrics.ts";
 * const kinds: RepositoryErrorKind[] = ["unavailable", "timeout", "error"];
 * ```
 */
export type RepositoryErrorKind = "unavailable" | "timeout" | "error";

/**
 * Receives the handler's counts and timings as they happen (the `metrics`
 * option). Each call must be cheap and must not throw: it runs on every
 * request. `lobby`'s standalone server records them with prom-client
 * (`prometheusMetrics`); anything else can implement this.
 *
 * @example
 * ```ts
 * import type { HandlerMetrics } from "./handler_metrics.ts";
 * let requests = 0;
 * const metrics: HandlerMetrics = {
 *   request: () => void requests++,
 *   authRejected: () => {},
 *   tokenCache: () => {},
 *   repository: () => {},
 * };
 * metrics.request("system", 200, 0.002);
 * ```
 */
export interface HandlerMetrics {
  /**
   * One answered request: its dialect (`"none"` for a path outside both,
   * such as a health probe), its HTTP status and how long the handler
   * took, in seconds.
   */
  request(dialect: Dialect | "none", status: number, seconds: number): void;
  /** One refused request: the bearer failure, token failure or `client_hash_mismatch`, as in the `auth_rejected` event. */
  authRejected(reason: string): void;
  /** One lookup in the verified-token cache: whether the token was found there. */
  tokenCache(hit: boolean): void;
  /** One repository listing: how long it took in seconds and, when it failed, how. */
  repository(seconds: number, error: RepositoryErrorKind | undefined): void;
}
