/**
 * lobby answers one question for every client of a multi-tenant product:
 * *which workspaces am I in?* Its product is a standard fetch handler that
 * serves two published API dialects over one repository, on Node.js, Deno
 * and Bun, embedded in any server or standalone.
 *
 * ```ts
 * import { createWorkspacesHandler, postgresRepository, secretKeys } from "./mod.ts";
 * import postgres from "postgres";
 *
 * const sql = postgres("postgres://postgres@127.0.0.1:5432/test");
 * const handler = createWorkspacesHandler({
 *   repository: postgresRepository(sql, { applySchema: true }),
 *   auth: { keys: await secretKeys("a secret of at least thirty-two bytes!"), issuer: "https://id.example.com" },
 * });
 * // Or an identity provider's keys: remoteJwksKeys("https://id.example.com/.well-known/jwks.json").
 * // Deno.serve(handler); Bun.serve({ fetch: handler }); createServer(toNodeListener(handler)).listen(8080);
 * const response = await handler(new Request("http://localhost/api/v1/workspaces"));
 * console.log(response.status); // 401: no token
 * await sql.end();
 * ```
 *
 * Run as a program (`deno run -A mod.ts`, `deno serve -A mod.ts`, `bun run
 * mod.ts`, or `npm start`), it starts the standalone server configured from
 * the environment. Importing it starts nothing.
 *
 * @module
 */
import { runAsProgram, standaloneEntry } from "./lib/app/main.ts";

export {
  type CorsOptions,
  createWorkspacesHandler,
  type DatabaseReadiness,
  type Dialect,
  type FetchHandler,
  type HandlerEndpoint,
  type HandlerEvent,
  HANDLER_EVENT_LEVELS,
  type HandlerMetrics,
  type HealthOptions,
  LOG_LEVELS,
  type LogLevel,
  type PlainRequest,
  type PlainResponse,
  type Readiness,
  type RepositoryErrorKind,
  type WorkspacesHandler,
  type WorkspacesHandlerOptions,
} from "./lib/handler/mod.ts";
export {
  createLogger,
  type LogEvent,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type PrometheusMetrics,
  prometheusMetrics,
  type PrometheusMetricsOptions,
} from "./lib/observe/mod.ts";
export {
  type ClaimCheck,
  combineKeySets,
  type JwkOptions,
  jwksKeys,
  type JwtAlgorithm,
  type KeySet,
  type PemKeysOptions,
  pemKeys,
  type RemoteJwksOptions,
  remoteJwksKeys,
  type RemoteKeySet,
  secretKeys,
  type SecretKeysOptions,
  staticKeys,
  type TokenFailureReason,
  type VerificationKey,
  type VerifierOptions,
} from "./lib/auth/mod.ts";
export {
  applySchema,
  describeReplicaEvent,
  pgliteRepository,
  type PostgresReplicatedOptions,
  postgresReplicaHealth,
  postgresReplicatedRepository,
  postgresRepository,
  type PostgresRepositoryOptions,
  type ReadReplica,
  type ReplicaEvent,
  type ReplicaHealth,
  type ReplicaSkipReason,
  type ReplicaStatus,
  type ReplicatedRepository,
  replicatedRepository,
  type ReplicatedRepositoryOptions,
  RepositoryUnavailableError,
  type WorkspaceMembership,
  type WorkspaceRepository,
  type WorkspaceRole,
} from "./lib/repository/mod.ts";
export { toNodeListener } from "./lib/runtime/mod.ts";
// Listing versions: the handler's cache bounds, and what a repository of one's own implements for ETags and the cache.
export type { ListingCacheOptions } from "./lib/handler/mod.ts";
export type { ListingItemFormat, ListOptions, VersionedItems } from "./lib/repository/mod.ts";
export { formatListingItem } from "./lib/envelope/mod.ts";

/** The standalone server for `deno serve -A mod.ts` and `bun run mod.ts`, configured from the environment on first use. */
export default standaloneEntry;

if ((import.meta as { main?: boolean }).main) runAsProgram();
