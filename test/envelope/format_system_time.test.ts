// The arithmetic time formatter against toISOString.
import t from "tap";
import { formatSystemTime } from "../../lib/envelope/format_system_time.ts";

t.test("formatSystemTime matches toISOString truncated to the second", async (t) => {
  const reference = (date: Date) => date.toISOString().slice(0, -5) + "Z";
  const edges = [
    0, -1, -999, -1000, -86_400_000, 951_782_400_000, 951_868_799_999, 4_107_542_400_000,
    -62_167_219_200_000, -62_167_219_199_999, -62_167_219_200_001, 253_402_300_799_999, 253_402_300_800_000,
    8.64e15, -8.64e15,
  ];
  // A deterministic sweep over ±275,000 years, so a failure reproduces.
  let seed = 20260322;
  const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32;
  const cases = [...edges, ...Array.from({ length: 20_000 }, () => Math.floor((next() * 2 - 1) * 8.64e15))];
  cases.push(...Array.from({ length: 20_000 }, () => Math.floor((next() * 2 - 0.5) * 4e12)));
  const wrong = cases.filter((ms) => formatSystemTime(new Date(ms)) !== reference(new Date(ms)));
  t.same(wrong, [], "every instant formats as toISOString would");
  t.equal(formatSystemTime(new Date("2026-03-22T10:30:00.999Z")), "2026-03-22T10:30:00Z");
  t.equal(formatSystemTime(new Date("+010000-01-01T00:00:00Z")), "+010000-01-01T00:00:00Z");
  t.throws(() => formatSystemTime(new Date(Number.NaN)), RangeError);
});

t.test("formatSystemTime writes the times read for Postgres's infinities and far years as documented", async (t) => {
  const cases: readonly (readonly [Date, string])[] = [
    [new Date(8.64e15), "+275760-09-13T00:00:00Z"], // infinity, and any time past it
    [new Date(-8.64e15), "-271821-04-20T00:00:00Z"], // -infinity
    [new Date("+010000-01-01T00:00:00Z"), "+010000-01-01T00:00:00Z"],
    [new Date("+275760-09-12T23:59:59.999Z"), "+275760-09-12T23:59:59Z"],
    [new Date("9999-12-31T23:59:59.999Z"), "9999-12-31T23:59:59Z"],
    [new Date("0000-01-01T00:00:00Z"), "0000-01-01T00:00:00Z"], // 1 BC
    [new Date("-000001-12-31T23:59:59.999Z"), "-000001-12-31T23:59:59Z"], // 2 BC
    [new Date("-000043-03-15T12:00:00Z"), "-000043-03-15T12:00:00Z"], // 44 BC
    [new Date("-004713-11-24T00:00:00Z"), "-004713-11-24T00:00:00Z"], // Postgres's first day, 4714 BC
    [new Date("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00Z"],
  ];
  for (const [date, text] of cases) t.equal(formatSystemTime(date), text, text);
});
