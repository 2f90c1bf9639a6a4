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
 * const handler = createWorkspacesHandler({
 *   repository: postgresRepository(postgres(process.env.DATABASE_URL!)),
 *   auth: { keys: await secretKeys(process.env.JWT_SECRET!), issuer: "https://id.example.com" },
 * });
 * // Or an identity provider's keys: remoteJwksKeys("https://id.example.com/.well-known/jwks.json").
 * Deno.serve(handler); // or Bun.serve({ fetch: handler }), or createServer(toNodeListener(handler))
 * ```
 *
 * Run as a file (`deno run -A mod.ts`, `deno serve -A mod.ts`, `bun run
 * mod.ts`, or `npm start`), it starts the standalone server configured from
 * the environment. Importing it starts nothing.
 *
 * @module
 */
import type { StandaloneApp } from "./lib/app/app.ts";
import { appFromEnvironment, currentRuntime, onShutdown, printBanner, startStandalone } from "./lib/runtime/serve.ts";

export {
  createWorkspacesHandler,
  DEFAULT_ROUTES,
  type Dialect,
  type FetchHandler,
  type HandlerEvent,
  type RouteOptions,
  type WorkspacesHandlerOptions,
} from "./lib/handler/handler.ts";
export {
  type BearerFailureReason,
  type BearerResult,
  type ClaimCheck,
  type ClaimCheckResult,
  clientHashMatches,
  createVerifier,
  extractBearer,
  type Principal,
  TOKEN_FAILURE_REASONS,
  type TokenFailureReason,
  type Verifier,
  type VerifierOptions,
  type VerifyResult,
} from "./lib/auth/verifier.ts";
export {
  combineKeySets,
  type HmacAlgorithm,
  type JwtAlgorithm,
  type KeyQuery,
  type KeySet,
  type KeySetEvent,
  type KeySetEventReason,
  PUBLIC_KEY_ALGORITHMS,
  type PublicKeyAlgorithm,
  secretKeys,
  type SecretKeysOptions,
  staticKeys,
  type VerificationKey,
} from "./lib/auth/keys.ts";
export { type PemKeysOptions, pemKeys } from "./lib/auth/pem.ts";
export { importJwk, type JwkOptions, jwksKeys } from "./lib/auth/jwk.ts";
export { type RemoteJwksOptions, remoteJwksKeys, type RemoteKeySet } from "./lib/auth/jwks.ts";
export { negotiateLocale } from "./lib/locale/negotiate.ts";
export { CATALOGUES, type Catalogue, type Locale, LOCALES } from "./lib/locale/catalogue.ts";
export {
  formatSystemTime,
  SYSTEM_API_VERSION,
  type SystemBody,
  systemFailure,
  systemSuccess,
  type UptimerBody,
  uptimerFailure,
  uptimerSuccess,
} from "./lib/envelope/envelope.ts";
export { FAILURES, type FailureName, type FailureSpec } from "./lib/envelope/failures.ts";
export {
  kindCode,
  statusCode,
  WORKSPACE_KIND,
  WORKSPACE_STATUS,
  type WorkspaceMembership,
  type WorkspaceRole,
} from "./lib/repository/workspace.ts";
export { RepositoryUnavailableError, type WorkspaceRepository } from "./lib/repository/repository.ts";
export { postgresRepository } from "./lib/repository/postgres.ts";
export { openEmbeddedDatabase, pgliteRepository } from "./lib/repository/pglite.ts";
export { applySchema } from "./lib/repository/schema.ts";
export { ConfigError, configFromEnvironment, type ServerConfig } from "./lib/app/config.ts";
export { toNodeListener } from "./lib/runtime/node.ts";
export { type RunningServer, serve, startStandalone } from "./lib/runtime/serve.ts";

let _app: Promise<StandaloneApp> | undefined;
let _ownServer = false;
let _servedByDenoServe = false;

function _standaloneApp(): Promise<StandaloneApp> {
  return _app ??= appFromEnvironment().then(({ app }) => app);
}

/**
 * The standalone server as a default export, for `deno serve -A mod.ts`
 * and `bun run mod.ts`: configured from the environment on first use.
 *
 * @example
 * ```ts
 * import lobby from "./mod.ts";
 * const response = await lobby.fetch(new Request("http://localhost/api/v1/workspaces"));
 * ```
 */
const standalone: {
  readonly fetch: ((request: Request) => Promise<Response>) | undefined;
  onListen(address: { hostname: string; port: number }): void;
} = {
  // When this file started its own server, Bun must not serve the default
  // export a second time on the same port: it only does when `fetch` is set.
  get fetch() {
    return _ownServer ? undefined : _fetch;
  },
  // Called by `deno serve` only, which listens itself.
  onListen(address) {
    _servedByDenoServe = true;
    const started = Date.now();
    void _standaloneApp().then((app) => {
      printBanner(app, address.hostname, address.port, Date.now() - started);
      onShutdown(() => app.close());
    });
  },
};
export default standalone;

async function _fetch(request: Request): Promise<Response> {
  return (await _standaloneApp()).handler(request);
}

if ((import.meta as { main?: boolean }).main) {
  if (currentRuntime() === "deno") {
    // `deno run` and `deno serve` both make this the main module; only
    // `deno serve` calls onListen, right after this module has run.
    setTimeout(() => {
      if (!_servedByDenoServe) void startStandalone();
    }, 0);
  } else {
    _ownServer = true;
    await startStandalone();
  }
}
