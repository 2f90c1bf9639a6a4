import t from "tap";
import { Deadlines } from "../../lib/handler/_deadlines.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test("Deadlines expires the waits not settled in time, in order, with one timer", async (t) => {
  // Long enough that a busy machine cannot delay the first check past it.
  const deadlines = new Deadlines(500);
  const expired: string[] = [];
  const first = deadlines.start(() => expired.push("first"));
  const second = deadlines.start(() => expired.push("second"));
  deadlines.start(() => expired.push("third"));
  deadlines.settle(second);
  t.equal(deadlines.size, 2, "a settled wait leaves the queue at once, even from its middle");
  await sleep(10);
  t.same(expired, [], "nothing before the timeout");
  await sleep(700);
  t.same(expired, ["first", "third"], "the pending waits expired in the order they began");
  t.equal(deadlines.size, 0, "and the queue is empty");
  deadlines.settle(first);
  deadlines.settle(second);
  t.same(expired, ["first", "third"], "settling an expired or a settled wait changes nothing");
  t.equal(deadlines.size, 0);
});

t.test("Deadlines: waits started at different times each get the full timeout", async (t) => {
  const deadlines = new Deadlines(40);
  const expiredAt: Record<string, number> = {};
  const begin = performance.now();
  deadlines.start(() => (expiredAt.early = performance.now() - begin));
  await sleep(25);
  deadlines.start(() => (expiredAt.late = performance.now() - begin));
  await sleep(100);
  t.ok(expiredAt.early! >= 39, `the early wait expired after its 40 ms (${expiredAt.early} ms)`);
  t.ok(expiredAt.late! >= 64, `the late one 40 ms after it began at 25 ms (${expiredAt.late} ms)`);
});

t.test("Deadlines settled in time never expire and leave no timer behind", async (t) => {
  const deadlines = new Deadlines(20);
  let expired = 0;
  for (let i = 0; i < 5000; i++) deadlines.settle(deadlines.start(() => expired++));
  const waits = Array.from({ length: 3000 }, () => deadlines.start(() => expired++));
  for (const wait of waits.reverse()) deadlines.settle(wait);
  t.equal(deadlines.size, 0, "settled in reverse order: the list is empty");
  await sleep(50);
  t.equal(expired, 0);
});

t.test("Deadlines.signal: waits started together share one signal, aborted only once all of them have ended and one expired", async (t) => {
  const deadlines = new Deadlines(50); // slots of 5 ms
  const first = deadlines.start(() => {});
  const second = deadlines.start(() => {});
  const signal = deadlines.signal(first);
  t.equal(deadlines.signal(second), signal, "one signal for the slot");
  deadlines.settle(first);
  await sleep(80);
  t.ok(signal.aborted, "the second expired, and the first had settled: aborted");
  t.equal(signal.reason.name, "TimeoutError");
  t.ok(signal.reason instanceof DOMException);

  const inTime = deadlines.start(() => {});
  const inTimeSignal = deadlines.signal(inTime);
  t.not(inTimeSignal, signal, "a slot that expired takes no new waits");
  deadlines.settle(inTime);
  await sleep(80);
  t.notOk(inTimeSignal.aborted, "a slot whose waits all settled in time never aborts");
});

t.test("Deadlines.signal: work in time is never aborted; expired work is aborted within a slot of its deadline", async (t) => {
  const deadlines = new Deadlines(1000); // slots of 100 ms
  const begin = performance.now();
  const early = deadlines.start(() => {});
  await sleep(60);
  const late = deadlines.start(() => {});
  const signal = deadlines.signal(early);
  t.equal(deadlines.signal(late), signal, "60 ms apart, still one slot");
  let abortedAt = 0;
  signal.addEventListener("abort", () => (abortedAt = performance.now() - begin));
  await sleep(1000 - 60 + 20);
  t.equal(abortedAt, 0, "the early wait expired, but the late one is still in time: not aborted yet");
  await sleep(80);
  t.ok(abortedAt >= 1059, `aborted once the late one expired too (${Math.round(abortedAt)} ms)`);
  const after = deadlines.start(() => {});
  await sleep(120);
  const next = deadlines.start(() => {});
  t.not(deadlines.signal(next), deadlines.signal(after), "a wait after the slot closed starts another");
  deadlines.settle(after);
  deadlines.settle(next);
});
