/**
 * Bearer tokens in an `Authorization` header (RFC 6750 §2.1).
 *
 * @module
 */

/**
 * Why an `Authorization` header yielded no token: `missing_authorization`
 * (absent, empty or blank) or `malformed_authorization` (anything else that
 * is not exactly one bearer token).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BearerFailureReason, extractBearer } from "./bearer.ts";
 * const result = extractBearer(null);
 * const reason: BearerFailureReason | null = result.ok ? null : result.reason;
 * assert.equal(reason, "missing_authorization");
 * ```
 */
export type BearerFailureReason = "missing_authorization" | "malformed_authorization";

/**
 * The result of {@link extractBearer}: the token, or why there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type BearerResult, extractBearer } from "./bearer.ts";
 * const result: BearerResult = extractBearer("Bearer abc");
 * assert.deepEqual(result, { ok: true, token: "abc" });
 * ```
 */
export type BearerResult = { ok: true; token: string } | { ok: false; reason: BearerFailureReason };

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token, b64token being
// token68. Optional blanks around the value are tolerated because a raw
// header string may carry them (Headers.get already strips them). No `u`
// flag, so `i` cannot fold a non-ASCII letter into "bearer".
const BEARER = /^[ \t]*bearer +([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const BLANK = /^[ \t]*$/;

/**
 * Takes the token out of an `Authorization` header value (RFC 6750 §2.1).
 * The scheme is case-insensitive and followed by one or more spaces and one
 * token68. An absent, empty or blank header is `missing_authorization`;
 * anything else that is not exactly that (another scheme, no token, two
 * tokens, the comma of a duplicated header, control characters) is
 * `malformed_authorization`.
 *
 * @param authorization The header value, as `Headers.get` returns it.
 * @returns The token, or why there is none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { extractBearer } from "./bearer.ts";
 * assert.deepEqual(extractBearer("Bearer abc.def.ghi"), { ok: true, token: "abc.def.ghi" });
 * assert.deepEqual(extractBearer("Basic dXNlcjpwYXNz"), { ok: false, reason: "malformed_authorization" });
 * ```
 */
export function extractBearer(authorization: string | null): BearerResult {
  if (authorization === null || BLANK.test(authorization)) return { ok: false, reason: "missing_authorization" };
  const match = BEARER.exec(authorization);
  if (match === null) return { ok: false, reason: "malformed_authorization" };
  return { ok: true, token: match[1]! };
}
