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
  type Dialect,
  type FetchHandler,
  type HandlerEndpoint,
  type HandlerEvent,
  type HandlerMetrics,
  type HealthOptions,
  type ListingCacheOptions,
  type LogLevel,
  type PlainRequest,
  type PlainResponse,
  type Readiness,
  type WorkspacesHandler,
  type WorkspacesHandlerOptions,
} from "./lib/handler/mod.ts";
export { createLogger, type LoggerOptions, prometheusMetrics, type PrometheusMetricsOptions } from "./lib/observe/mod.ts";
export {
  type ClaimCheck,
  combineKeySets,
  type JwkOptions,
  jwksKeys,
  KeyError,
  type KeySet,
  type PemKeysOptions,
  pemKeys,
  type RemoteJwksOptions,
  remoteJwksKeys,
  secretKeys,
  type SecretKeysOptions,
  staticKeys,
  type TokenFailureReason,
  type VerificationKey,
  type VerifierOptions,
} from "./lib/auth/mod.ts";
export {
  applySchema,
  type ListingPage,
  type ListingQuery,
  ListingQueryError,
  type ListOptions,
  pgliteRepository,
  postgresReplicaHealth,
  type PostgresReplicatedOptions,
  postgresReplicatedRepository,
  postgresRepository,
  type PostgresRepositoryOptions,
  replicatedRepository,
  type ReplicatedRepositoryOptions,
  RepositoryUnavailableError,
  type VersionedItems,
  type WorkspaceMembership,
  type WorkspaceRepository,
} from "./lib/repository/mod.ts";
export { toNodeListener } from "./lib/runtime/mod.ts";

/** The standalone server for `deno serve -A mod.ts` and `bun run mod.ts`, configured from the environment on first use. */
export default standaloneEntry;

if ((import.meta as { main?: boolean }).main) runAsProgram();
