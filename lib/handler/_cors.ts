/**
 * CORS for browser clients on other origins: which origins may read the
 * answers, and the headers of a preflight and of an ordinary answer to one
 * of them. Off unless configured.
 *
 * @module
 */
import * as v from "valibot";

/**
 * Options of the handler's `cors`: who may call lobby from a browser page on another origin.
 *
 * @example
 * ```ts
 * import type { CorsOptions } from "./_cors.ts";
 * const cors: CorsOptions = { origins: ["https://app.example.com"], maxAgeSeconds: 600 };
 * ```
 */
export interface CorsOptions {
  /**
   * The origins whose pages may read the answers, each exactly as a browser
   * sends it in `Origin` (`https://app.example.com`, `http://localhost:5173`:
   * scheme, host, port if not the default; no path, no trailing slash), or
   * `"*"` for any origin.
   */
  readonly origins: readonly string[] | "*";
  /**
   * Whether to send `Access-Control-Allow-Credentials: true`, for pages that
   * call with `credentials: "include"` (cookies, TLS client certificates).
   * A bearer token needs no credentials mode. Not with `origins: "*"`. Default `false`.
   */
  readonly credentials?: boolean;
  /** How long a browser may keep a preflight's answer, in seconds (0 to 86400; default 600). */
  readonly maxAgeSeconds?: number;
}

/**
 * The methods lobby answers, as `Allow` and `Access-Control-Allow-Methods` list them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ALLOWED_METHODS } from "./_cors.ts";
 * assert.equal(ALLOWED_METHODS, "GET, HEAD, OPTIONS");
 * ```
 */
export const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
/**
 * The request headers a page may send: those lobby reads, and trace context.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CORS_ALLOWED_HEADERS } from "./_cors.ts";
 * assert.ok(CORS_ALLOWED_HEADERS.split(", ").includes("Authorization"));
 * ```
 */
export const CORS_ALLOWED_HEADERS = "Authorization, Accept-Language, X-Client-Hash, X-Workspace-Id, X-Request-Id, If-None-Match, Traceparent";
/**
 * The response headers a page may read besides the CORS-safelisted ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CORS_EXPOSED_HEADERS } from "./_cors.ts";
 * assert.ok(CORS_EXPOSED_HEADERS.split(", ").includes("X-Request-Id"));
 * ```
 */
export const CORS_EXPOSED_HEADERS = "Content-Language, ETag, X-Request-Id, WWW-Authenticate";
/**
 * The response headers a page may read on the answers to a listing with
 * query parameters: those of {@link CORS_EXPOSED_HEADERS}, and the next
 * page's `Link` and the count's `X-Total-Count`. Answers without
 * parameters carry neither, and keep the shorter list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CORS_EXPOSED_PAGE_HEADERS } from "./_cors.ts";
 * assert.ok(CORS_EXPOSED_PAGE_HEADERS.split(", ").includes("Link"));
 * assert.ok(CORS_EXPOSED_PAGE_HEADERS.split(", ").includes("X-Total-Count"));
 * ```
 */
export const CORS_EXPOSED_PAGE_HEADERS: string = `${CORS_EXPOSED_HEADERS}, Link, X-Total-Count`;

const ORIGIN_RULE = "must be an origin such as https://app.example.com (scheme, host and port; no path or trailing slash)";

/**
 * Whether `text` is an origin as browsers serialize it: `http:` or
 * `https:`, a host, an optional non-default port, lower case, nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isSerializedOrigin } from "./_cors.ts";
 * assert.ok(isSerializedOrigin("https://app.example.com"));
 * assert.ok(!isSerializedOrigin("https://app.example.com/"));
 * assert.ok(!isSerializedOrigin("https://App.example.com:443"));
 * ```
 */
export function isSerializedOrigin(text: string): boolean {
  if (!/^https?:\/\/[^/?#@\s]+$/.test(text)) return false;
  try {
    return new URL(text).origin === text;
  } catch {
    return false;
  }
}

/**
 * The valibot schema of the `cors` option.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { CORS_OPTION } from "./_cors.ts";
 * v.parse(CORS_OPTION, { origins: ["https://app.example.com"] });
 * ```
 */
export const CORS_OPTION = v.optional(
  v.pipe(
    v.strictObject({
      origins: v.union([
        v.literal("*"),
        v.pipe(
          v.array(v.pipe(v.string(ORIGIN_RULE), v.check(isSerializedOrigin, ORIGIN_RULE)), "must be \"*\" or a list of origins"),
          v.minLength(1, "must list at least one origin, or be \"*\""),
        ),
      ], "must be \"*\" or a list of origins"),
      credentials: v.optional(v.boolean("must be true or false"), false),
      maxAgeSeconds: v.optional(
        v.pipe(v.number("must be a number"), v.integer("must be an integer from 0 to 86400"), v.minValue(0, "must be an integer from 0 to 86400"), v.maxValue(86_400, "must be an integer from 0 to 86400")),
        600,
      ),
    }, "must be an object with origins"),
    v.forward(
      v.check((input) => !(input.credentials && input.origins === "*"), "must be false when origins is \"*\": list the origins that may send credentials"),
      ["credentials"],
    ),
  ),
);

/**
 * The CORS answers of one configuration. An allowed origin is echoed in
 * `Access-Control-Allow-Origin` (also with `"*"`), so every answer depends
 * on `Origin` and says so with `Vary: Origin`; a refused origin gets no
 * `Access-Control-*` header at all, and the browser keeps the answer from
 * the page.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorsPolicy } from "./_cors.ts";
 * const cors = new CorsPolicy({ origins: ["https://app.example.com"], credentials: false, maxAgeSeconds: 600 });
 * assert.equal(cors.answerHeaders("https://app.example.com")?.["access-control-allow-origin"], "https://app.example.com");
 * assert.equal(cors.answerHeaders("https://evil.example"), undefined);
 * ```
 */
export class CorsPolicy {
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;
  readonly #credentials: boolean;
  readonly #maxAge: string;

  /** @param options The checked `cors` option. */
  constructor(options: { readonly origins: readonly string[] | "*"; readonly credentials: boolean; readonly maxAgeSeconds: number }) {
    this.#any = options.origins === "*";
    this.#origins = new Set(options.origins === "*" ? [] : options.origins);
    this.#credentials = options.credentials;
    this.#maxAge = String(options.maxAgeSeconds);
  }

  /** Whether a page on `origin` may read lobby's answers. */
  allows(origin: string | null): origin is string {
    return origin !== null && (this.#any || this.#origins.has(origin));
  }

  /** The headers an answer to a page on `origin` adds, or `undefined` when the origin is not allowed. */
  answerHeaders(origin: string | null): Record<string, string> | undefined {
    if (!this.allows(origin)) return undefined;
    const headers: Record<string, string> = {
      "access-control-allow-origin": origin,
      "access-control-expose-headers": CORS_EXPOSED_HEADERS,
    };
    if (this.#credentials) headers["access-control-allow-credentials"] = "true";
    return headers;
  }

  /** The headers of the answer to a preflight from `origin`, or `undefined` when the origin is not allowed. */
  preflightHeaders(origin: string | null): Record<string, string> | undefined {
    if (!this.allows(origin)) return undefined;
    const headers: Record<string, string> = {
      "access-control-allow-origin": origin,
      "access-control-allow-methods": ALLOWED_METHODS,
      "access-control-allow-headers": CORS_ALLOWED_HEADERS,
      "access-control-max-age": this.#maxAge,
    };
    if (this.#credentials) headers["access-control-allow-credentials"] = "true";
    return headers;
  }
}
