// The breaker both repositories put in front of their driver, driven by
// hand: tasks are promises the test settles, the clock is a number the test
// moves. Then the events' error reports and their value-free messages.
import t from "tap";
import { Breaker } from "../../lib/repository/_breaker.ts";
import { errorCode, RepositoryEvents, safeMessage } from "../../lib/repository/_events.ts";
import { RepositoryUnavailableError, type RepositoryEvent } from "../../lib/repository/repository.ts";

/** A task the test settles by hand, and whether the breaker sent it. */
interface Task {
  sent: boolean;
  readonly run: () => Promise<string>;
  resolve(value: string): void;
  reject(error: unknown): void;
}

function task(): Task {
  let resolve!: (value: string) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const handle: Task = {
    sent: false,
    run: () => {
      handle.sent = true;
      return promise;
    },
    resolve,
    reject,
  };
  return handle;
}

/** What a call has come to so far. */
function track<T>(promise: Promise<T>): { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } {
  const seen: { state: "pending" | "resolved" | "rejected"; value?: T; error?: unknown } = { state: "pending" };
  promise.then(
    (value) => Object.assign(seen, { state: "resolved", value }),
    (error: unknown) => Object.assign(seen, { state: "rejected", error }),
  );
  return seen;
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const coded = (code: string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error(`failed: ${code}`), { code, ...extra });
// What postgres.js and PGlite give an ErrorResponse from the server.
const fromServer = (code: string, message = `server says ${code}`): Error => Object.assign(new Error(message), { code, severity: "ERROR" });

function setup(maxRunning = 2, maxWaiting = 2) {
  let clock = 1000;
  const events = new RepositoryEvents(() => clock);
  const seen: RepositoryEvent[] = [];
  events.watch((event) => seen.push(event));
  const breaker = new Breaker({ maxRunning, maxWaiting, events, now: () => clock });
  return { breaker, seen, tick: (ms: number) => (clock += ms) };
}

t.test("Breaker sends at most maxRunning, queues maxWaiting in order, refuses beyond", async (t) => {
  const { breaker, seen } = setup(2, 2);
  const tasks = Array.from({ length: 6 }, task);
  const calls = tasks.map((item) => track(breaker.run(undefined, item.run)));
  await flush();
  t.strictSame(tasks.map((item) => item.sent), [true, true, false, false, false, false]);
  t.equal(breaker.running, 2);
  t.equal(breaker.waiting, 2);
  for (const call of [calls[4]!, calls[5]!]) {
    t.equal(call.state, "rejected");
    t.ok(call.error instanceof RepositoryUnavailableError, "refused as unavailable");
    t.equal(((call.error as Error).cause as { code?: unknown }).code, "QUEUE_FULL");
  }
  t.strictSame(seen, [{ event: "error", code: "QUEUE_FULL", message: "Too many listings wait for the database", repeated: 0 }], "reported once");

  tasks[1]!.resolve("b");
  await flush();
  t.equal(calls[1]!.value, "b");
  t.strictSame(tasks.map((item) => item.sent), [true, true, true, false, false, false], "the first waiting call goes next");
  tasks[0]!.resolve("a");
  tasks[2]!.resolve("c");
  await flush();
  t.ok(tasks[3]!.sent);
  tasks[3]!.resolve("d");
  await flush();
  t.strictSame(calls.slice(0, 4).map((call) => call.value), ["a", "b", "c", "d"]);
  t.equal(breaker.running + breaker.waiting, 0);
});

t.test("Breaker: an aborted call leaves the queue unsent; a sent one is left to the driver and keeps its place", async (t) => {
  const { breaker, seen } = setup(1, 2);
  const controller = new AbortController();
  const [first, second, third] = [task(), task(), task()];
  const running = track(breaker.run(controller.signal, first.run));
  const waiting = track(breaker.run(controller.signal, second.run));
  const other = track(breaker.run(undefined, third.run));
  await flush();
  const reason = new DOMException("gave up", "AbortError");
  controller.abort(reason);
  await flush();
  t.equal(waiting.error, reason, "the waiting call rejects with the signal's reason");
  t.notOk(second.sent, "and is never sent");
  t.equal(running.state, "pending", "the sent one is left to the driver");
  t.equal(breaker.running, 1, "and keeps its place until the driver settles it");
  t.notOk(third.sent, "so the next waits");
  first.resolve("late");
  await flush();
  t.equal(running.value, "late", "it settles as the driver does");
  t.ok(third.sent, "and the next goes");
  third.resolve("c");
  await flush();
  t.equal(other.value, "c");
  t.ok(breaker.up, "an abort that is not a timeout says nothing about the database");
  t.strictSame(seen, []);

  const aborted = new AbortController();
  aborted.abort(new Error("already"));
  const late = task();
  await t.rejects(breaker.run(aborted.signal, late.run), { message: "already" }, "a signal aborted before the call");
  t.notOk(late.sent);
});

t.test("Breaker listens once to a signal many calls share", async (t) => {
  const { breaker } = setup(100, 100);
  const controller = new AbortController();
  let listeners = 0;
  const add = controller.signal.addEventListener.bind(controller.signal);
  controller.signal.addEventListener = ((...args: Parameters<typeof add>) => {
    listeners++;
    return add(...args);
  }) as typeof add;
  const tasks = Array.from({ length: 50 }, task);
  const calls = tasks.map((item) => track(breaker.run(controller.signal, item.run)));
  t.equal(listeners, 1);
  for (const item of tasks) item.resolve("ok");
  await flush();
  t.ok(calls.every((call) => call.value === "ok"));
});

t.test("Breaker: a connection error takes the database down; one call at a time tries it; an answer brings it back", async (t) => {
  const { breaker, seen, tick } = setup(2, 3);
  const [a, b, c, d] = [task(), task(), task(), task()];
  const first = track(breaker.run(undefined, a.run));
  track(breaker.run(undefined, b.run));
  const queued = [track(breaker.run(undefined, c.run)), track(breaker.run(undefined, d.run))];
  await flush();
  const refused = coded("ECONNREFUSED");
  a.reject(refused);
  await flush();
  t.ok(first.error instanceof RepositoryUnavailableError);
  t.equal((first.error as Error).cause, refused, "the driver's error is the cause");
  t.notOk(breaker.up);
  t.strictSame(seen, [{ event: "down", reason: "ECONNREFUSED" }], "down, once");
  for (const call of queued) t.ok(call.error instanceof RepositoryUnavailableError, "the waiting calls are refused at once");
  t.notOk(c.sent || d.sent, "and never sent");

  tick(100);
  const probe = task();
  const probing = track(breaker.run(undefined, probe.run));
  const others = [task(), task()];
  const refusedCalls = others.map((item) => track(breaker.run(undefined, item.run)));
  await flush();
  t.ok(probe.sent, "one call tries the database");
  t.notOk(others.some((item) => item.sent), "the others are refused without waiting");
  for (const call of refusedCalls) t.equal((call.error as Error).cause, refused, "with the error that took it down as cause");
  probe.reject(coded("ECONNREFUSED"));
  await flush();
  t.ok(probing.error instanceof RepositoryUnavailableError);
  t.notOk(breaker.up, "still down");

  b.reject(coded("CONNECTION_CLOSED"));
  await flush();
  tick(900);
  const again = task();
  const back = track(breaker.run(undefined, again.run));
  again.resolve("rows");
  await flush();
  t.equal(back.value, "rows");
  t.ok(breaker.up);
  t.strictSame(seen.slice(1), [{ event: "up", refused: 7, durationMs: 1000 }], "up once, counting every call refused or failed meanwhile");
});

t.test("Breaker: while down, the probe's place frees when its caller gives up; a full breaker does not probe", async (t) => {
  const { breaker, seen } = setup(2, 0);
  const down = task();
  const downCall = track(breaker.run(undefined, down.run));
  await flush();
  down.reject(coded("CONNECT_TIMEOUT"));
  await flush();
  t.ok(downCall.error instanceof RepositoryUnavailableError);
  const controller = new AbortController();
  const hung = task();
  track(breaker.run(controller.signal, hung.run));
  await flush();
  t.ok(hung.sent, "the probe");
  controller.abort(new DOMException("deadline", "TimeoutError"));
  const next = task();
  track(breaker.run(undefined, next.run));
  await flush();
  t.ok(next.sent, "a new probe once the first one's caller gave up");
  const third = task();
  const full = track(breaker.run(undefined, third.run));
  await flush();
  t.notOk(third.sent, "no probe while as many calls as allowed are with the driver");
  t.ok(full.error instanceof RepositoryUnavailableError);
  hung.resolve("late rows");
  await flush();
  t.ok(breaker.up, "a late answer to a call sent earlier ends the outage too");
  t.strictSame(seen.map((event) => event.event), ["down", "up"]);
  next.reject(coded("ECONNRESET"));
  await flush();
  t.ok(breaker.up, "a call sent before the database came back does not take it down again");
  t.strictSame(seen.map((event) => event.event), ["down", "up"]);
});

t.test("Breaker: a timed-out call with nothing heard since it was sent takes the database down", async (t) => {
  const { breaker, seen, tick } = setup(10, 10);
  const early = new AbortController();
  const late = new AbortController();
  const [heard, silent, answered, afterwards] = [task(), task(), task(), task()];
  track(breaker.run(early.signal, heard.run));
  tick(10);
  track(breaker.run(late.signal, silent.run));
  tick(10);
  track(breaker.run(undefined, answered.run));
  await flush();
  tick(10);
  answered.resolve("rows");
  await flush();
  early.abort(new DOMException("deadline", "TimeoutError"));
  t.ok(breaker.up, "the database answered after the first call was sent: not down");
  tick(10);
  const fresh = new AbortController();
  track(breaker.run(fresh.signal, afterwards.run));
  await flush();
  tick(5000);
  late.abort(new DOMException("deadline", "TimeoutError"));
  t.ok(breaker.up, "nor after the second, sent before that answer");
  fresh.abort(new DOMException("deadline", "TimeoutError"));
  t.notOk(breaker.up, "the third was sent after the last answer and timed out: down");
  t.strictSame(seen, [{ event: "down", reason: "NO_ANSWER" }]);
  silent.resolve("finally");
  await flush();
  t.ok(breaker.up);
});

t.test("Breaker: what the server answers is heard; going-away codes are outages; the rest is reported once a minute", async (t) => {
  const { breaker, seen, tick } = setup(5, 5);
  const fail = async (error: unknown) => {
    const item = task();
    const call = track(breaker.run(undefined, item.run));
    await flush();
    item.reject(error);
    await flush();
    return call.error;
  };
  const missing = fromServer("42P01", 'relation "lobby_listing" does not exist');
  t.equal(await fail(missing), missing, "a missing table reaches the caller unchanged");
  await fail(fromServer("42P01", 'relation "lobby_listing" does not exist'));
  await fail(fromServer("42P01", 'relation "another" does not exist'));
  tick(59_999);
  await fail(missing);
  t.equal(seen.length, 1, "the same code and message, whatever the value, within the minute: counted only");
  tick(1);
  await fail(missing);
  t.strictSame(seen, [
    { event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 0 },
    { event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 3 },
  ], "once a minute, counting the ones left out");
  seen.length = 0;

  const slow = fromServer("57014", "canceling statement due to statement timeout");
  const error = await fail(slow);
  t.ok(error instanceof RepositoryUnavailableError, "a statement timeout is unavailable to the caller");
  t.ok(breaker.up, "but not an outage: the server answered");
  t.strictSame(seen, [{ event: "error", code: "57014", message: "canceling statement due to statement timeout", repeated: 0 }]);

  const bug = new TypeError("x is not a function");
  t.equal(await fail(bug), bug);
  t.ok(breaker.up);

  t.ok(await fail(fromServer("57P01", "terminating connection due to administrator command")) instanceof RepositoryUnavailableError);
  t.notOk(breaker.up, "a server going away is an outage though it answered");
  t.strictSame(seen.at(-1), { event: "down", reason: "57P01" });
  const probe = task();
  const call = track(breaker.run(undefined, probe.run));
  await flush();
  probe.reject(fromServer("3D000", 'database "lobby_db" does not exist'));
  await flush();
  t.equal((call.error as { code?: unknown }).code, "3D000", "a wrong database name is a configuration error, unchanged");
  t.ok(breaker.up, "and the server that said so is up");
  t.strictSame(seen.slice(-2), [
    { event: "up", refused: 1, durationMs: 0 },
    { event: "error", code: "3D000", message: 'database "..." does not exist', repeated: 0 },
  ]);
  for (const event of seen) t.notOk(JSON.stringify(event).includes("lobby_"), "no value from the messages");
});

t.test("Breaker: a task that throws, and a listener that throws", async (t) => {
  const { breaker } = setup();
  const events = new RepositoryEvents();
  events.watch(() => {
    throw new Error("broken log");
  });
  const quiet = new Breaker({ maxRunning: 1, maxWaiting: 1, events });
  await t.rejects(quiet.run(undefined, () => Promise.reject(coded("ECONNREFUSED"))), RepositoryUnavailableError, "the down event's listener threw");
  t.notOk(quiet.up);
  const thrown = new Error("thrown, not rejected");
  await t.rejects(breaker.run(undefined, () => {
    throw thrown;
  }), thrown);
  t.ok(breaker.up);
});

t.test("errorCode and safeMessage: codes through causes, messages without values", async (t) => {
  t.equal(errorCode(new AggregateError([new Error("no code"), coded("ECONNREFUSED")])), "ECONNREFUSED");
  t.equal(errorCode(new RepositoryUnavailableError({ cause: coded("57P03") })), "57P03");
  t.equal(errorCode(Object.assign(new Error("empty"), { code: "" })), "Error");
  t.equal(errorCode("a string"), "UNKNOWN");
  const looped: { cause?: unknown } = {};
  looped.cause = looped;
  t.equal(errorCode(looped), "UNKNOWN");
  t.equal(safeMessage(new Error('invalid input syntax for type uuid: "secret-user-id"\nDETAIL: more')), 'invalid input syntax for type uuid: "..."');
  t.equal(safeMessage(new Error("value 'x' and \"y\" and an open \"quote")), 'value "..." and "..." and an open "..."');
  t.equal(safeMessage(new Error("x".repeat(500))).length, 200);
  t.equal(safeMessage({ message: "not an Error" }), "");
});

t.test("RepositoryEvents remembers at most 100 distinct errors, forgetting the oldest", async (t) => {
  const events = new RepositoryEvents(() => 0);
  const seen: RepositoryEvent[] = [];
  events.watch((event) => seen.push(event));
  for (let i = 0; i < 101; i++) events.reportError(coded(`E${i}`));
  events.reportError(coded("E100"));
  events.reportError(coded("E0"));
  t.equal(seen.length, 102, "E100 stays quiet; E0 was forgotten, so it is reported again");
});
