/**
 * Read replicas: one repository that sends every read to a replica that is
 * up and close enough to its primary, spread across them, and to the
 * primary when none is.
 *
 * It composes repositories rather than drivers: each replica is a whole
 * {@link WorkspaceRepository} (with its own pool, bounds and circuit
 * breaker) plus a health check, and every read method goes through one
 * routing function: `listForUser`, and the listing version reads
 * `listingVersion`, `listItems` (and `listPage`) when the primary and every replica have
 * them; anything that writes (the migration included) stays on the
 * primary.
 *
 * @module
 */
import * as v from "valibot";
import { parseOptions } from "../_options.ts";
import { errorCode } from "./_events.ts";
import { isUnavailableError } from "./is_unavailable_error.ts";
import type { ListingItemFormat, ListingQuery, ListOptions, RepositoryEvent, WorkspaceRepository } from "./repository.ts";
import type { WorkspaceMembership } from "./workspace.ts";

/** How often a replica's health is checked at most, in milliseconds: once a second, shared by every read. */
export const REPLICA_CHECK_INTERVAL_MS = 1000;

/**
 * Why a replica is skipped.
 *
 * - `down`: its health check or a read found it unreachable.
 * - `lagging`: it is further behind its primary than allowed.
 * - `replay_paused`: replay is paused (`pg_wal_replay_pause()`) with WAL
 *   received and not replayed: it will not catch up until resumed.
 * - `not_streaming`: it receives no WAL (no WAL receiver), so how far
 *   behind it is cannot be known.
 * - `no_schema`: lobby's read model is not there (yet): the primary has
 *   not been migrated, or that has not been replayed.
 *
 * @example
 * ```ts
 * import type { ReplicaSkipReason } from "./replicas.ts";
 * const reason: ReplicaSkipReason = "replay_paused";
 * ```
 */
export type ReplicaSkipReason = "down" | "lagging" | "replay_paused" | "not_streaming" | "no_schema";

/**
 * What a replica's health check found: how far behind its primary it is,
 * in seconds (0 when it has replayed everything it received), or why it
 * cannot serve reads at all. A check that cannot reach the replica rejects.
 *
 * @example
 * ```ts
 * import type { ReplicaHealth } from "./replicas.ts";
 * const healthy: ReplicaHealth = { ok: true, lagSeconds: 0.2 };
 * const paused: ReplicaHealth = { ok: false, reason: "replay_paused" };
 * ```
 */
export type ReplicaHealth =
  | { readonly ok: true; readonly lagSeconds: number }
  | { readonly ok: false; readonly reason: Exclude<ReplicaSkipReason, "down" | "lagging"> };

/**
 * One read replica: a name for logs (never a password), its repository,
 * and its health check (`postgresReplicaHealth` for a postgres.js client).
 *
 * @example
 * ```ts
 * import type { ReadReplica } from "./replicas.ts";
 * const replica: ReadReplica = {
 *   name: "replica-1",
 *   repository: { listForUser: () => Promise.resolve([]) },
 *   health: () => Promise.resolve({ ok: true, lagSeconds: 0 }),
 * };
 * ```
 */
export interface ReadReplica {
  /** How logs name it, such as its redacted URL. */
  readonly name: string;
  /** Its repository, which never applies the schema (a replica is read-only). */
  readonly repository: WorkspaceRepository;
  /** Measures its lag; rejects when it cannot be reached. Called at most once a second. */
  readonly health: () => Promise<ReplicaHealth>;
}

/**
 * A switch of where reads go, told once when it happens (see
 * {@link ReplicatedRepositoryOptions.onEvent}):
 *
 * - `replica_skipped`: a replica stops taking reads; `reason` says why and
 *   `detail` says it in words (the lag, the driver's code).
 * - `replica_in_use`: it takes reads again, after `skippedMs`.
 * - `reads_on_primary`: every replica is skipped, so reads go to the primary.
 * - `reads_on_replicas`: reads go to replicas again; `inUse` of `replicas`.
 *
 * A replica that has not been checked yet is neither: reads go elsewhere
 * until its first check, with nothing logged.
 *
 * @example
 * ```ts
 * import type { ReplicaEvent } from "./replicas.ts";
 * const event: ReplicaEvent = { event: "replica_skipped", replica: "replica-1", reason: "lagging", detail: "7.2 s behind, more than 5 s" };
 * ```
 */
