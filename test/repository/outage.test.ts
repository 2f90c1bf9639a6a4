// A database outage under load, end to end: the standalone app (its
// postgres.js client options, postgresRepository, the handler and its 5 s
// deadline) over a TCP proxy in front of a throwaway database, driven by
// an open-loop load (each request started on schedule, whatever the
// previous one is doing). The proxy is cut for 10 s, once refusing
// connections and once hanging without a word, then restored. Every
// answer must come within the deadline plus 1 s, answers during the
// outage must be the dialect's 503 (and quick, once the outage is known),
// answers from 2 s after the return must be 200 at normal latency, and
// the log must hold the outage once when it starts and once when it ends.
// Both outages run at the same time, each with its own app and proxy.
import t, { type Test } from "tap";
import { createStandaloneApp } from "../../lib/app/app.ts";
import { configFromEnvironment } from "../../lib/app/config.ts";
import type { HandlerEvent } from "../../lib/handler/handler.ts";
import { testDatabase } from "../_postgres.ts";
import { signToken } from "../_tokens.ts";
import { type Outage, openGate } from "./fixtures/gate.ts";

const SECRET = "outage-test-secret-of-at-least-32-bytes";
const DEADLINE_MS = 5000; // the handler's default, which the standalone app keeps
const RATE = 50; // requests per second, per outage
const CUT_AT_MS = 1500;
const OUTAGE_MS = 10_000;
const STOP_AT_MS = CUT_AT_MS + OUTAGE_MS + 4500;
const PATHS = { uptimer: "/api/v1/workspaces", system: "/web/v1/system/workspaces/mine" } as const;

