/**
 * The closed set of failures lobby can answer with, and what each one is in
 * HTTP and in both dialects. This is the one table the envelope, the handler
 * and the README's code tables are read from.
 *
 * @module
 */

/** What one failure is on the wire. */
export interface FailureSpec {
  /** HTTP status. */
  readonly status: 400 | 401 | 404 | 405 | 500 | 503;
  /** The system dialect's `code` (a string, as in seed 000). */
  readonly system: "4000" | "4010" | "4040" | "4050" | "5000" | "5030";
  /** The uptimer dialect's `error.code` (a number, as in seed 004). */
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
 * import { FAILURES } from "./failures.ts";
 * FAILURES.missing_authorization.uptimer; // 1001
 * FAILURES.missing_authorization.system; // "4010"
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

/** The name of a failure, such as `"invalid_token"`. */
export type FailureName = keyof typeof FAILURES;

/** A system dialect code, success included. */
export type SystemCode = "2000" | FailureSpec["system"];
