/**
 * The standalone server's log: events as data (the handler's
 * `HandlerEvent`s and the server's own), written one per line as JSON or
 * as text, from a least level up.
 *
 * @module
 */
import type { HandlerEvent } from "../handler/handler.ts";
import { type LogLevel, passes } from "../handler/log_level.ts";
import { LineWriter } from "./_stdout.ts";

/**
 * How log lines are written: one JSON object per line, or `key=value` text for a terminal.
 *
 * @example
 * ```ts
 * import type { LogFormat } from "./log.ts";
 * const format: LogFormat = "json";
 * ```
 */
export type LogFormat = "json" | "text";

/**
 * One thing worth a log line: its name, its level and its fields, with
 * camelCase names (`requestId`, written `request_id`). A handler event is
 * one; so are the server's own (`server_started`, `server_ready`…).
 *
 * @example
 * ```ts
 * import type { LogEvent } from "./log.ts";
 * const event: LogEvent = { event: "server_stopping", level: "info", signal: "SIGTERM" };
 * ```
 */
export interface LogEvent {
  /** The event's name, such as `request` or `database_down`. */
  readonly event: string;
  /** Its level; `info` when absent. */
  readonly level?: LogLevel;
  /** Its fields. */
  readonly [field: string]: unknown;
}

/**
 * Options of {@link createLogger}.
 *
 * @example
 * ```ts
 * import type { LoggerOptions } from "./log.ts";
 * const options: LoggerOptions = { format: "text", level: "warn", line: (text) => console.error(text) };
 * ```
 */
