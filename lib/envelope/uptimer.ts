/**
 * The uptimer dialect's body, success and failure, as a plain object in the
 * field order the uptimer API publishes. Pure: the language is a parameter.
 *
 * @module
 */
import { catalogue, type Locale } from "../locale/mod.ts";
import type { WorkspaceMembership } from "../repository/mod.ts";
import { faultTexts } from "./_fault_texts.ts";
import { FAILURES, type FailureName, type ParameterFault } from "./failures.ts";

/**
 * One item of the uptimer dialect's `result`: the workspace's public id, its
 * name and the user's role in it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UptimerWorkspace } from "./uptimer.ts";
 * const item: UptimerWorkspace = { id: "ws_123456", name: "Production Monitoring", role: "owner", kind: "workspace" };
 * assert.equal(item.kind, "workspace");
 * ```
 */
export interface UptimerWorkspace {
  /** The workspace's public id. */
  readonly id: string;
  /** Its name. */
  readonly name: string;
  /** The user's role in it: `"owner"` or `"member"`. */
  readonly role: string;
  /** Always `"workspace"`. */
  readonly kind: "workspace";
}

/**
 * The uptimer dialect's error object: a numeric code, a type and two texts
 * in the answer's language.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type UptimerError, uptimerFailure } from "./uptimer.ts";
 * const error: UptimerError | null = uptimerFailure("invalid_token", "en").error;
 * assert.equal(error?.error_type, "access_denied");
 * ```
 */
export interface UptimerError {
  /** The failure's code, such as `1003` (see `FAILURES`). */
  readonly code: number;
  /** The failure's type, such as `"access_denied"`. */
  readonly error_type: string;
  /** A short text in the answer's language. */
  readonly message: string;
  /** A longer text in the answer's language. */
  readonly details: string;
}

/**
 * The uptimer dialect's `meta` on an answer that asked for a page or a
 * count; every other answer has `meta: null`. A paginated answer (with
 * `limit` or `cursor`) carries `next_cursor` and `has_more`; one with
 * `count=true` carries `total_count`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UptimerMeta } from "./uptimer.ts";
 * const last: UptimerMeta = { next_cursor: null, has_more: false, total_count: 41 };
 * assert.equal(last.has_more, false);
 * ```
 */
export interface UptimerMeta {
  /** The cursor of the next page, `null` on the last one (paginated answers only). */
  readonly next_cursor?: string | null;
  /** Whether a next page follows (paginated answers only). */
  readonly has_more?: boolean;
  /** How many items match the filters in all (with `count=true` only). */
  readonly total_count?: number;
}

/**
 * The uptimer dialect's envelope: `result` on success, `error` on a failure,
 * the other one `null`, and `meta` `null` unless a page or a count was
 * asked for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type UptimerBody, uptimerSuccess } from "./uptimer.ts";
 * const body: UptimerBody = uptimerSuccess([]);
 * assert.equal(body.error, null);
 * ```
 */
export interface UptimerBody {
  /** The workspaces on success, `null` on a failure. */
  readonly result: readonly UptimerWorkspace[] | null;
  /** The failure, `null` on success. */
  readonly error: UptimerError | null;
  /** `null`, or for a page or a count, the {@link UptimerMeta}. */
  readonly meta: UptimerMeta | null;
}

/**
 * The uptimer dialect's 200 body for a user's memberships.
 *
 * @param rows The memberships, in listing order.
 * @returns The body, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uptimerSuccess } from "./uptimer.ts";
 * assert.deepEqual(uptimerSuccess([]), { result: [], error: null, meta: null });
 * ```
 */
export function uptimerSuccess(rows: readonly WorkspaceMembership[]): UptimerBody {
  const result = rows.map((row): UptimerWorkspace => ({
    id: row.bizId,
    name: row.name,
    role: row.role,
    kind: "workspace",
  }));
  return { result, error: null, meta: null };
}

/**
 * The uptimer dialect's body for a failure.
 *
 * @param failure Which failure; {@link FAILURES} gives its code and type.
 * @param locale The language of `message` and `details`.
 * @param fault For a refused query parameter: which one, and why; `message`
 *   then names it and `details` says what it accepts.
 * @returns The body, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { uptimerFailure } from "./uptimer.ts";
 * assert.deepEqual(uptimerFailure("missing_authorization", "en"), {
 *   result: null,
 *   error: {
 *     code: 1001,
 *     error_type: "access_denied",
 *     message: "Missing Authorization header",
 *     details: "Authorization header is required",
 *   },
 *   meta: null,
 * });
 * const repeated = uptimerFailure("malformed_request", "en", { parameter: "role", problem: "repeated" });
 * assert.equal(repeated.error?.details, "The query parameter role may be given only once");
 * ```
 */
export function uptimerFailure(failure: FailureName, locale: Locale, fault?: ParameterFault): UptimerBody {
  const spec = FAILURES[failure];
  const texts = catalogue(locale);
  const text = fault === undefined ? texts.uptimer[failure] : faultTexts(texts.parameters, fault);
  return {
    result: null,
    error: { code: spec.uptimer, error_type: spec.errorType, message: text.message, details: text.details },
    meta: null,
  };
}
