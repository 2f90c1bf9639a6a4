/**
 * Request ids and trace context: the `X-Request-Id` a client sent when it
 * is safe to echo and to log, else a new UUID version 7; and the trace and
 * parent ids of a W3C `traceparent`.
 *
 * @module
 */

// 1–128 characters that need no quoting anywhere: in a header, a log line, a URL.
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// W3C Trace Context: version, trace-id, parent-id, flags; lower-case hex.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
// Random bytes are drawn from the system in blocks: one call per 409 ids.
const POOL_BYTES = 4096;
const ID_BYTES = 10;
let pool = new Uint8Array(0);
let offset = POOL_BYTES;

/**
 * The request id to use: the client's `X-Request-Id` when it is 1–128
 * characters of `A-Za-z0-9._:-`, else a new one ({@link newRequestId}).
 *
 * @param sent The header's value, or `null` when absent.
 * @param nowMs The clock in epoch milliseconds, for a new id's time.
 * @returns The id, safe to echo in a header and to write in a log line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { requestIdFor } from "./_request_id.ts";
 * assert.equal(requestIdFor("req-42", Date.now()), "req-42");
 * assert.match(requestIdFor("has spaces", Date.now()), /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
 * ```
 */
export function requestIdFor(sent: string | null, nowMs: number): string {
  return sent !== null && REQUEST_ID.test(sent) ? sent : newRequestId(nowMs);
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then
 * 74 random bits, so ids sort by time and never repeat in practice.
 *
 * @param nowMs Epoch milliseconds.
 * @returns The UUID in its lower-case 36-character form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newRequestId } from "./_request_id.ts";
 * const id = newRequestId(Date.UTC(2026, 0, 1));
 * assert.match(id, /^019b76da-a800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
 * ```
 */
export function newRequestId(nowMs: number): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    pool = crypto.getRandomValues(new Uint8Array(POOL_BYTES));
    offset = 0;
  }
  const r = pool;
  const o = offset;
  offset += ID_BYTES;
  // 48 bits of time as 12 hex digits; a Date's milliseconds fit in 48 bits until year 10889.
  const time = Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0").slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${HEX[r[o]! & 0x0f]!.slice(1)}${HEX[r[o + 1]!]}-` +
    `${HEX[(r[o + 2]! & 0x3f) | 0x80]}${HEX[r[o + 3]!]}-` +
    `${HEX[r[o + 4]!]}${HEX[r[o + 5]!]}${HEX[r[o + 6]!]}${HEX[r[o + 7]!]}${HEX[r[o + 8]!]}${HEX[r[o + 9]!]}`;
}

/**
 * The ids of a W3C trace context, as log events carry them.
 *
 * @example
 * ```ts
 * import type { TraceContext } from "./_request_id.ts";
 * const trace: TraceContext = { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7" };
 * ```
 */
export interface TraceContext {
  /** The trace id: 32 lower-case hex digits. */
  readonly traceId: string;
  /** The caller's span (the `traceparent`'s parent-id): 16 lower-case hex digits. */
  readonly spanId: string;
}

/**
 * The trace and parent ids of a W3C `traceparent` header, or `undefined`
 * when it is absent or invalid (version `ff`, an all-zero id, upper-case
 * hex, a version 00 header with anything after the flags).
 *
 * @param header The header's value, or `null`.
 * @returns The ids, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTraceparent } from "./_request_id.ts";
 * assert.deepEqual(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), {
 *   traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
 *   spanId: "00f067aa0ba902b7",
 * });
 * assert.equal(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"), undefined);
 * ```
 */
export function parseTraceparent(header: string | null): TraceContext | undefined {
  if (header === null || header.length > 512) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (match === null) return undefined;
  const [, version, traceId, spanId, , rest] = match;
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, spanId: spanId! };
}
