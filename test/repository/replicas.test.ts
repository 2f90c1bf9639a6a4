// replicatedRepository with stand-in repositories and health checks on a
// fake clock: where reads go, when replicas are checked, what is logged and
// when. postgresReplicaHealth against rows as a standby would answer them.
// The same against real servers (a primary, streaming replicas, PgBouncer)
// is in ../app/scale_out.test.ts.
import postgres, { type Sql } from "postgres";
import t from "tap";
import { postgresReplicaHealth, postgresReplicatedRepository, REPLICA_HEALTH_SQL } from "../../lib/repository/postgres_replicas.ts";
import {
  describeReplicaEvent,
  type ReadReplica,
  REPLICA_CHECK_INTERVAL_MS,
  type ReplicaEvent,
  type ReplicaHealth,
  replicatedRepository,
  type ReplicatedRepositoryOptions,
} from "../../lib/repository/replicas.ts";
import { type RepositoryEvent, RepositoryUnavailableError, type WorkspaceRepository } from "../../lib/repository/repository.ts";
import type { WorkspaceMembership } from "../../lib/repository/workspace.ts";

/** Lets settled health checks run their callbacks. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A repository that answers with one row naming it, or fails as told. */
class Stub implements WorkspaceRepository {
  calls = 0;
  failure: unknown = undefined;
  listeners: Array<(event: RepositoryEvent) => void> = [];
  constructor(readonly name: string, watched = false) {
    if (!watched) (this as { watch?: unknown }).watch = undefined;
  }
  listForUser(): Promise<readonly WorkspaceMembership[]> {
    this.calls++;
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return Promise.resolve([{ name: this.name } as WorkspaceMembership]);
  }
  watch(listener: (event: RepositoryEvent) => void): void {
    this.listeners.push(listener);
  }
  emit(event: RepositoryEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/** A replica whose health answers as told, counting its checks. */
function replica(name: string, watched = false) {
  const repository = new Stub(name, watched);
  const control = {
    repository,
    health: { ok: true, lagSeconds: 0 } as ReplicaHealth | Error,
    checks: 0,
    replica: undefined as unknown as ReadReplica,
  };
  control.replica = {
    name,
    repository,
    health: () => {
      control.checks++;
      return control.health instanceof Error ? Promise.reject(control.health) : Promise.resolve(control.health);
    },
  };
  return control;
}

function setup(count: number, options: ReplicatedRepositoryOptions & { watched?: boolean; primaryWatched?: boolean } = {}) {
  const { watched, primaryWatched, ...rest } = options;
  const primary = new Stub("primary", primaryWatched ?? true);
  const replicas = Array.from({ length: count }, (_, i) => replica(`replica-${i + 1}`, watched));
  const clock = { now: 0 };
  const events: ReplicaEvent[] = [];
  const repository = replicatedRepository(primary, replicas.map((r) => r.replica), {
    now: () => clock.now,
    onEvent: (event) => events.push(event),
    ...rest,
  });
  const where = async (signal?: AbortSignal, user = "alice") => (await repository.listForUser(user, { signal }))[0]?.name;
  // Reads once so that due checks start, lets them settle, then reads.
  const settle = async () => {
    await where();
    await flush();
  };
  return { primary, replicas, clock, events, repository, where, settle };
}

const REFUSED = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5433"), { code: "ECONNREFUSED" });

t.test("replicatedRepository refuses bad replicas and options with a TypeError naming them", async (t) => {
  const primary = new Stub("primary");
  const good = replica("r").replica;
  const bad: Array<[unknown, unknown, string]> = [
    [good, { maxLagSeconds: -1 }, "replicatedRepository: options.maxLagSeconds must be from 0 to 86400"],
    [good, { maxLagSeconds: "5" }, "replicatedRepository: options.maxLagSeconds must be a number"],
    [good, { onEvent: "log" }, "replicatedRepository: options.onEvent must be a function"],
    [good, { lag: 5 }, "replicatedRepository: options.lag is not an option"],
    [{ ...good, health: undefined }, {}, "replicatedRepository: replicas[0].health must be a function"],
    [{ ...good, repository: {} }, {}, "replicatedRepository: replicas[0].repository must be a repository (an object with listForUser)"],
    [{ ...good, name: 1 }, {}, "replicatedRepository: replicas[0].name must be a string"],
    [null, {}, "replicatedRepository: replicas[0] must be an object"],
  ];
  for (const [r, options, message] of bad) {
    t.throws(() => replicatedRepository(primary, [r as ReadReplica], options as ReplicatedRepositoryOptions), { name: "TypeError", message });
  }
  t.throws(() => replicatedRepository(primary, "r" as never), { name: "TypeError", message: "replicatedRepository: replicas must be an array" });
});

t.test("replicatedRepository without replicas is the primary; watch is there only when the primary has it", async (t) => {
  const watched = new Stub("primary", true);
  const repository = replicatedRepository(watched, []);
  t.same(await repository.listForUser("alice"), [{ name: "primary" }]);
  t.same(repository.replicaStatus(), []);
  const seen: RepositoryEvent[] = [];
  repository.watch?.((event) => seen.push(event));
  watched.emit({ event: "down", reason: "ECONNREFUSED" });
  t.same(seen, [{ event: "down", reason: "ECONNREFUSED" }], "the primary's events reach the watcher");
  t.equal(replicatedRepository(new Stub("primary", false), []).watch, undefined);
});

const USERS = Array.from({ length: 200 }, (_, i) => `user-${i}`);

t.test("reads go to the primary until a replica's first check, then each user's to one replica, users spread across them", async (t) => {
  const { replicas, repository, where, events, clock, settle } = setup(3);
  t.same(repository.replicaStatus().map((r) => r.state), ["unknown", "unknown", "unknown"]);
  t.equal(await where(), "primary", "before any check");
  await flush();
  const first = new Map<string, string>();
  for (const user of USERS) first.set(user, (await where(undefined, user))!);
  const counts = new Map<string, number>();
  for (const name of first.values()) counts.set(name, (counts.get(name) ?? 0) + 1);
  t.same([...counts.keys()].sort(), ["replica-1", "replica-2", "replica-3"], "every replica takes some users");
  t.ok([...counts.values()].every((n) => n > 40), `spread: ${JSON.stringify(Object.fromEntries(counts))}`);
  for (const user of USERS.slice(0, 50)) t.equal(await where(undefined, user), first.get(user), `${user} stays on its replica`);
  t.same(repository.replicaStatus(), [
    { name: "replica-1", state: "in_use", lagSeconds: 0 },
    { name: "replica-2", state: "in_use", lagSeconds: 0 },
    { name: "replica-3", state: "in_use", lagSeconds: 0 },
  ]);
  t.same(replicas.map((r) => r.checks), [1, 1, 1], "one check each, however many reads");
  t.same(events, [], "the first check finding them healthy is no switch");
  // replica-2 leaves: only its users move.
  replicas[1]!.health = { ok: false, reason: "not_streaming" };
  clock.now += 1000;
  await settle();
  for (const user of USERS) {
    const now = await where(undefined, user);
    if (first.get(user) === "replica-2") t.not(now, "replica-2", `${user} moved`);
    else t.equal(now, first.get(user), `${user} did not move`);
  }
});

t.test("checks run at most once a second per replica, shared by every read, and only while there are reads", async (t) => {
  const { replicas, clock, where } = setup(1);
  await Promise.all(Array.from({ length: 50 }, () => where()));
  t.equal(replicas[0]!.checks, 1);
  clock.now = REPLICA_CHECK_INTERVAL_MS - 1;
  await flush();
  await where();
  t.equal(replicas[0]!.checks, 1, "not again within the second");
  clock.now = REPLICA_CHECK_INTERVAL_MS;
  await Promise.all(Array.from({ length: 50 }, () => where()));
  t.equal(replicas[0]!.checks, 2, "once more after it");
  clock.now = 60_000;
  t.equal(replicas[0]!.checks, 2, "nothing while nobody reads");
  // A check that never settles is not started again meanwhile.
  let hung = 0;
  const stuck = replicatedRepository(new Stub("primary"), [{ name: "r", repository: new Stub("r"), health: () => (hung++, new Promise(() => {})) }], {
    now: () => clock.now,
  });
  await stuck.listForUser("alice");
  clock.now += 5000;
  await stuck.listForUser("alice");
  t.equal(hung, 1);
});

t.test("a replica further behind than maxLagSeconds is skipped, and every switch is logged once", async (t) => {
  const { replicas, clock, events, where, settle, repository } = setup(2, { maxLagSeconds: 5 });
  await settle();
  replicas[0]!.health = { ok: true, lagSeconds: 7.25 };
  clock.now += 1000;
  await settle();
  t.same(events, [{ event: "replica_skipped", replica: "replica-1", reason: "lagging", detail: "7.3 s behind, more than the 5 s allowed" }]);
  t.same([await where(), await where(), await where()], ["replica-2", "replica-2", "replica-2"]);
  t.same(repository.replicaStatus()[0], { name: "replica-1", state: "lagging", lagSeconds: 7.25 });
  // Still lagging, by another amount: no new line.
  replicas[0]!.health = { ok: true, lagSeconds: 9 };
  clock.now += 1000;
  await settle();
  t.equal(events.length, 1);
  // The other one too: reads go to the primary, said once.
  replicas[1]!.health = { ok: false, reason: "replay_paused" };
  clock.now += 1000;
  await settle();
  clock.now += 1000;
  await settle();
  t.same(events.slice(1), [
    { event: "replica_skipped", replica: "replica-2", reason: "replay_paused", detail: "replay is paused with WAL waiting" },
    { event: "reads_on_primary", replicas: 2 },
  ]);
  t.equal(await where(), "primary");
  // Exactly at the limit is in use.
  replicas[0]!.health = { ok: true, lagSeconds: 5 };
  clock.now += 1000;
  await settle();
  t.same(events.slice(3), [
    { event: "replica_in_use", replica: "replica-1", skippedMs: 4000 },
    { event: "reads_on_replicas", inUse: 1, replicas: 2 },
  ]);
  t.equal(await where(), "replica-1");
});

t.test("a measured lag is trusted for one check interval, then taken to grow with the time since", async (t) => {
  const { replicas, clock, where, settle } = setup(1, { maxLagSeconds: 5 });
  replicas[0]!.health = { ok: true, lagSeconds: 3 };
  await settle();
  t.equal(await where(), "replica-1");
  clock.now += 3000; // measured 3 s ago: up to 3 + 2 s behind by now
  t.equal(await where(), "replica-1", "3 s of lag and 2 s past the interval is the limit");
  await flush(); // that read started a check
  clock.now += 10_000; // a quiet spell
  t.equal(await where(), "primary", "a stale measurement sends the read to the primary while a fresh check runs");
  await flush();
  t.equal(await where(), "replica-1", "and the fresh check brings it back");
});

t.test("a replica that fails a read leaves the rotation, and the read goes on to the next replica, then the primary", async (t) => {
  const { replicas, primary, clock, events, where, settle } = setup(2);
  await settle();
  replicas[0]!.repository.failure = new RepositoryUnavailableError({ cause: REFUSED });
  replicas[1]!.repository.failure = Object.assign(new Error("canceling statement due to conflict with recovery"), { code: "40001" });
  const before = primary.calls;
  t.equal(await where(), "primary", "both failed: the primary answers, no failure reaches the caller");
  t.equal(primary.calls, before + 1);
  replicas[1]!.repository.failure = undefined;
  const calls = replicas[0]!.repository.calls;
  t.same([await where(), await where()], ["replica-2", "replica-2"], "the unreachable one is out of the rotation at once; the other is not");
  t.equal(replicas[0]!.repository.calls, calls, "not tried again before a check");
  t.same(events, [], "not logged yet");
  // Its check fails too: now it is a switch.
  replicas[0]!.health = REFUSED;
  clock.now += 1000;
  await settle();
  t.same(events, [{ event: "replica_skipped", replica: "replica-1", reason: "down", detail: "down (ECONNREFUSED)" }]);
  // Back: a check finds it healthy, reads try it, a success ends it.
  replicas[0]!.health = { ok: true, lagSeconds: 0 };
  replicas[0]!.repository.failure = undefined;
  clock.now += 1000;
  await settle();
  const used = new Set<string>();
  for (const user of USERS.slice(0, 20)) used.add((await where(undefined, user))!);
  t.same([...used].sort(), ["replica-1", "replica-2"]);
  t.same(events.slice(1), [{ event: "replica_in_use", replica: "replica-1", skippedMs: 1000 }]);
});

t.test("reads that keep finding a replica down skip it after a check interval, even when its check answers", async (t) => {
  const { replicas, clock, events, where, settle } = setup(1);
  await settle();
  replicas[0]!.repository.failure = new RepositoryUnavailableError({ cause: REFUSED });
  t.equal(await where(), "primary");
  clock.now += 1000;
  await settle(); // the check answers; reads try the replica again, and fail
  t.same(events, [
    { event: "replica_skipped", replica: "replica-1", reason: "down", detail: "down (ECONNREFUSED)" },
    { event: "reads_on_primary", replicas: 1 },
  ]);
});

t.test("a watched replica leaves the rotation on its down event; a blink is not logged, an outage is", async (t) => {
  const { replicas, clock, events, where, settle, repository } = setup(1, { watched: true });
  await settle();
  const r = replicas[0]!.repository;
  // Down and up again within the moment (a pool noticing a stale connection).
  r.emit({ event: "down", reason: "57P01" });
  t.equal(await where(), "primary", "out of the rotation at once");
  r.emit({ event: "up", refused: 1, durationMs: 0 });
  t.equal(await where(), "replica-1", "and back");
  t.same(events, [], "nothing logged");
  // An outage: down, and its check fails.
  r.emit({ event: "down", reason: "57P01" });
  replicas[0]!.health = REFUSED;
  clock.now += 1000;
  await settle();
  t.same(events, [
    { event: "replica_skipped", replica: "replica-1", reason: "down", detail: "down (ECONNREFUSED)" },
    { event: "reads_on_primary", replicas: 1 },
  ]);
  // A check finds the server answering: reads try the replica, and its breaker refuses them until its probe gets through.
  replicas[0]!.health = { ok: true, lagSeconds: 0 };
  clock.now += 1000;
  await settle();
  r.failure = new RepositoryUnavailableError({ cause: REFUSED });
  t.equal(await where(), "primary", "refused by the replica's breaker: sent on to the primary");
  t.equal(events.length, 2, "nothing new logged");
  r.failure = undefined;
  t.equal(await where(), "replica-1", "its probe");
  r.emit({ event: "up", refused: 3, durationMs: 1000 });
  t.same(events.slice(2), [
    { event: "replica_in_use", replica: "replica-1", skippedMs: 1000 },
    { event: "reads_on_replicas", inUse: 1, replicas: 1 },
  ]);
  // Its errors reach the watchers; its outages do not.
  const seen: RepositoryEvent[] = [];
  repository.watch!((event) => seen.push(event));
  r.emit({ event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 0 });
  r.emit({ event: "down", reason: "ECONNREFUSED" });
  t.same(seen, [{ event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 0 }]);
});

t.test("a health check that fails or finds no schema, or no WAL receiver, skips the replica", async (t) => {
  const { replicas, clock, events, settle, where } = setup(3);
  replicas[0]!.health = REFUSED;
  replicas[1]!.health = { ok: false, reason: "no_schema" };
  replicas[2]!.health = { ok: false, reason: "not_streaming" };
  await settle();
  t.same(events.map((event) => describeReplicaEvent(event)), [
    "read replica replica-1 skipped: down (ECONNREFUSED)",
    "read replica replica-2 skipped: has no lobby schema yet",
    "read replica replica-3 skipped: receives no WAL from its primary",
    "every read replica (3) is skipped: reads go to the primary",
  ]);
  t.equal(await where(), "primary");
  // A check that throws instead of rejecting is a failed check too.
  (replicas[0]!.replica as { health: () => Promise<ReplicaHealth> }).health = () => {
    throw new TypeError("boom");
  };
  clock.now += 1000;
  await settle();
  t.equal(events.length, 4);
  t.equal(await where(), "primary");
});

t.test("the caller's abort is passed on, never retried elsewhere", async (t) => {
  const { replicas, primary, where, settle } = setup(1);
  await settle();
  const controller = new AbortController();
  const reason = new DOMException("gave up", "TimeoutError");
  controller.abort(reason);
  replicas[0]!.repository.failure = reason;
  const before = primary.calls;
  await t.rejects(where(controller.signal), reason);
  t.equal(primary.calls, before);
});

t.test("a listener that throws does not break reads", async (t) => {
  const { replicas, clock, where, settle } = setup(1, { onEvent: () => {
    throw new Error("broken log");
  } });
  await settle();
  replicas[0]!.health = { ok: true, lagSeconds: 100 };
  clock.now += 1000;
  await settle();
  t.equal(await where(), "primary");
});

t.test("describeReplicaEvent words every event", async (t) => {
  t.equal(describeReplicaEvent({ event: "replica_in_use", replica: "r", skippedMs: 12_340 }), "read replica r takes reads again (skipped for 12.3 s)");
  t.equal(describeReplicaEvent({ event: "reads_on_replicas", inUse: 1, replicas: 2 }), "reads go to read replicas again (1 of 2 in use)");
  t.equal(
    describeReplicaEvent({ event: "replica_skipped", replica: "r", reason: "lagging", detail: "forever behind" }),
    "read replica r skipped: forever behind",
  );
});

t.test("postgresReplicaHealth measures lag, not idleness", async (t) => {
  const base = { standby: true, migrated: true, paused: false, streaming: true, replayed: true, sinceReplay: 3600 };
  const cases: Array<[string, Record<string, unknown>, ReplicaHealth]> = [
    ["a quiet primary, everything replayed: 0 s however old the last transaction", {}, { ok: true, lagSeconds: 0 }],
    ["WAL waiting: the time since the last replayed commit", { replayed: false, sinceReplay: 2.5 }, { ok: true, lagSeconds: 2.5 }],
    ["WAL waiting, nothing replayed since start: unknown", { replayed: false, sinceReplay: null }, { ok: true, lagSeconds: Infinity }],
    ["a clock a little ahead is 0 s", { replayed: false, sinceReplay: -0.2 }, { ok: true, lagSeconds: 0 }],
    ["paused with WAL waiting", { paused: true, replayed: false, sinceReplay: 0.1 }, { ok: false, reason: "replay_paused" }],
    ["paused with nothing waiting is up to date", { paused: true }, { ok: true, lagSeconds: 0 }],
    ["no WAL receiver", { streaming: false }, { ok: false, reason: "not_streaming" }],
    ["no schema", { migrated: false }, { ok: false, reason: "no_schema" }],
    ["not a standby", { standby: false, migrated: false, streaming: false }, { ok: true, lagSeconds: 0 }],
  ];
  for (const [name, row, expected] of cases) {
    const sent: string[] = [];
    const sql = { unsafe: (text: string) => (sent.push(text), Promise.resolve([{ ...base, ...row }])) } as unknown as Sql;
    t.same(await postgresReplicaHealth(sql)(), expected, name);
    t.same(sent, [REPLICA_HEALTH_SQL], `${name}: one statement without parameters`);
  }
  const empty = { unsafe: () => Promise.resolve([]) } as unknown as Sql;
  await t.rejects(postgresReplicaHealth(empty)(), { message: "The replica's health check returned no row" });
});

t.test("postgresReplicatedRepository names replicas by host, port and database, and checks its options", async (t) => {
  const primary = postgres("postgres://lobby:secret@127.0.0.1:1/app", { max: 1 });
  const replicas = [postgres("postgres://lobby:secret@127.0.0.1:2,127.0.0.1:3/app", { max: 1 }), postgres({ host: "127.0.0.1", port: 4 })];
  t.teardown(() => Promise.all([primary, ...replicas].map((sql) => sql.end({ timeout: 0 }))));
  const repository = postgresReplicatedRepository(primary, replicas, { applySchema: true, maxLagSeconds: 2, onEvent: () => {} });
  t.same(repository.replicaStatus().map((r) => r.name), ["127.0.0.1:2,127.0.0.1:3/app", `127.0.0.1:4/${replicas[1]!.options.database}`]);
  t.throws(() => postgresReplicatedRepository(primary, replicas, { applySchema: "yes" } as never), {
    name: "TypeError",
    message: "postgresReplicatedRepository: options.applySchema must be a boolean",
  });
  t.throws(() => postgresReplicatedRepository(primary, replicas, { maxLagSeconds: -1 }), {
    name: "TypeError",
    message: "replicatedRepository: options.maxLagSeconds must be from 0 to 86400",
  });
});