interface Answer {
  readonly dialect: keyof typeof PATHS;
  /** When it was sent and answered, in ms since the load began. */
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
  readonly body: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function outage(t: Test, kind: Outage, url: string): Promise<{ answers: Answer[]; sent: number; events: HandlerEvent[] }> {
  const target = new URL(url);
  const gate = await openGate({ host: target.hostname, port: Number(target.port || 5432) });
  t.teardown(() => gate.close());
  const viaGate = new URL(url);
  viaGate.host = `127.0.0.1:${gate.port}`;
  const events: HandlerEvent[] = [];
  const app = await createStandaloneApp(configFromEnvironment({ DATABASE_URL: viaGate.href, JWT_SECRET: SECRET }), {
    now: () => Date.now(),
    log: (event) => events.push(event),
  });
  t.teardown(() => app.close());
  const now = Math.floor(Date.now() / 1000);
  const token = await signToken({ secret: SECRET, payload: { sub: "outage-user", exp: now + 600, iat: now } });

  // Warm up first: the schema is applied and the pool opened before the
  // clock starts, so the load measures an outage, not a busy machine's cold start.
  for (let tries = 0; tries < 120; tries++) {
    const response = await app.handler(new Request(`http://lobby.test${PATHS.uptimer}`, { headers: { authorization: `Bearer ${token}` } }));
    await response.body?.cancel();
    if (response.status === 200) break;
    await sleep(500);
  }
  events.length = 0;

  const answers: Answer[] = [];
  const pending: Promise<void>[] = [];
  const begin = performance.now();
  const clock = () => performance.now() - begin;
  const send = (dialect: keyof typeof PATHS) => {
    const sentAt = clock();
    const request = new Request(`http://lobby.test${PATHS[dialect]}`, { headers: { authorization: `Bearer ${token}` } });
    pending.push(
      app.handler(request).then(async (response) => {
        const body = await response.json() as Record<string, unknown>;
        answers.push({ dialect, sentAt, answeredAt: clock(), status: response.status, body });
      }),
    );
  };
  const schedule = (async () => {
    await sleep(CUT_AT_MS);
    await gate.cut(kind);
    await sleep(OUTAGE_MS);
    await gate.restore();
  })();
  // Open loop: request i leaves at i / RATE seconds, whatever came of the others.
  for (let i = 0; i * 1000 / RATE < STOP_AT_MS; i++) {
    const wait = i * 1000 / RATE - clock();
    if (wait > 0) await sleep(wait);
    send(i % 2 === 0 ? "uptimer" : "system");
  }
  await schedule;
  await Promise.all(pending);
  return { answers, sent: pending.length, events };
}

t.test("a 10 s database outage under load: bounded answers, a quick return, logged once each way", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  const kinds: Outage[] = ["refuse", "hang"];
  const results = await Promise.all(kinds.map((kind) => outage(t, kind, db.url)));

  for (const [index, kind] of kinds.entries()) {
    const { answers, sent, events } = results[index]!;
    const restoredAt = CUT_AT_MS + OUTAGE_MS;
    t.test(`a database that ${kind}s`, async (t) => {
      t.equal(answers.length, sent, `every one of the ${sent} requests got an answer`);
      const slowest = Math.max(...answers.map((answer) => answer.answeredAt - answer.sentAt));
      t.ok(slowest <= DEADLINE_MS + 1000, `none slower than the deadline plus 1 s (slowest ${Math.round(slowest)} ms)`);

      const before = answers.filter((answer) => answer.answeredAt < CUT_AT_MS);
      t.ok(before.length > 0 && before.every((answer) => answer.status === 200), "200 before the outage");

      const during = answers.filter((answer) => answer.answeredAt > CUT_AT_MS + 200 && answer.answeredAt < restoredAt);
      t.ok(during.length > RATE * 5, `answers during the outage (${during.length})`);
      const wrong = during.filter((answer) =>
        answer.status !== 503 ||
        (answer.dialect === "uptimer" ? (answer.body.error as { code?: unknown })?.code !== 1503 : answer.body.code !== "5030")
      );
      t.strictSame(wrong.slice(0, 3), [], "every one a 503 in its dialect's envelope");

      // Once the outage is known (a deadline after it began at the latest),
      // requests are refused at once instead of each waiting for the deadline.
      const known = answers.filter((answer) => answer.sentAt > CUT_AT_MS + DEADLINE_MS + 500 && answer.sentAt < restoredAt - 500);
      const quick = known.filter((answer) => answer.answeredAt - answer.sentAt < 500);
      t.ok(known.length > 0 && quick.length >= known.length * 0.9, `fail fast: ${quick.length} of ${known.length} refused within 500 ms`);

      const after = answers.filter((answer) => answer.sentAt >= restoredAt + 2000);
      t.ok(after.length >= RATE * 2, `requests from 2 s after the return (${after.length})`);
      t.strictSame(after.filter((answer) => answer.status !== 200).map((answer) => answer.status).slice(0, 5), [], "all 200");
      const latencies = after.map((answer) => answer.answeredAt - answer.sentAt).sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)] ?? Infinity;
      const worst = latencies.at(-1) ?? Infinity;
      t.ok(median < 250 && worst < 1000, `at normal latency (median ${Math.round(median)} ms, worst ${Math.round(worst)} ms)`);

      const outageEvents = events.filter((event) => event.event === "database_down" || event.event === "database_up");
      t.strictSame(outageEvents.map((event) => event.event), ["database_down", "database_up"], "the outage logged once when it starts, once when it ends");
      const up = outageEvents[1];
      t.ok((up?.refused ?? 0) > RATE, `with how many requests were refused (${up?.refused})`);
      t.ok((up?.durationMs ?? 0) > 3000 && (up?.durationMs ?? Infinity) < OUTAGE_MS + 3000, `and how long it lasted (${up?.durationMs} ms)`);
      t.equal(events.filter((event) => event.event === "repository_unavailable" || event.event === "internal_error").length, 0, "nothing per request");
      const errors = events.filter((event) => event.event === "database_error");
      t.ok(errors.length <= 1 && errors.every((event) => event.code === "QUEUE_FULL"), `no other error (${JSON.stringify(errors)})`);
      t.comment(`${kind}: down (${(outageEvents[0] as HandlerEvent | undefined)?.reason}), up after ${up?.durationMs} ms, ${up?.refused} refused`);
    });
  }
});
