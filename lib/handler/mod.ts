/**
 * The fetch handler that serves both dialects over one repository.
 *
 * @module
 */
export {
  createWorkspacesHandler,
  type Dialect,
  type FetchHandler,
  type HandlerEvent,
  type PlainRequest,
  type PlainResponse,
  type RouteOptions,
  type WorkspacesHandler,
  type WorkspacesHandlerOptions,
} from "./handler.ts";
export { DEFAULT_ROUTES } from "./_routes.ts";
