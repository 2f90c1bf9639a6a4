/**
 * The standalone server's own endpoints beside the two dialects (such as
 * `/openapi.json`, `/healthz`): exact paths, `GET` and `HEAD` only, answered
 * before the workspaces handler sees the request.
 *
 * @module
 */
import type { PlainRequest, PlainResponse, WorkspacesHandler } from "../handler/mod.ts";

/** One endpoint: its answer, made per request. */
export type StandaloneRoute = (request: PlainRequest) => PlainResponse | Promise<PlainResponse>;

/**
 * A handler that answers `routes` by exact path (the query ignored) and
 * passes every other request to `handler`; both its fetch function and its
 * `answer` do so.
 *
 * @param handler The workspaces handler.
 * @param routes Answers by path.
 * @returns The combined handler.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withStandaloneRoutes } from "./routes.ts";
 * import { createWorkspacesHandler } from "../handler/mod.ts";
 * import { secretKeys } from "../auth/mod.ts";
 * const handler = withStandaloneRoutes(
 *   createWorkspacesHandler({ repository: { listForUser: () => Promise.resolve([]) }, auth: { keys: await secretKeys("a secret of at least thirty-two bytes!") } }),
 *   { "/healthz": () => ({ status: 200, headers: { "content-type": "application/json" }, body: '{"status":"ok"}' }) },
 * );
 * assert.equal((await handler(new Request("http://localhost/healthz"))).status, 200);
 * assert.equal((await handler(new Request("http://localhost/api/v1/workspaces"))).status, 401);
 * ```
 */
export function withStandaloneRoutes(handler: WorkspacesHandler, routes: Readonly<Record<string, StandaloneRoute>>): WorkspacesHandler {
  const table = new Map(Object.entries(routes));
  async function answer(request: PlainRequest): Promise<PlainResponse> {
    const route = table.get(pathOf(request.url));
    if (route === undefined) return handler.answer(request);
    if (request.method !== "GET" && request.method !== "HEAD") {
      return { status: 405, headers: { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" }, body: "Method Not Allowed\n" };
    }
    const response = await route(request);
    return request.method === "HEAD" ? { ...response, body: null } : response;
  }
  const fetchHandler = async (request: Request): Promise<Response> => {
    if (!table.has(pathOf(request.url))) return handler(request);
    const { status, headers, body } = await answer(request);
    return new Response(body, { status, headers });
  };
  return Object.assign(fetchHandler, { answer });
}

// The path of an absolute URL, exactly as sent.
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end === -1 ? url.slice(start) : url.slice(start, start + end);
}