export type ReplicaEvent =
  | { readonly event: "replica_skipped"; readonly replica: string; readonly reason: ReplicaSkipReason; readonly detail: string }
  | { readonly event: "replica_in_use"; readonly replica: string; readonly skippedMs: number }
  | { readonly event: "reads_on_primary"; readonly replicas: number }
  | { readonly event: "reads_on_replicas"; readonly inUse: number; readonly replicas: number };

/**
 * Options of {@link replicatedRepository}.
 *
 * @example
 * ```ts
 * import type { ReplicatedRepositoryOptions } from "./replicas.ts";
 * const options: ReplicatedRepositoryOptions = { maxLagSeconds: 5, onEvent: (event) => console.warn(event) };
 * ```
 */
export interface ReplicatedRepositoryOptions {
  /**
   * The most a replica may lag behind its primary, in seconds, to take
   * reads (default 5; from 0 to 86400).
   */
  readonly maxLagSeconds?: number;
  /** Hears every {@link ReplicaEvent}; a listener that throws is ignored. */
  readonly onEvent?: (event: ReplicaEvent) => void;
  /** A monotonic clock in milliseconds, for tests (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * Where one replica stands, as {@link ReplicatedRepository.replicaStatus}
 * reports it: `unknown` before its first check, `in_use`, or why it is
 * skipped; its last measured lag in seconds, when it has one.
 *
 * @example
 * ```ts
 * import type { ReplicaStatus } from "./replicas.ts";
 * const status: ReplicaStatus = { name: "replica-1", state: "in_use", lagSeconds: 0 };
 * ```
 */
export interface ReplicaStatus {
  readonly name: string;
  readonly state: "unknown" | "in_use" | ReplicaSkipReason;
  readonly lagSeconds: number | undefined;
}

/**
 * The repository {@link replicatedRepository} makes: a
 * {@link WorkspaceRepository} that also says where each replica stands.
 *
 * @example
 * ```ts
 * import type { ReplicatedRepository } from "./replicas.ts";
 * const states = (repository: ReplicatedRepository) => repository.replicaStatus().map((replica) => replica.state);
 * ```
 */
export interface ReplicatedRepository extends WorkspaceRepository {
  /** Each replica's state, in the order given. */
  replicaStatus(): readonly ReplicaStatus[];
}

const OPTIONS = v.strictObject({
  maxLagSeconds: v.optional(
    v.pipe(v.number("must be a number"), v.minValue(0, "must be from 0 to 86400"), v.maxValue(86400, "must be from 0 to 86400")),
    5,
  ),
  onEvent: v.optional(v.custom<(event: ReplicaEvent) => void>((value) => typeof value === "function", "must be a function")),
  now: v.optional(v.custom<() => number>((value) => typeof value === "function", "must be a function")),
});

// A replica as the caller wrote it, each part named when it is wrong.
function checkReplica(replica: ReadReplica, index: number): void {
  const where = `replicatedRepository: replicas[${index}]`;
  const value = replica as Partial<Record<keyof ReadReplica, unknown>> | null;
  if (typeof value !== "object" || value === null) throw new TypeError(`${where} must be an object`);
  if (typeof value.name !== "string") throw new TypeError(`${where}.name must be a string`);
  if (typeof (value.repository as { listForUser?: unknown } | undefined)?.listForUser !== "function") {
    throw new TypeError(`${where}.repository must be a repository (an object with listForUser)`);
  }
  if (typeof value.health !== "function") throw new TypeError(`${where}.health must be a function`);
}

/** What a health check last said. */
type Probe =
  | { readonly kind: "unknown" }
  | { readonly kind: "ok"; readonly lagSeconds: number }
  | { readonly kind: "skip"; readonly reason: Exclude<ReplicaSkipReason, "down" | "lagging"> }
  | { readonly kind: "down"; readonly code: string };

interface State {
  readonly replica: ReadReplica;
  /** Its position and name hashed, where a user's weight starts. */
  readonly seed: number;
  /** Its repository reports its own outages through `watch`. */
  readonly watched: boolean;
  /** What was last decided (and logged). */
  state: ReplicaStatus["state"];
  probe: Probe;
  checking: boolean;
  /** When the last check started. */
  checkStartedAt: number;
  /** When the last check that measured a lag started: the lag holds as of then. */
  measuredAt: number;
  /** Set while reads found it down (its breaker's `down`, or an unreachable read): when, and the code. */
  readsDown: { readonly at: number; readonly code: string } | undefined;
  /** When it was last skipped. */
  skippedAt: number;
}

/**
 * Reads from replicas, writes (and the migration) on the primary.
 *
 * Every read goes to one of the replicas that are in use, chosen by its
 * user (rendezvous hashing), or, when none is, to the primary. Users are
 * spread across the replicas, and each user's reads stay on one replica
 * while it stays in use, so a user's listing never steps back in time from
 * one request to the next because two replicas have replayed different
 * amounts, and two reads of one user (a version, then the listing it
 * stands for) see the same replica; when a replica leaves, only its users
 * move. A replica is in use while its last health check
 * found it up, streaming, with lobby's schema, and at most `maxLagSeconds`
 * behind. Checks run at most once a second per replica, started by reads
 * (none while nobody reads) and shared by all of them; a read never waits
 * for one. A measured lag is trusted for one check interval; after that it
 * is taken to grow with the time since it was measured, so after a quiet
 * spell a replica takes reads again only once a fresh check says so (the
 * reads meanwhile go to the primary). A replica also leaves the rotation
 * as soon as a read finds it unreachable (its repository's `down` event,
 * or the error of one that has no `watch`), and that read is sent on to
 * the next replica in use, or the primary, so that a replica going away
 * costs no failed request; so is a read that fails for any other reason
 * except the caller's own abort (a standby can cancel a query that
 * conflicts with recovery). It takes reads again once a check finds it
 * healthy and a read through it succeeds.
 *
 * Each switch is told once to `onEvent` (see {@link ReplicaEvent}): a
 * replica that reads found down is told as skipped when its next check
 * fails too, or when it is still down a check interval later, so that a
 * pool that is down and up again within the moment is not logged. `watch`
 * hears the primary's events and the replicas' `error` events, not the
 * replicas' outages, so a handler does not answer "database down" for a
 * replica. Without `watch` on the primary, the result has none either.
 *
 * @param primary The primary's repository: it takes the reads no replica
 *   can, and applies the schema if it was made to.
 * @param replicas The replicas, in order (an empty list sends everything
 *   to the primary).
 * @param options See {@link ReplicatedRepositoryOptions}.
 * @returns The repository.
 * @throws {TypeError} When a replica or an option is not what it must be;
 *   the message names it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkspaceRepository } from "./repository.ts";
 * import { type ReplicaEvent, replicatedRepository } from "./replicas.ts";
 * const answering = (where: string): WorkspaceRepository => ({
 *   listForUser: () => Promise.resolve([{ name: where }] as never),
 * });
 * let lag = 0;
 * let clock = 0;
 * const events: ReplicaEvent[] = [];
 * const repository = replicatedRepository(answering("primary"), [
 *   { name: "replica-1", repository: answering("replica-1"), health: () => Promise.resolve({ ok: true, lagSeconds: lag }) },
 * ], { maxLagSeconds: 5, now: () => clock, onEvent: (event) => events.push(event) });
 * const where = async () => (await repository.listForUser("alice"))[0]?.name;
 * assert.equal(await where(), "primary"); // not checked yet; this read starts the check
 * assert.equal(await where(), "replica-1");
 * lag = 30;
 * clock += 1000; // a second later the next read checks again
 * await where();
 * assert.equal(await where(), "primary");
 * assert.deepEqual(events.map((event) => event.event), ["replica_skipped", "reads_on_primary"]);
 * ```
 */
export function replicatedRepository(
  primary: WorkspaceRepository,
  replicas: readonly ReadReplica[],
  options: ReplicatedRepositoryOptions = {},
): ReplicatedRepository {
  const { maxLagSeconds, onEvent, now: clock } = parseOptions("replicatedRepository", OPTIONS, options);
  if (!Array.isArray(replicas)) throw new TypeError("replicatedRepository: replicas must be an array");
  replicas.forEach(checkReplica);
  const now = clock ?? (() => performance.now());
  const listeners: Array<(event: RepositoryEvent) => void> = [];
  let onPrimary = false;

  function emit(event: ReplicaEvent): void {
    try {
      onEvent?.(event);
    } catch {
      // The listener's own problem; reads go on.
    }
  }

  const states: State[] = replicas.map((replica, index) => {
    const state: State = {
      replica,
      seed: hashText(FNV_OFFSET, `${index}\n${replica.name}`),
      watched: typeof replica.repository.watch === "function",
      state: "unknown",
      probe: { kind: "unknown" },
      checking: false,
      checkStartedAt: -Infinity,
      measuredAt: -Infinity,
      readsDown: undefined,
      skippedAt: 0,
    };
    replica.repository.watch?.((event: RepositoryEvent) => {
      if (event.event === "down") {
        state.readsDown = { at: now(), code: event.reason };
        decide(state);
      } else if (event.event === "up") {
        state.readsDown = undefined;
        decide(state);
      } else {
        for (const listener of listeners) listener(event);
      }
    });
    return state;
  });

  // What the state of a replica is now, from its last check and its reads.
  // Reads finding it down take it out of the rotation at once (see
  // usable), but count as a switch only once its check fails too, or after
  // a check interval: a pool that blinks down and up is not one.
  function current(state: State): { state: ReplicaStatus["state"]; detail: string } {
    const { probe, readsDown } = state;
    if (readsDown !== undefined && (probe.kind === "down" || now() - readsDown.at >= REPLICA_CHECK_INTERVAL_MS)) {
      return { state: "down", detail: `down (${probe.kind === "down" ? probe.code : readsDown.code})` };
    }
    if (probe.kind === "unknown") return { state: "unknown", detail: "" };
    if (probe.kind === "down") return { state: "down", detail: `down (${probe.code})` };
    if (probe.kind === "skip") return { state: probe.reason, detail: SKIP_DETAIL[probe.reason] };
    if (probe.lagSeconds > maxLagSeconds) {
      return { state: "lagging", detail: `${seconds(probe.lagSeconds)} behind, more than the ${seconds(maxLagSeconds)} allowed` };
    }
    return { state: "in_use", detail: "" };
  }

  // Records and tells a switch, once.
  function decide(state: State): void {
    const next = current(state);
    const before = state.state;
    if (next.state === before || next.state === "unknown") return;
    state.state = next.state;
    if (next.state === "in_use") {
      if (before !== "unknown") emit({ event: "replica_in_use", replica: state.replica.name, skippedMs: Math.round(now() - state.skippedAt) });
    } else if (before === "unknown" || before === "in_use") {
      state.skippedAt = now();
      emit({ event: "replica_skipped", replica: state.replica.name, reason: next.state, detail: next.detail });
    }
    const inUse = states.filter((s) => s.state === "in_use").length;
    const allSkipped = states.every((s) => s.state !== "unknown" && s.state !== "in_use");
    if (allSkipped && !onPrimary) {
      onPrimary = true;
      emit({ event: "reads_on_primary", replicas: states.length });
    } else if (onPrimary && inUse > 0) {
      onPrimary = false;
      emit({ event: "reads_on_replicas", inUse, replicas: states.length });
    }
  }

  // Starts a health check unless one runs or one started less than a second ago.
  function check(state: State, at: number): void {
    if (state.checking || at - state.checkStartedAt < REPLICA_CHECK_INTERVAL_MS) return;
    state.checking = true;
    state.checkStartedAt = at;
    let measured: Promise<ReplicaHealth>;
    try {
      measured = state.replica.health();
    } catch (error) {
      measured = Promise.reject(error);
    }
    measured.then(
      (health) => {
        state.probe = health.ok ? { kind: "ok", lagSeconds: health.lagSeconds } : { kind: "skip", reason: health.reason };
        if (health.ok) state.measuredAt = at;
      },
      (error: unknown) => {
        state.probe = { kind: "down", code: errorCode(error) };
      },
    ).finally(() => {
      state.checking = false;
      decide(state);
    });
  }

  // Whether a read may go to this replica now.
  function usable(state: State, at: number): boolean {
    const { probe } = state;
    if (probe.kind !== "ok") return false;
    // Reads found it down: a check since then that found it healthy lets
    // reads try it (its repository lets one through, and a success ends it).
    if (state.readsDown !== undefined && state.measuredAt <= state.readsDown.at) return false;
    const stale = Math.max(0, at - state.measuredAt - REPLICA_CHECK_INTERVAL_MS) / 1000;
    return probe.lagSeconds + stale <= maxLagSeconds;
  }

  // The user's replica among those in use that were not tried: the one
  // whose hash of the user weighs most.
  function pick(at: number, tried: readonly State[], userId: string): State | undefined {
    let best: State | undefined;
    let bestWeight = -1;
    for (const state of states) {
      if (tried.includes(state) || !usable(state, at)) continue;
      const weight = mix(hashText(state.seed, userId));
      if (weight > bestWeight) {
        best = state;
        bestWeight = weight;
      }
    }
    return best;
  }

  // Every read method goes through here: the user's replica, the next one
  // on its failure, the primary last.
  async function read<T>(userId: string, signal: AbortSignal | undefined, call: (repository: WorkspaceRepository) => Promise<T>): Promise<T> {
    if (states.length === 0) return call(primary);
    const at = now();
    for (const state of states) check(state, at);
    const tried: State[] = [];
    for (;;) {
      const state = pick(now(), tried, userId);
      if (state === undefined) return call(primary);
      tried.push(state);
      try {
        const result = await call(state.replica.repository);
        if (!state.watched && state.readsDown !== undefined) {
          state.readsDown = undefined;
          decide(state);
        }
        return result;
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!state.watched && isUnavailableError(error) && state.readsDown === undefined) {
          state.readsDown = { at: now(), code: errorCode(error) };
          decide(state);
        }
      }
    }
  }

