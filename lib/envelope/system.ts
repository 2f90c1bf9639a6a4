/**
 * The system dialect's body, success and failure, as a plain object in the
 * field order the system API publishes. Pure: the clock and the language
 * are parameters.
 *
 * @module
 */
import { catalogue, type Locale } from "../locale/mod.ts";
import { kindCode, statusCode, type WorkspaceMembership } from "../repository/mod.ts";
import { faultTexts } from "./_fault_texts.ts";
import { FAILURES, type FailureName, type ParameterFault } from "./failures.ts";
import { formatSystemTime } from "./format_system_time.ts";

/**
 * The `version` every system API body carries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SYSTEM_API_VERSION } from "./system.ts";
 * assert.equal(SYSTEM_API_VERSION, "1.3.0");
 * ```
 */
export const SYSTEM_API_VERSION = "1.3.0" as const;

/**
 * A `{value, name, code}` enum object of the system dialect: the stored
 * number, its label in the answer's language, and its code name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SystemEnum, systemSuccess } from "./system.ts";
 * const row = {
 *   bizId: "ws_1", institutionBizId: "INST_001", entityBizId: null, name: "One", timezone: "UTC",
 *   status: 10010702, kind: 10010801, extraData: null, role: "owner" as const,
 *   createdAt: new Date(0), updatedAt: new Date(0),
 * };
 * const status: SystemEnum | undefined = systemSuccess([row], "zh", 0).data?.[0]?.workspaceStatus;
 * assert.deepEqual(status, { value: 10010702, name: "已暂停", code: "SUSPENDED" });
 * ```
 */
export interface SystemEnum {
  /** The stored number, such as `10010701`. */
  readonly value: number;
  /** Its display label in the answer's language. */
  readonly name: string;
  /** Its code name, such as `"ACTIVE"`, or `"UNKNOWN"`. */
  readonly code: string;
}

/**
 * One item of the system dialect's `data`, with the fields the system API
 * publishes, in its order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SystemWorkspace } from "./system.ts";
 * const item: SystemWorkspace = {
 *   bizId: "WS_INVITE_TEST_001", institutionBizId: "INST_001", entityBizId: null,
 *   workspaceName: "Primary Workspace", workspaceTimezone: "UTC",
 *   workspaceStatus: { value: 10010701, name: "ACTIVE", code: "ACTIVE" },
 *   workspaceKind: { value: 10010801, name: "LIVE", code: "LIVE" },
 *   extraData: null, createdAt: "2026-03-22T10:30:00Z", updatedAt: "2026-03-22T10:30:00Z",
 * };
 * assert.equal(Object.keys(item)[0], "bizId");
 * ```
 */
export interface SystemWorkspace {
  /** The workspace's public id. */
  readonly bizId: string;
  /** The public id of the institution that owns it. */
  readonly institutionBizId: string;
  /** The public id of its entity, or `null`. */
  readonly entityBizId: string | null;
  /** Its name. */
  readonly workspaceName: string;
  /** Its IANA time zone name. */
  readonly workspaceTimezone: string;
  /** Its status. */
  readonly workspaceStatus: SystemEnum;
  /** Its kind (live or sandbox). */
  readonly workspaceKind: SystemEnum;
  /** A JSON document as text, or `null`. */
  readonly extraData: string | null;
  /** When it was created, as {@link formatSystemTime} writes it. */
  readonly createdAt: string;
  /** When it was last updated, as {@link formatSystemTime} writes it. */
  readonly updatedAt: string;
}

/**
 * The system dialect's envelope: `data` is the list on success and `null`
 * on a failure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SystemBody, systemFailure } from "./system.ts";
 * const body: SystemBody = systemFailure("not_found", "en", 0);
 * assert.equal(body.data, null);
 * ```
 */
export interface SystemBody {
  /** Always {@link SYSTEM_API_VERSION}. */
  readonly version: typeof SYSTEM_API_VERSION;
  /** When the answer was made, in epoch milliseconds. */
  readonly timestamp: number;
  /** `true` on success only. */
  readonly success: boolean;
  /** `"2000"` on success, else the failure's code (see `FAILURES`). */
  readonly code: string;
  /** The code's text in the answer's language. */
  readonly message: string;
  /** The workspaces on success, `null` on a failure. */
  readonly data: readonly SystemWorkspace[] | null;
}

/**
 * The system dialect's 200 body for a user's memberships. Status and kind
 * values outside the known enums are published with the code `"UNKNOWN"`.
 *
 * @param rows The memberships, in listing order.
 * @param locale The language of `message` and of the enum labels.
 * @param nowMs The `timestamp`, in epoch milliseconds.
 * @returns The body, ready for `JSON.stringify`.
 * @throws {RangeError} When a row's `createdAt` or `updatedAt` is an invalid date.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemSuccess } from "./system.ts";
 * const body = systemSuccess([], "en", 1709337600000);
 * assert.deepEqual(body, {
 *   version: "1.3.0", timestamp: 1709337600000, success: true, code: "2000", message: "SUCCESS", data: [],
 * });
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
 * @param failure Which failure; {@link FAILURES} gives its code.
 * @param locale The language of `message`.
 * @param nowMs The `timestamp`, in epoch milliseconds.
 * @param fault For a refused query parameter: which one, and why; the
 *   `message` then names it and says what it accepts.
 * @returns The body, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { systemFailure } from "./system.ts";
 * const body = systemFailure("invalid_token", "en", 0);
 * assert.equal(body.code, "4010");
 * assert.equal(body.message, "Invalid or expired token");
 * const limit = systemFailure("malformed_request", "en", 0, { parameter: "limit", problem: "invalid" });
 * assert.equal(limit.message, "Invalid request: the query parameter limit must be an integer from 1 to 500");
 * ```
 */
export function systemFailure(failure: FailureName, locale: Locale, nowMs: number, fault?: ParameterFault): SystemBody {
  const code = FAILURES[failure].system;
  const texts = catalogue(locale);
  return {
    version: SYSTEM_API_VERSION,
    timestamp: nowMs,
    success: false,
    code,
    message: fault === undefined ? texts.system[code] : faultTexts(texts.parameters, fault).system,
    data: null,
  };
}
