/**
 * The fetch handler that serves both dialects over one repository.
 *
 * @module
 */
export {
  type CorsOptions,
  createWorkspacesHandler,
  type Dialect,
  type FetchHandler,
  type HandlerEndpoint,
  type HandlerEvent,
  type HealthOptions,
  type ListingCacheOptions,
  type PlainRequest,
  type PlainResponse,
  type Readiness,
  type RouteOptions,
  type WorkspacesHandler,
  type WorkspacesHandlerOptions,
} from "./handler.ts";
export { DEFAULT_ROUTES } from "./_routes.ts";
export type { DatabaseReadiness } from "./_health.ts";
export type { HandlerMetrics, RepositoryErrorKind } from "./handler_metrics.ts";
export { HANDLER_EVENT_LEVELS, LOG_LEVELS, type LogLevel } from "./log_level.ts";
