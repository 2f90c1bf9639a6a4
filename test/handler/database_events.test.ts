// How the handler logs a repository's failures: a repository that watches
// itself (both of lobby's do) is logged once per outage and once per
// distinct error a minute, never per request; one that does not is logged
// per failed request as before. And the signal that tells the repository
// a request's deadline passed.
import t from "tap";
import { secretKeys } from "../../lib/auth/mod.ts";
import { createWorkspacesHandler, type HandlerEvent, type WorkspacesHandlerOptions } from "../../lib/handler/handler.ts";
import {
  type ListOptions,
  type RepositoryEvent,
  RepositoryUnavailableError,
  type WorkspaceRepository,
} from "../../lib/repository/repository.ts";
import { signToken } from "../_tokens.ts";

const SECRET = "database-events-test-secret-of-32-bytes!";
const UPTIMER = "http://lobby.test/api/v1/workspaces";
const SYSTEM = "http://lobby.test/web/v1/system/workspaces/mine";

/** A repository whose answer and events the test decides. */
function watchedRepository() {
  const listeners: Array<(event: RepositoryEvent) => void> = [];
  const signals: Array<AbortSignal | undefined> = [];
  let answer: () => Promise<[]> = () => Promise.resolve([]);
  const repository: WorkspaceRepository = {
    listForUser: (_user: string, options?: ListOptions) => {
      signals.push(options?.signal);
      return answer();
    },
    watch: (listener) => void listeners.push(listener),
  };
  return {
    repository,
    signals,
    emit: (event: RepositoryEvent) => listeners.forEach((listener) => listener(event)),
    answerWith: (next: () => Promise<[]>) => (answer = next),
    listeners,
  };
}

// The repository's events as the log receives them: the fields they
// carry, whatever else (such as a level) the handler adds.
const DATABASE_EVENTS = new Set(["database_down", "database_up", "database_error"]);
const FIELDS = ["event", "reason", "code", "message", "repeated", "refused", "durationMs"] as const;
function databaseEvents(events: readonly HandlerEvent[]): Record<string, unknown>[] {
  return events.filter((event) => DATABASE_EVENTS.has(event.event)).map((event) =>
    Object.fromEntries(FIELDS.filter((field) => event[field] !== undefined).map((field) => [field, event[field]]))
  );
}

async function setup(repository: WorkspaceRepository, overrides: Partial<WorkspacesHandlerOptions> = {}) {
  const events: HandlerEvent[] = [];
  const handler = createWorkspacesHandler({ repository, auth: { keys: await secretKeys(SECRET) }, log: (event) => events.push(event), ...overrides });
  const now = Math.floor(Date.now() / 1000);
  const token = await signToken({ secret: SECRET, payload: { sub: "alice", exp: now + 600, iat: now } });
  const get = (url: string) => handler(new Request(url, { headers: { authorization: `Bearer ${token}` } }));
  return { events, get };
}

t.test("a watched repository's outage is logged as it reports it, never per request", async (t) => {
  const fake = watchedRepository();
  const { events, get } = await setup(fake.repository);
  t.equal(fake.listeners.length, 1, "the handler watches the repository");
  fake.emit({ event: "down", reason: "ECONNREFUSED" });
  fake.answerWith(() => Promise.reject(new RepositoryUnavailableError({ cause: new Error("connect ECONNREFUSED 10.0.0.5:5432") })));
  for (let i = 0; i < 5; i++) {
    const uptimer = await get(UPTIMER);
    t.equal(uptimer.status, 503);
    t.equal((await uptimer.json()).error.code, 1503);
    const system = await get(SYSTEM);
    t.equal(system.status, 503);
    t.equal((await system.json()).code, "5030");
  }
  fake.emit({ event: "up", refused: 10, durationMs: 12_345 });
  t.equal(events.filter((event) => event.event === "repository_unavailable" || event.event === "internal_error").length, 0, "none per request");
  t.strictSame(databaseEvents(events), [
    { event: "database_down", reason: "ECONNREFUSED" },
    { event: "database_up", refused: 10, durationMs: 12_345 },
  ], "two events for ten failed requests");
});

