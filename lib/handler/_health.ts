/**
 * Liveness and readiness: whether the database answers (one probe at a
 * time, its result kept for a second, so probes cannot load the database)
 * and whether a verification key is loaded.
 *
 * @module
 */
import * as v from "valibot";

/**
 * Options of the handler's `health`: the probes' paths, and how readiness is judged.
 *
 * @example
 * ```ts
 * import type { HealthOptions } from "./_health.ts";
 * const health: HealthOptions = { live: "/healthz", ready: "/readyz", timeoutMs: 800 };
 * ```
 */
export interface HealthOptions {
  /** Where liveness is answered, such as `"/healthz"`: `200 {"status":"ok"}` while the handler serves, no database call. */
  readonly live?: string;
  /** Where readiness is answered, such as `"/readyz"`: `200` when ready, else `503` naming the part that is not. */
  readonly ready?: string;
  /**
   * The database probe: resolves when the database answers. Default: the
   * repository's `ping()` when it has one, else a listing for a user id no
   * token can carry.
   */
  readonly probe?: () => Promise<unknown>;
  /**
   * Whether at least one verification key is loaded. Default: for a key set
   * that counts its keys (`remoteJwksKeys`' `keyCount`), more than none;
   * otherwise `true` (keys imported up front are loaded).
   */
  readonly keysLoaded?: () => boolean;
  /** How long the database probe may take before the database counts as not ready, in milliseconds (1 to 60000; default 1000). */
  readonly timeoutMs?: number;
}

/**
 * What {@link Readiness} says of the database: it answered, it failed, or it took longer than the probe's timeout.
 *
 * @example
 * ```ts
 * import type { DatabaseReadiness } from "./_health.ts";
 * const states: DatabaseReadiness[] = ["ok", "unavailable", "timeout"];
 * ```
 */
export type DatabaseReadiness = "ok" | "unavailable" | "timeout";

/**
 * Whether lobby can answer listings: the database answers and a key is loaded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Readiness } from "./_health.ts";
 * const readiness: Readiness = { ready: false, checks: { database: "timeout", keys: "ok" } };
 * assert.equal(readiness.ready, readiness.checks.database === "ok" && readiness.checks.keys === "ok");
 * ```
 */
export interface Readiness {
  /** Both checks passed. */
  readonly ready: boolean;
  /** Each part: `database` (`ok`, `unavailable`, `timeout`) and `keys` (`ok`, or `none` before any is loaded). */
  readonly checks: { readonly database: DatabaseReadiness; readonly keys: "ok" | "none" };
}

const PATH = v.pipe(v.string("must be a string"), v.regex(/^\/[\x21-\x7e]*$/, "must be an absolute path of visible ASCII characters"));

/**
 * The valibot schema of the `health` option.
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { HEALTH_OPTION } from "./_health.ts";
 * v.parse(HEALTH_OPTION, { live: "/healthz", ready: "/readyz" });
 * ```
 */
export const HEALTH_OPTION = v.optional(
  v.strictObject({
    live: v.optional(PATH),
    ready: v.optional(PATH),
    probe: v.optional(v.custom<() => Promise<unknown>>((value) => typeof value === "function", "must be a function")),
    keysLoaded: v.optional(v.custom<() => boolean>((value) => typeof value === "function", "must be a function")),
    timeoutMs: v.optional(
      v.pipe(v.number("must be a number"), v.integer("must be an integer from 1 to 60000"), v.minValue(1, "must be an integer from 1 to 60000"), v.maxValue(60_000, "must be an integer from 1 to 60000")),
      1000,
    ),
  }, "must be an object"),
  {},
);

/**
 * How long a probe's result is used before the database is asked again, in milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PROBE_CACHE_MS } from "./_health.ts";
 * assert.equal(PROBE_CACHE_MS, 1000);
 * ```
 */
export const PROBE_CACHE_MS = 1000;

/**
 * Readiness, with the database probe shared and cached: while a probe
 * runs, every caller waits for that one (at most until its timeout, then
 * `timeout`, and no second probe starts while it hangs); once it settles
 * its result is used for {@link PROBE_CACHE_MS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReadinessCheck } from "./_health.ts";
 * let probes = 0;
 * const check = new ReadinessCheck(async () => void probes++, () => true, 1000);
 * await Promise.all([check.check(), check.check()]);
 * assert.deepEqual(await check.check(), { ready: true, checks: { database: "ok", keys: "ok" } });
 * assert.equal(probes, 1);
 * ```
 */
export class ReadinessCheck {
  readonly #probe: () => Promise<unknown>;
  readonly #keysLoaded: () => boolean;
  readonly #timeoutMs: number;
  #result: { readonly database: DatabaseReadiness; readonly atMs: number } | undefined;
  #running: { readonly settled: Promise<DatabaseReadiness>; readonly startedMs: number } | undefined;

  /**
   * @param probe Resolves when the database answers.
   * @param keysLoaded Whether a verification key is loaded.
   * @param timeoutMs How long a probe may take.
   */
  constructor(probe: () => Promise<unknown>, keysLoaded: () => boolean, timeoutMs: number) {
    this.#probe = probe;
    this.#keysLoaded = keysLoaded;
    this.#timeoutMs = timeoutMs;
  }

  /** Checks both parts. Never rejects. */
  async check(): Promise<Readiness> {
    let keys: "ok" | "none";
    try {
      keys = this.#keysLoaded() ? "ok" : "none";
    } catch {
      keys = "none";
    }
    const database = await this.#database();
    return { ready: database === "ok" && keys === "ok", checks: { database, keys } };
  }

  #database(): Promise<DatabaseReadiness> {
    const now = performance.now();
    if (this.#result !== undefined && now - this.#result.atMs < PROBE_CACHE_MS) return Promise.resolve(this.#result.database);
    let running = this.#running;
    if (running === undefined) {
      let settled: Promise<DatabaseReadiness>;
      try {
        settled = Promise.resolve(this.#probe()).then(() => "ok" as const, () => "unavailable" as const);
      } catch {
        settled = Promise.resolve("unavailable");
      }
      running = this.#running = { settled, startedMs: now };
      void settled.then((database) => {
        this.#result = { database, atMs: performance.now() };
        this.#running = undefined;
      });
    }
    const left = running.startedMs + this.#timeoutMs - now;
    if (left <= 0) return Promise.resolve("timeout");
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), left);
      void running.settled.then((database) => {
        clearTimeout(timer);
        resolve(database);
      });
    });
  }
}
