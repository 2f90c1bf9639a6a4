/**
 * Which dialect a request path belongs to: the configured routes, checked
 * once, and the match of a request URL against them.
 *
 * @module
 */
import * as v from "valibot";

/** The two API dialects lobby serves. */
export type Dialect = "system" | "uptimer";

/** Where a dialect is served: its route, and the prefix under which unknown paths get its 404. */
export interface RouteOptions {
  /** The listing's path, e.g. `/web/v1/system/workspaces/mine`. */
  readonly path?: string;
  /** Paths that start with this get the dialect's 404, e.g. `/web/v1/system/`. */
  readonly prefix?: string;
}

/** A dialect's route after defaults: the exact path and the 404 prefix. */
export interface Route {
  readonly dialect: Dialect;
  readonly path: string;
  readonly prefix: string;
}

/**
 * The routes each dialect is served on by default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_ROUTES } from "./_routes.ts";
 * assert.equal(DEFAULT_ROUTES.uptimer.path, "/api/v1/workspaces");
 * ```
 */
export const DEFAULT_ROUTES: { readonly [D in Dialect]: Required<RouteOptions> } = {
  system: { path: "/web/v1/system/workspaces/mine", prefix: "/web/v1/system/" },
  uptimer: { path: "/api/v1/workspaces", prefix: "/api/v1/" },
};

const PATH = v.pipe(
  v.string("must be a string"),
  v.regex(/^\/[\x21-\x7e]*$/, "must be an absolute path of visible ASCII characters"),
);
const ROUTE = v.union([
  v.literal(false),
  v.pipe(
    v.strictObject({ path: v.optional(PATH), prefix: v.optional(PATH) }),
    v.forward(
      v.check(
        ({ path, prefix }) => path === undefined || prefix === undefined || path.startsWith(prefix),
        "must start with its prefix",
      ),
      ["path"],
    ),
  ),
], "must be false or an object with optional path and prefix");

/**
 * The valibot schema of the `routes` option.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { ROUTES_OPTION } from "./_routes.ts";
 * v.parse(ROUTES_OPTION, { system: false });
 * ```
 */
export const ROUTES_OPTION = v.optional(v.strictObject({ system: v.optional(ROUTE), uptimer: v.optional(ROUTE) }));

/**
 * The routes to serve, from the checked `routes` option: a dialect set to
 * `false` is left out; a custom path without a prefix is its own prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRoutes } from "./_routes.ts";
 * assert.deepEqual(resolveRoutes({ system: false, uptimer: { path: "/v2/ws" } }), [
 *   { dialect: "uptimer", path: "/v2/ws", prefix: "/v2/ws" },
 * ]);
 * ```
 */
export function resolveRoutes(option: v.InferOutput<typeof ROUTES_OPTION>): readonly Route[] {
  const routes: Route[] = [];
  for (const dialect of ["system", "uptimer"] as const) {
    const given = option?.[dialect];
    if (given === false) continue;
    const path = given?.path ?? DEFAULT_ROUTES[dialect].path;
    const prefix = given?.prefix ?? (given?.path === undefined ? DEFAULT_ROUTES[dialect].prefix : path);
    routes.push({ dialect, path, prefix });
  }
  return routes;
}

/**
 * The route a path belongs to: an exact path first, then a prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchRoute, resolveRoutes } from "./_routes.ts";
 * assert.equal(matchRoute(resolveRoutes(undefined), "/api/v1/other")?.dialect, "uptimer");
 * assert.equal(matchRoute(resolveRoutes(undefined), "/elsewhere"), undefined);
 * ```
 */
export function matchRoute(routes: readonly Route[], path: string): Route | undefined {
  for (const route of routes) if (path === route.path) return route;
  for (const route of routes) if (path.startsWith(route.prefix)) return route;
  return undefined;
}

/**
 * The path and query of an absolute request URL, without a fragment. A
 * request URL is always absolute, so the path starts at the first `/` after
 * `//`; `new URL()` would cost more than the whole route decision.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitUrl } from "./_routes.ts";
 * assert.deepEqual(splitUrl("http://h/api/v1/workspaces?x=1#f"), { path: "/api/v1/workspaces", query: "x=1" });
 * ```
 */
export function splitUrl(url: string): { path: string; query: string } {
  const authority = url.indexOf("//");
  const start = url.indexOf("/", authority === -1 ? 0 : authority + 2);
  if (start === -1) return { path: "/", query: "" };
  const hash = url.indexOf("#", start);
  const end = hash === -1 ? url.length : hash;
  const mark = url.indexOf("?", start);
  if (mark === -1 || mark > end) return { path: url.slice(start, end), query: "" };
  return { path: url.slice(start, mark), query: url.slice(mark + 1, end) };
}
