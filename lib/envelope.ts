/**
 * The bodies of both dialects, success and failure, as plain objects in the
 * seeds' field order. Pure: the clock and the language are parameters.
 *
 * @module
 */
import { FAILURES, type FailureName } from "./failures.ts";
import { catalogue, type Locale } from "./messages.ts";
import { kindCode, statusCode, type WorkspaceMembership } from "./workspace.ts";

/**
 * The `version` the system dialect publishes (seed 000).
 *
 * @example
 * ```ts
 * import { SYSTEM_API_VERSION } from "./envelope.ts";
 * SYSTEM_API_VERSION; // "1.3.0"
 * ```
 */
export const SYSTEM_API_VERSION = "1.3.0" as const;

/** A `{value, name, code}` enum object of the system dialect. */
export interface SystemEnum {
  readonly value: number;
  readonly name: string;
  readonly code: string;
}

/** One item of the system dialect's `data`, exactly as seed 000 shows it. */
export interface SystemWorkspace {
  readonly bizId: string;
  readonly institutionBizId: string;
  readonly entityBizId: string | null;
  readonly workspaceName: string;
  readonly workspaceTimezone: string;
  readonly workspaceStatus: SystemEnum;
  readonly workspaceKind: SystemEnum;
  readonly extraData: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The system dialect's envelope (seed 000). */
export interface SystemBody {
  readonly version: typeof SYSTEM_API_VERSION;
  readonly timestamp: number;
  readonly success: boolean;
  readonly code: string;
  readonly message: string;
  readonly data: readonly SystemWorkspace[] | null;
}

/** One item of the uptimer dialect's `result` (seed 004). */
export interface UptimerWorkspace {
  readonly id: string;
  readonly name: string;
  readonly role: string;
  readonly kind: "workspace";
}

/** The uptimer dialect's error object (seed 004). */
export interface UptimerError {
  readonly code: number;
  readonly error_type: string;
  readonly message: string;
  readonly details: string;
}

/** The uptimer dialect's envelope (seed 004). */
export interface UptimerBody {
  readonly result: readonly UptimerWorkspace[] | null;
  readonly error: UptimerError | null;
  readonly meta: null;
}

/**
 * A time as the system dialect writes it: ISO 8601 in UTC with `Z`, to the
 * second (`2026-03-22T10:30:00Z`), as seed 000 does.
 *
 * @throws {RangeError} for an invalid date.
 * @example
 * ```ts
 * import { formatSystemTime } from "./envelope.ts";
 * formatSystemTime(new Date("2026-03-22T10:30:00.999Z")); // "2026-03-22T10:30:00Z"
 * ```
 */
export function formatSystemTime(date: Date): string {
  // toISOString always has milliseconds; the seed has none. Truncating (not
  // rounding) keeps a time from ever moving into the next second.
  const iso = date.toISOString();
  return iso.slice(0, iso.length - 5) + "Z";
}

/**
 * The system dialect's 200 body for a user's memberships.
 *
 * @example
 * ```ts
 * import { systemSuccess } from "./envelope.ts";
 * systemSuccess([], "en", 1709337600000).data; // []
 * ```
 */
export function systemSuccess(
  rows: readonly WorkspaceMembership[],
  locale: Locale,
  nowMs: number,
): SystemBody {
  const texts = catalogue(locale);
  const data = rows.map((row): SystemWorkspace => {
    const status = statusCode(row.status);
    const kind = kindCode(row.kind);
    return {
      bizId: row.bizId,
      institutionBizId: row.institutionBizId,
      entityBizId: row.entityBizId,
      workspaceName: row.name,
      workspaceTimezone: row.timezone,
      workspaceStatus: { value: row.status, name: texts.status[status], code: status },
      workspaceKind: { value: row.kind, name: texts.kind[kind], code: kind },
      extraData: row.extraData,
      createdAt: formatSystemTime(row.createdAt),
      updatedAt: formatSystemTime(row.updatedAt),
    };
  });
  return {
    version: SYSTEM_API_VERSION,
    timestamp: nowMs,
    success: true,
    code: "2000",
    message: texts.system["2000"],
    data,
  };
}

/**
 * The system dialect's body for a failure: the same envelope with
 * `success: false` and `data: null`.
 *
 * @example
 * ```ts
 * import { systemFailure } from "./envelope.ts";
 * systemFailure("invalid_token", "en", 0).message; // "Invalid or expired token"
 * ```
 */
export function systemFailure(failure: FailureName, locale: Locale, nowMs: number): SystemBody {
  const code = FAILURES[failure].system;
  return {
    version: SYSTEM_API_VERSION,
    timestamp: nowMs,
    success: false,
    code,
    message: catalogue(locale).system[code],
    data: null,
  };
}

/**
 * The uptimer dialect's 200 body for a user's memberships.
 *
 * @example
 * ```ts
 * import { uptimerSuccess } from "./envelope.ts";
 * uptimerSuccess([]); // { result: [], error: null, meta: null }
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
 * @example
 * ```ts
 * import { uptimerFailure } from "./envelope.ts";
 * uptimerFailure("missing_authorization", "en").error?.code; // 1001
 * ```
 */
export function uptimerFailure(failure: FailureName, locale: Locale): UptimerBody {
  const spec = FAILURES[failure];
  const text = catalogue(locale).uptimer[failure];
  return {
    result: null,
    error: { code: spec.uptimer, error_type: spec.errorType, message: text.message, details: text.details },
    meta: null,
  };
}