  const repository: ReplicatedRepository = {
    listForUser: (userId: string, options?: ListOptions): Promise<readonly WorkspaceMembership[]> =>
      read(userId, options?.signal, (target) => target.listForUser(userId, options)),
    replicaStatus: () =>
      states.map((state) => ({
        name: state.replica.name,
        state: state.state,
        lagSeconds: state.probe.kind === "ok" ? state.probe.lagSeconds : undefined,
      })),
  };
  // A user's version and listing come from the user's replica, as the listing does.
  const all = [primary, ...replicas.map((replica) => replica.repository)];
  if (all.every((each) => typeof each.listingVersion === "function" && typeof each.listItems === "function")) {
    repository.listingVersion = (userId: string, options?: ListOptions) =>
      read(userId, options?.signal, (target) => target.listingVersion!(userId, options));
    repository.listItems = (userId: string, format: ListingItemFormat, options?: ListOptions) =>
      read(userId, options?.signal, (target) => target.listItems!(userId, format, options));
    // Pages too, when every one can: a cursor holds a position in the data, good on any of them.
    if (all.every((each) => typeof each.listPage === "function")) {
      repository.listPage = (userId: string, format: ListingItemFormat, query: ListingQuery, options?: ListOptions) =>
        read(userId, options?.signal, (target) => target.listPage!(userId, format, query, options));
    }
  }
  if (typeof primary.watch === "function") {
    repository.watch = (listener: (event: RepositoryEvent) => void) => {
      listeners.push(listener);
      primary.watch!(listener);
    };
  }
  return repository;
}

