/**
 * The closed set of failures lobby can answer with, and what each one is in
 * HTTP and in both dialects. This is the one table the envelope, the handler
 * and the README's code tables are read from.
 *
 * @module
 */

/**
 * What one failure is on the wire: its HTTP status and its code in each
 * dialect.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FAILURES, type FailureSpec } from "./failures.ts";
 * const spec: FailureSpec = FAILURES.service_unavailable;
 * assert.deepEqual(spec, { status: 503, system: "5030", uptimer: 1503, errorType: "service_unavailable" });
 * ```
 */
export interface FailureSpec {
  /** HTTP status. */
  readonly status: 400 | 401 | 404 | 405 | 500 | 503;
  /** The system dialect's `code`: a string, as the system API writes it. */
  readonly system: "4000" | "4010" | "4040" | "4050" | "5000" | "5030";
  /** The uptimer dialect's `error.code`: a number, as the uptimer API writes it. */
  readonly uptimer: 1001 | 1002 | 1003 | 1400 | 1404 | 1405 | 1500 | 1503;
  /** The uptimer dialect's `error.error_type`. */
  readonly errorType:
    | "access_denied"
    | "invalid_request"
    | "not_found"
    | "method_not_allowed"
    | "internal_error"
    | "service_unavailable";
}

/**
 * Every failure by name. Several names share a system code (the system
 * dialect answers 4010 for every authentication failure) but each has its
 * own uptimer code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FAILURES } from "./failures.ts";
 * assert.equal(FAILURES.missing_authorization.uptimer, 1001);
 * assert.equal(FAILURES.missing_authorization.system, "4010");
 * assert.equal(FAILURES.invalid_token.system, "4010");
 * ```
 */
export const FAILURES: {
  readonly malformed_request: FailureSpec;
  readonly missing_authorization: FailureSpec;
  readonly malformed_authorization: FailureSpec;
  readonly invalid_token: FailureSpec;
  readonly not_found: FailureSpec;
  readonly method_not_allowed: FailureSpec;
  readonly internal_error: FailureSpec;
  readonly service_unavailable: FailureSpec;
} = {
  malformed_request: { status: 400, system: "4000", uptimer: 1400, errorType: "invalid_request" },
  missing_authorization: { status: 401, system: "4010", uptimer: 1001, errorType: "access_denied" },
  malformed_authorization: { status: 401, system: "4010", uptimer: 1002, errorType: "access_denied" },
  invalid_token: { status: 401, system: "4010", uptimer: 1003, errorType: "access_denied" },
  not_found: { status: 404, system: "4040", uptimer: 1404, errorType: "not_found" },
  method_not_allowed: { status: 405, system: "4050", uptimer: 1405, errorType: "method_not_allowed" },
  internal_error: { status: 500, system: "5000", uptimer: 1500, errorType: "internal_error" },
  service_unavailable: { status: 503, system: "5030", uptimer: 1503, errorType: "service_unavailable" },
} as const;

/**
 * The name of a failure, such as `"invalid_token"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FAILURES, type FailureName } from "./failures.ts";
 * const name: FailureName = "invalid_token";
 * assert.equal(FAILURES[name].status, 401);
 * ```
 */
export type FailureName = keyof typeof FAILURES;

/**
 * A system dialect code, success (`"2000"`) included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FAILURES, type SystemCode } from "./failures.ts";
 * const codes: SystemCode[] = ["2000", ...Object.values(FAILURES).map((spec) => spec.system)];
 * assert.ok(codes.includes("5030"));
 * ```
 */
export type SystemCode = "2000" | FailureSpec["system"];

/**
 * The query parameters the listing takes (all optional, each at most
 * once): the names a {@link ParameterFault} can carry, so that a message
 * names a parameter from this list and never one a client made up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LISTING_PARAMETERS } from "./failures.ts";
 * assert.ok(LISTING_PARAMETERS.includes("limit"));
 * assert.equal(LISTING_PARAMETERS.length, 7);
 * ```
 */
export const LISTING_PARAMETERS: readonly ["limit", "cursor", "role", "status", "kind", "q", "count"] = [
  "limit",
  "cursor",
  "role",
  "status",
  "kind",
  "q",
  "count",
] as const;

/**
 * One of {@link LISTING_PARAMETERS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LISTING_PARAMETERS, type ListingParameter } from "./failures.ts";
 * const name: ListingParameter = "cursor";
 * assert.ok(LISTING_PARAMETERS.includes(name));
 * ```
 */
export type ListingParameter = (typeof LISTING_PARAMETERS)[number];

/**
 * What is wrong with a known query parameter, for a `malformed_request`
 * whose message names it: a value it does not accept (`invalid`), or the
 * parameter given more than once (`repeated`). The value itself is never
 * kept, so it never reaches a body.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ParameterFault } from "./failures.ts";
 * const fault: ParameterFault = { parameter: "limit", problem: "invalid" };
 * assert.equal(fault.problem, "invalid");
 * ```
 */
export interface ParameterFault {
  /** The parameter at fault. */
  readonly parameter: ListingParameter;
  /** `invalid`: a value it does not accept; `repeated`: given more than once. */
  readonly problem: "invalid" | "repeated";
}
