/**
 * The domain of lobby: a workspace as the repository returns it for one
 * member, and the numeric enums the system dialect publishes.
 *
 * @module
 */

/**
 * Workspace status values as stored in `workspaces.status` and published by
 * the system dialect (`workspaceStatus.value`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKSPACE_STATUS } from "./workspace.ts";
 * assert.equal(WORKSPACE_STATUS.ACTIVE, 10010701);
 * ```
 */
export const WORKSPACE_STATUS: {
  readonly ACTIVE: 10010701;
  readonly SUSPENDED: 10010702;
  readonly ARCHIVED: 10010703;
} = { ACTIVE: 10010701, SUSPENDED: 10010702, ARCHIVED: 10010703 } as const;

/**
 * Workspace kind values as stored in `workspaces.kind` and published by the
 * system dialect (`workspaceKind.value`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKSPACE_KIND } from "./workspace.ts";
 * assert.equal(WORKSPACE_KIND.SANDBOX, 10010802);
 * ```
 */
export const WORKSPACE_KIND: {
  readonly LIVE: 10010801;
  readonly SANDBOX: 10010802;
} = { LIVE: 10010801, SANDBOX: 10010802 } as const;

/**
 * A status code name, such as `"ACTIVE"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKSPACE_STATUS, type WorkspaceStatusCode } from "./workspace.ts";
 * const code: WorkspaceStatusCode = "ARCHIVED";
 * assert.equal(WORKSPACE_STATUS[code], 10010703);
 * ```
 */
export type WorkspaceStatusCode = keyof typeof WORKSPACE_STATUS;
/**
 * A kind code name, such as `"LIVE"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WORKSPACE_KIND, type WorkspaceKindCode } from "./workspace.ts";
 * const code: WorkspaceKindCode = "LIVE";
 * assert.equal(WORKSPACE_KIND[code], 10010801);
 * ```
 */
export type WorkspaceKindCode = keyof typeof WORKSPACE_KIND;

/**
 * A member's role in a workspace, as stored in `workspace_members.role`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkspaceRole } from "./workspace.ts";
 * const roles: readonly WorkspaceRole[] = ["owner", "member"];
 * assert.equal(roles.length, 2);
 * ```
 */
export type WorkspaceRole = "owner" | "member";

/**
 * One workspace the user is a member of, with the user's role in it: one row
 * of the listing query, whatever the driver.
 *
 * `status` and `kind` are the raw stored numbers; values outside
 * {@link WORKSPACE_STATUS} and {@link WORKSPACE_KIND} are published with the
 * code `"UNKNOWN"` rather than failing the whole list.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkspaceMembership } from "./workspace.ts";
 * const row: WorkspaceMembership = {
 *   bizId: "ws_123456", institutionBizId: "INST_001", entityBizId: null,
 *   name: "Production Monitoring", timezone: "UTC", status: 10010701,
 *   kind: 10010801, extraData: null, role: "owner",
 *   createdAt: new Date("2026-03-22T10:30:00Z"),
 *   updatedAt: new Date("2026-03-22T10:30:00Z"),
 * };
 * assert.equal(row.bizId, "ws_123456");
 * ```
 */
export interface WorkspaceMembership {
  /** `workspaces.biz_id`: the public id in both dialects. */
  readonly bizId: string;
  /** `workspaces.institution_biz_id`. */
  readonly institutionBizId: string;
  /** `workspaces.entity_biz_id`, or `null`. */
  readonly entityBizId: string | null;
  /** `workspaces.name`. */
  readonly name: string;
  /** `workspaces.timezone`: an IANA time zone name. */
  readonly timezone: string;
  /** `workspaces.status`: see {@link WORKSPACE_STATUS}. */
  readonly status: number;
  /** `workspaces.kind`: see {@link WORKSPACE_KIND}. */
  readonly kind: number;
  /** `workspaces.extra_data`: a JSON document as text, or `null`. */
  readonly extraData: string | null;
  /** `workspaces.created_at`. */
  readonly createdAt: Date;
  /** `workspaces.updated_at`. */
  readonly updatedAt: Date;
  /** `workspace_members.role` of this user. */
  readonly role: WorkspaceRole;
}

const statusByValue = new Map<number, WorkspaceStatusCode>(
  Object.entries(WORKSPACE_STATUS).map(([code, value]) => [value, code as WorkspaceStatusCode]),
);
const kindByValue = new Map<number, WorkspaceKindCode>(
  Object.entries(WORKSPACE_KIND).map(([code, value]) => [value, code as WorkspaceKindCode]),
);

/**
 * The code name of a stored status value, or `"UNKNOWN"`.
 *
 * @param value A `workspaces.status` value.
 * @returns Its code name; `"UNKNOWN"` for a value outside {@link WORKSPACE_STATUS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { statusCode } from "./workspace.ts";
 * assert.equal(statusCode(10010702), "SUSPENDED");
 * assert.equal(statusCode(42), "UNKNOWN");
 * ```
 */
export function statusCode(value: number): WorkspaceStatusCode | "UNKNOWN" {
  return statusByValue.get(value) ?? "UNKNOWN";
}

/**
 * The code name of a stored kind value, or `"UNKNOWN"`.
 *
 * @param value A `workspaces.kind` value.
 * @returns Its code name; `"UNKNOWN"` for a value outside {@link WORKSPACE_KIND}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kindCode } from "./workspace.ts";
 * assert.equal(kindCode(10010801), "LIVE");
 * assert.equal(kindCode(0), "UNKNOWN");
 * ```
 */
export function kindCode(value: number): WorkspaceKindCode | "UNKNOWN" {
  return kindByValue.get(value) ?? "UNKNOWN";
}