export interface LoggerOptions {
  /** `json` (one object per line) or `text`. */
  readonly format: LogFormat;
  /** The least level written. */
  readonly level: LogLevel;
  /** Where each line goes (without its newline); default standard output, one write per turn of the event loop. */
  readonly line?: (text: string) => void;
  /** The clock in epoch milliseconds, for `time` (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A log: call it with an event; `flush` writes what waits (call it before the process exits).
 *
 * @example
 * ```ts
 * import { createLogger, type Logger } from "./log.ts";
 * const log: Logger = createLogger({ format: "json", level: "info", line: () => {} });
 * log({ event: "server_ready", message: "listening" });
 * log.flush();
 * ```
 */
export interface Logger {
  (event: LogEvent | HandlerEvent): void;
  /** The least level written. */
  readonly level: LogLevel;
  /** Writes the lines still waiting. */
  flush(): void;
}

/**
 * Makes a log that writes each event at `level` or above as one line.
 *
 * A JSON line is an object with `time` (ISO 8601, UTC, milliseconds),
 * `level`, `event`, then `request_id` when the event has one, then the
 * event's other fields, their names in snake_case. A text line is the
 * time, the level, the event, its `message` when it has one, then the
 * other fields as `name=value` (quoted as JSON when they need it). An
 * `error` field is written as its name, code and first line of message
 * (quoted parts replaced by `"..."`), and its stack frames; a field whose
 * name says it holds a token, secret or password is written `[redacted]`.
 *
 * @param options The format, the least level, and where lines go.
 * @returns The log.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLogger } from "./log.ts";
 * const lines: string[] = [];
 * const log = createLogger({ format: "json", level: "info", line: (text) => void lines.push(text), now: () => 0 });
 * log({ event: "request", level: "info", requestId: "r-1", status: 200, durationUs: 812 });
 * log({ event: "debugging", level: "debug" });
 * assert.deepEqual(lines, ['{"time":"1970-01-01T00:00:00.000Z","level":"info","event":"request","request_id":"r-1","status":200,"duration_us":812}']);
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const { format, level: least, now = Date.now } = options;
  const writer = options.line === undefined ? new LineWriter() : undefined;
  const line = options.line ?? ((text: string) => writer!.line(text));
  const write = format === "json" ? formatJsonLine : formatTextLine;
  const log = (event: LogEvent | HandlerEvent): void => {
    const level = event.level ?? "info";
    if (!passes(level, least)) return;
    line(write(event as LogEvent, level, now()));
  };
  return Object.assign(log, { level: least, flush: () => writer?.flush() });
}

/**
 * One event as a JSON line (see {@link createLogger}).
 *
 * @param event The event.
 * @param level Its level.
 * @param timeMs When, in epoch milliseconds.
 * @returns The line, without its newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatJsonLine } from "./log.ts";
 * assert.equal(formatJsonLine({ event: "database_down", reason: "ECONNREFUSED" }, "error", 0),
 *   '{"time":"1970-01-01T00:00:00.000Z","level":"error","event":"database_down","reason":"ECONNREFUSED"}');
 * ```
 */
export function formatJsonLine(event: LogEvent, level: LogLevel, timeMs: number): string {
  let text = `{"time":"${isoTime(timeMs)}","level":"${level}","event":${JSON.stringify(event.event)}`;
  if (typeof event.requestId === "string") text += `,"request_id":${JSON.stringify(event.requestId)}`;
  for (const name in event) {
    if (name === "event" || name === "level" || name === "requestId") continue;
    const raw = event[name];
    if (raw === undefined) continue;
    const field = jsonField(name);
    // The usual fields, strings and finite numbers, without the general path.
    if (field.plain && typeof raw === "string") text += field.prefix + JSON.stringify(raw);
    else if (field.plain && typeof raw === "number" && Number.isFinite(raw)) text += field.prefix + raw;
    else text += field.prefix + JSON.stringify(fieldValue(name, raw));
  }
  return `${text}}`;
}

// Per field name: its JSON key with the comma before it, and whether its value is written as it is.
const jsonFields = new Map<string, { readonly prefix: string; readonly plain: boolean }>();

function jsonField(name: string): { readonly prefix: string; readonly plain: boolean } {
  let field = jsonFields.get(name);
  if (field === undefined) {
    field = { prefix: `,${JSON.stringify(snakeCase(name))}:`, plain: name !== "error" && !SECRET_FIELD.test(name) };
    if (jsonFields.size < 1000) jsonFields.set(name, field);
  }
  return field;
}

/**
 * One event as a text line (see {@link createLogger}).
 *
 * @param event The event.
 * @param level Its level.
 * @param timeMs When, in epoch milliseconds.
 * @returns The line, without its newline (an error's stack frames follow on lines of their own).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTextLine } from "./log.ts";
 * assert.equal(formatTextLine({ event: "request", requestId: "r-1", path: "/api/v1/workspaces", status: 401 }, "info", 0),
 *   "1970-01-01T00:00:00.000Z info  request request_id=r-1 path=/api/v1/workspaces status=401");
 * ```
 */
export function formatTextLine(event: LogEvent, level: LogLevel, timeMs: number): string {
  let text = `${isoTime(timeMs)} ${level.padEnd(5)} ${event.event}`;
  // deno-lint-ignore no-control-regex -- a message's control characters would forge a line
  if (typeof event.message === "string") text += ` ${event.message.replace(/[\x00-\x1f\x7f]/g, " ")}`;
  if (typeof event.requestId === "string") text += ` request_id=${textValue(event.requestId)}`;
  let stack = "";
  for (const name in event) {
    if (name === "event" || name === "level" || name === "requestId" || name === "message") continue;
    const value = fieldValue(name, event[name]);
    if (value === undefined) continue;
    if (name === "error" && typeof value === "object" && value !== null) {
      const { stack: frames, ...rest } = value as { stack?: string };
      text += ` error=${textValue(Object.values(rest).join(": "))}`;
      if (frames !== undefined) stack = `\n${frames}`;
      continue;
    }
    text += ` ${snakeCase(name)}=${textValue(value)}`;
  }
  return text + stack;
}

// Field names that must never carry their value into a log.
const SECRET_FIELD = /token|secret|password|authorization|cookie/i;

function fieldValue(name: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (SECRET_FIELD.test(name)) return "[redacted]";
  if (name === "error") return describeError(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  return value;
}

/**
 * What a log may say of an error: its name, its `code` when it has one,
 * the first line of its message with every quoted part replaced by
 * `"..."` (a database error quotes the values it names), and its stack
 * frames. Never the other properties, which may hold a query and its
 * parameters.
 *
 * @param error Anything thrown.
 * @returns The description.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeError } from "./log.ts";
 * const error = Object.assign(new Error('invalid input syntax for type uuid: "abc"'), { code: "22P02", parameters: ["abc"] });
 * const { stack, ...described } = describeError(error);
 * assert.deepEqual(described, { name: "Error", code: "22P02", message: 'invalid input syntax for type uuid: "..."' });
 * ```
 */
export function describeError(error: unknown): { name: string; code?: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { name: typeof error, message: "" };
  const message = (String(error.message).split("\n", 1)[0] ?? "").replace(/"[^"]*"?|'[^']*'?/g, '"..."').slice(0, 300);
  const code = (error as { code?: unknown }).code;
  const described: { name: string; code?: string; message: string; stack?: string } = { name: error.name, message };
  if (typeof code === "string" || typeof code === "number") described.code = String(code);
  const frames = typeof error.stack === "string" ? error.stack.split("\n").filter((line) => /^\s+at /.test(line)) : [];
  if (frames.length > 0) described.stack = frames.slice(0, 20).join("\n");
  return described;
}

const snakeNames = new Map<string, string>();

function snakeCase(name: string): string {
  let snake = snakeNames.get(name);
  if (snake === undefined) {
    snake = name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
    if (snakeNames.size < 1000) snakeNames.set(name, snake);
  }
  return snake;
}

function textValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  // deno-lint-ignore no-control-regex -- a value with a control character is quoted
  return /^[^\s"=\\\x00-\x1f\x7f]+$/.test(text) ? text : JSON.stringify(text);
}

// The ISO time of the second is reused within that second.
let lastSecond = Number.NaN;
let lastPrefix = "";

function isoTime(timeMs: number): string {
  const second = Math.floor(timeMs / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${lastPrefix}${String(Math.floor(timeMs) - second * 1000).padStart(3, "0")}Z`;
}
