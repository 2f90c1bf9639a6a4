/**
 * Telling a database that cannot be reached from a bug, for both drivers.
 *
 * @module
 */
import { RepositoryUnavailableError } from "./repository.ts";

/**
 * The error codes that mean the database could not be reached or did not
 * answer in time: postgres.js's own, socket errors from the runtime, and the
 * SQLSTATEs for shutdown, start-up, too many connections and cancellation
 * (statement timeout). SQLSTATE class 08 is matched by {@link SQLSTATE_08}.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "57014",
]);

/** SQLSTATE class 08, connection exception. */
const SQLSTATE_08 = /^08[0-9A-Z]{3}$/;

/** How deep causes and inner errors are followed; the bound guards against cycles. */
const MAX_DEPTH = 4;

/**
 * Whether a driver error means the database is unreachable or timed out
 * (the handler answers 503), as opposed to a bug or a schema problem (500).
 * Looks through `AggregateError.errors` (a host with several addresses) and
 * `cause`.
 *
 * @param error Anything a postgres.js or PGlite call rejected with.
 * @returns `true` for connection failures, timeouts, shutdowns and
 *   cancellations, and for a {@link RepositoryUnavailableError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isUnavailableError } from "./is_unavailable_error.ts";
 * assert.equal(isUnavailableError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })), true);
 * assert.equal(isUnavailableError(Object.assign(new Error("relation does not exist"), { code: "42P01" })), false);
 * ```
 */
export function isUnavailableError(error: unknown): boolean {
  return unavailableAt(error, 0);
}

function unavailableAt(error: unknown, depth: number): boolean {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return false;
  if (error instanceof RepositoryUnavailableError) return true;
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || SQLSTATE_08.test(code))) return true;
  if (Array.isArray(errors) && errors.some((inner) => unavailableAt(inner, depth + 1))) return true;
  return unavailableAt(cause, depth + 1);
}
