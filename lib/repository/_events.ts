/**
 * What lobby's repositories tell their watchers, for both drivers: the
 * listeners, an error's code and value-free message, and errors reported
 * once per distinct error per minute.
 *
 * @module
 */
import type { RepositoryEvent } from "./repository.ts";

/** How long an error stays quiet after it was reported, in milliseconds. */
export const ERROR_QUIET_MS = 60_000;
/** How many distinct errors are remembered; the oldest is forgotten first. */
const MAX_DISTINCT = 100;
/** The longest message reported, in characters. */
const MAX_MESSAGE = 200;
/** How deep causes and inner errors are followed for a code. */
const MAX_DEPTH = 4;

/**
 * The code that names an error: its own `code` when it is a string (an
 * SQLSTATE or a driver's code), else the first one among its inner errors
 * (`AggregateError`) and causes, else its name (`"UNKNOWN"` for a value
 * that is not an `Error`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorCode } from "./_events.ts";
 * const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
 * assert.equal(errorCode(new Error("wrapped", { cause: refused })), "ECONNREFUSED");
 * assert.equal(errorCode(new TypeError("x is not a function")), "TypeError");
 * ```
 */
export function errorCode(error: unknown): string {
  return codeAt(error, 0) ?? (error instanceof Error ? error.name : "UNKNOWN");
}

function codeAt(error: unknown, depth: number): string | undefined {
  if (typeof error !== "object" || error === null || depth > MAX_DEPTH) return undefined;
  const { code, errors, cause } = error as { code?: unknown; errors?: unknown; cause?: unknown };
  if (typeof code === "string" && code !== "") return code;
  if (Array.isArray(errors)) {
    for (const inner of errors) {
      const found = codeAt(inner, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return codeAt(cause, depth + 1);
}

/**
 * An error's message fit for a log: its first line, every part in double
 * or single quotes replaced by `"..."` (Postgres quotes the values it
 * names, such as `invalid input syntax for type uuid: "..."`), cut to 200
 * characters. Empty for a value that is not an `Error`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { safeMessage } from "./_events.ts";
 * assert.equal(safeMessage(new Error('database "lobby_db" does not exist')), 'database "..." does not exist');
 * assert.equal(safeMessage("a string"), "");
 * ```
 */
export function safeMessage(error: unknown): string {
  if (!(error instanceof Error)) return "";
  const line = String(error.message).split("\n", 1)[0] ?? "";
  return line.replace(/"[^"]*"?|'[^']*'?/g, '"..."').slice(0, MAX_MESSAGE);
}

/**
 * The watchers of one repository, and its error reports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RepositoryEvents } from "./_events.ts";
 * import type { RepositoryEvent } from "./repository.ts";
 * let clock = 0;
 * const events = new RepositoryEvents(() => clock);
 * const seen: RepositoryEvent[] = [];
 * events.watch((event) => seen.push(event));
 * const missing = Object.assign(new Error('relation "t" does not exist'), { code: "42P01" });
 * events.reportError(missing);
 * events.reportError(missing);
 * clock = 60_000;
 * events.reportError(missing);
 * assert.deepEqual(seen.map((event) => event.event === "error" && event.repeated), [0, 1]);
 * ```
 */
export class RepositoryEvents {
  readonly #listeners: Array<(event: RepositoryEvent) => void> = [];
  readonly #reported = new Map<string, { at: number; repeated: number }>();
  readonly #now: () => number;

  /** @param now A monotonic clock in milliseconds (default `performance.now`). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Adds a listener; every later event reaches it. */
  watch(listener: (event: RepositoryEvent) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Tells every listener. A listener that throws is skipped, so that a
   * broken log never fails a listing.
   */
  emit(event: RepositoryEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // The listener's own problem; the listing goes on.
      }
    }
  }

  /**
   * Reports `error` as an `error` event, unless the same code and message
   * were reported less than a minute ago; then it is only counted, and the
   * count goes with the next report.
   */
  reportError(error: unknown): void {
    const code = errorCode(error);
    const message = safeMessage(error);
    const key = `${code}\n${message}`;
    const now = this.#now();
    const last = this.#reported.get(key);
    if (last !== undefined && now - last.at < ERROR_QUIET_MS) {
      last.repeated++;
      return;
    }
    // Deleted and set again, so that the map's order is the order of reports.
    this.#reported.delete(key);
    this.#reported.set(key, { at: now, repeated: 0 });
    if (this.#reported.size > MAX_DISTINCT) this.#reported.delete(this.#reported.keys().next().value!);
    this.emit({ event: "error", code, message, repeated: last?.repeated ?? 0 });
  }
}
