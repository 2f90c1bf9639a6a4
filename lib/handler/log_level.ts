/**
 * How much a log event matters, and the level of each event the handler
 * emits.
 *
 * @module
 */
import type { HandlerEvent } from "./handler.ts";

/**
 * A log event's level, from least to most important.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOG_LEVELS, type LogLevel } from "./log_level.ts";
 * const level: LogLevel = "warn";
 * assert.ok(LOG_LEVELS.indexOf(level) > LOG_LEVELS.indexOf("info"));
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * Every level, least important first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LOG_LEVELS } from "./log_level.ts";
 * assert.deepEqual(LOG_LEVELS, ["debug", "info", "warn", "error"]);
 * ```
 */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/**
 * Whether an event at `level` passes a log set to `least`.
 *
 * @param level The event's level.
 * @param least The least level the log keeps.
 * @returns `true` when `level` is `least` or more important.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passes } from "./log_level.ts";
 * assert.ok(passes("error", "info"));
 * assert.ok(!passes("info", "warn"));
 * ```
 */
export function passes(level: LogLevel, least: LogLevel): boolean {
  return RANK[level] >= RANK[least];
}

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * The level of each event the handler emits: the access log at `info`;
 * refusals, degraded sources and a database back at `warn`; a bug, a
 * database down or failing at `error`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HANDLER_EVENT_LEVELS } from "./log_level.ts";
 * assert.equal(HANDLER_EVENT_LEVELS.request, "info");
 * assert.equal(HANDLER_EVENT_LEVELS.auth_rejected, "warn");
 * ```
 */
export const HANDLER_EVENT_LEVELS: Readonly<Record<HandlerEvent["event"], LogLevel>> = {
  request: "info",
  auth_rejected: "warn",
  repository_unavailable: "warn",
  key_source_problem: "warn",
  internal_error: "error",
  database_down: "error",
  database_up: "warn",
  database_error: "error",
};