t.test("a watched repository's other errors answer 500 and are logged as the repository reports them", async (t) => {
  const fake = watchedRepository();
  const { events, get } = await setup(fake.repository);
  const missing = Object.assign(new Error('database "lobby_db" does not exist'), { code: "3D000" });
  fake.answerWith(() => Promise.reject(missing));
  fake.emit({ event: "error", code: "3D000", message: 'database "..." does not exist', repeated: 0 });
  for (let i = 0; i < 3; i++) {
    const response = await get(UPTIMER);
    t.equal(response.status, 500);
    const text = await response.text();
    t.notOk(text.includes("lobby_db"), "no detail in the body");
    t.equal(JSON.parse(text).error.code, 1500);
  }
  t.equal(events.filter((event) => event.event === "repository_unavailable" || event.event === "internal_error").length, 0, "none per request");
  t.strictSame(databaseEvents(events), [{ event: "database_error", code: "3D000", message: 'database "..." does not exist', repeated: 0 }]);
});

t.test("a repository without watch is logged per failed request, as before", async (t) => {
  const down = new RepositoryUnavailableError({ cause: new Error("down") });
  const bug = new Error("bug");
  let next: unknown = down;
  const { events, get } = await setup({ listForUser: () => Promise.reject(next) });
  t.equal((await get(UPTIMER)).status, 503);
  t.equal((await get(SYSTEM)).status, 503);
  next = bug;
  t.equal((await get(UPTIMER)).status, 500);
  t.strictSame(events.map(({ event, dialect, error }) => ({ event, dialect, error })), [
    { event: "repository_unavailable", dialect: "uptimer", error: down },
    { event: "repository_unavailable", dialect: "system", error: down },
    { event: "internal_error", dialect: "uptimer", error: bug },
  ]);
});

t.test("the repository gets a signal that aborts with a TimeoutError only when the deadline passes", async (t) => {
  const fake = watchedRepository();
  const { get } = await setup(fake.repository, { timeoutMs: 100 });
  t.equal((await get(UPTIMER)).status, 200);
  const inTime = fake.signals[0];
  t.ok(inTime instanceof AbortSignal, "a signal is passed");
  fake.answerWith(() => new Promise(() => {}));
  const began = performance.now();
  const slow = await get(UPTIMER);
  const took = performance.now() - began;
  t.equal(slow.status, 503, "the deadline answers 503");
  t.ok(took >= 95 && took < 1000, `at the deadline (${Math.round(took)} ms)`);
  const late = fake.signals[1]!;
  if (!late.aborted) await new Promise((resolve) => late.addEventListener("abort", resolve));
  t.equal(late.reason.name, "TimeoutError", "the slow listing's signal aborts");
  await new Promise((resolve) => setTimeout(resolve, 150));
  if (inTime !== late) t.notOk(inTime?.aborted, "the one answered in time is never aborted");
});

t.test("the default log: one line per outage event, no stack, no value", async (t) => {
  const fake = watchedRepository();
  const lines: string[] = [];
  const error = console.error;
  const warn = console.warn;
  console.error = (...args: unknown[]) => void lines.push(`error: ${args.map(String).join(" ")}`);
  console.warn = (...args: unknown[]) => void lines.push(`warn: ${args.map(String).join(" ")}`);
  try {
    createWorkspacesHandler({ repository: fake.repository, auth: { keys: await secretKeys(SECRET) } });
    fake.emit({ event: "down", reason: "CONNECT_TIMEOUT" });
    fake.emit({ event: "up", refused: 586, durationMs: 30_160 });
    fake.emit({ event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 0 });
    fake.emit({ event: "error", code: "42P01", message: 'relation "..." does not exist', repeated: 41 });
  } finally {
    console.error = error;
    console.warn = warn;
  }
  t.strictSame(lines, [
    "error: lobby: database down (CONNECT_TIMEOUT); answering 503 until it is back",
    "warn: lobby: database back after 30.2 s; 586 requests refused meanwhile",
    'error: lobby: database error 42P01: relation "..." does not exist',
    'error: lobby: database error 42P01: relation "..." does not exist (41 more since last logged)',
  ]);
});