const FNV_OFFSET = 0x811c9dc5;

// FNV-1a over UTF-16 code units, continued from `hash`.
function hashText(hash: number, text: string): number {
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash;
}

// MurmurHash3's finalizer, so that the last characters count as much as the first; unsigned.
function mix(hash: number): number {
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

const SKIP_DETAIL: Readonly<Record<Exclude<ReplicaSkipReason, "down" | "lagging">, string>> = {
  replay_paused: "replay is paused with WAL waiting",
  not_streaming: "receives no WAL from its primary",
  no_schema: "has no lobby schema yet",
};

function seconds(value: number): string {
  return value === Infinity ? "forever" : `${Number(value.toFixed(1))} s`;
}

/**
 * One log line for a {@link ReplicaEvent}, naming the replica as given.
 *
 * @param event The event.
 * @returns The line, without a prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeReplicaEvent } from "./replicas.ts";
 * assert.equal(
 *   describeReplicaEvent({ event: "replica_skipped", replica: "replica-1", reason: "down", detail: "down (ECONNREFUSED)" }),
 *   "read replica replica-1 skipped: down (ECONNREFUSED)",
 * );
 * assert.equal(describeReplicaEvent({ event: "reads_on_primary", replicas: 2 }), "every read replica (2) is skipped: reads go to the primary");
 * ```
 */
export function describeReplicaEvent(event: ReplicaEvent): string {
  switch (event.event) {
    case "replica_skipped":
      return `read replica ${event.replica} skipped: ${event.detail}`;
    case "replica_in_use":
      return `read replica ${event.replica} takes reads again (skipped for ${(event.skippedMs / 1000).toFixed(1)} s)`;
    case "reads_on_primary":
      return `every read replica (${event.replicas}) is skipped: reads go to the primary`;
    case "reads_on_replicas":
      return `reads go to read replicas again (${event.inUse} of ${event.replicas} in use)`;
  }
}
