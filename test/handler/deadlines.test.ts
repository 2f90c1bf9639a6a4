import t from "tap";
import { Deadlines } from "../../lib/handler/_deadlines.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

t.test("Deadlines expires the waits not settled in time, in order, with one timer", async (t) => {
  const deadlines = new Deadlines(30);
  const expired: string[] = [];
  const first = deadlines.start(() => expired.push("first"));
  const second = deadlines.start(() => expired.push("second"));
  deadlines.start(() => expired.push("third"));
  deadlines.settle(second);
  t.equal(deadlines.size, 2, "a settled wait leaves the queue at once, even from its middle");
  await sleep(10);
  t.same(expired, [], "nothing before the timeout");
  await sleep(60);
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
