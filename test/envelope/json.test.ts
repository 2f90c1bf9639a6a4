// The envelope's direct JSON writers against JSON.stringify of the object
// builders, on rows that exercise every escape and every enum.
import t from "tap";
import { systemSuccessJson, uptimerSuccessJson } from "../../lib/envelope/_json.ts";
import { systemSuccess } from "../../lib/envelope/system.ts";
import { uptimerSuccess } from "../../lib/envelope/uptimer.ts";
import { LOCALES } from "../../lib/locale/mod.ts";
import type { WorkspaceMembership } from "../../lib/repository/workspace.ts";

function row(i: number, partial: Partial<WorkspaceMembership> = {}): WorkspaceMembership {
  return {
    bizId: `ws_${i}`,
    institutionBizId: "INST_001",
    entityBizId: i % 2 === 0 ? null : `ENT_${i}`,
    name: `Workspace ${i}`,
    timezone: "UTC",
    status: [10010701, 10010702, 10010703, 42][i % 4]!,
    kind: [10010801, 10010802, 7][i % 3]!,
    extraData: i % 3 === 0 ? null : `{"plan":"pro","n":${i}}`,
    createdAt: new Date(Date.UTC(2026, 2, 22, 10, 30, 0, i)),
    updatedAt: new Date(Date.UTC(2026, 2, 22, 11, 0, 0, 999)),
    role: i % 2 === 0 ? "owner" : "member",
    ...partial,
  };
}

const HOSTILE = [
  "quote \" and backslash \\",
  "control \u0000\u0001\u001f and newline \n tab \t",
  "emoji 😀 pair",
  "lone high \ud800 and low \udc00",
  "中文 · 日本語 · Tiếng Việt",
  "</script><script>",
  "\u007f\u2028\u2029",
  "",
];

t.test("systemSuccessJson and uptimerSuccessJson write what JSON.stringify writes", async (t) => {
  const rows: WorkspaceMembership[] = Array.from({ length: 24 }, (_, i) => row(i));
  HOSTILE.forEach((text, i) => {
    rows.push(row(100 + i, { bizId: text, name: text, timezone: text, institutionBizId: text, entityBizId: text, extraData: text }));
  });
  rows.push(row(200, { createdAt: new Date("0001-01-01T00:00:00Z"), updatedAt: new Date("9999-12-31T23:59:59.999Z") }));
  rows.push(row(201, { createdAt: new Date(-1), updatedAt: new Date(Date.UTC(1969, 11, 31, 23, 59, 59, 1)) }));
  rows.push(row(202, { status: -0, kind: 1e21 }));
  for (const locale of LOCALES) {
    for (const subset of [[], rows.slice(0, 1), rows]) {
      t.equal(
        systemSuccessJson(subset, locale, 1709337600000),
        JSON.stringify(systemSuccess(subset, locale, 1709337600000)),
        `${locale}, ${subset.length} rows`,
      );
    }
  }
  t.equal(uptimerSuccessJson(rows), JSON.stringify(uptimerSuccess(rows)));
  t.equal(uptimerSuccessJson([]), '{"result":[],"error":null,"meta":null}');
});

t.test("systemSuccessJson writes what systemSuccess does for infinities, BC and years past 9999", async (t) => {
  // The times the repositories read for Postgres's -infinity and infinity,
  // 44 BC, 1 BC, 1 AD and years 10000 and 275760.
  const times = [-8.64e15, -63_517_780_800_000, -62_167_219_200_000, -62_135_596_800_000, 253_402_300_800_000,
    8.64e15 - 1, 8.64e15];
  const rows = times.map((ms, i) => row(300 + i, { createdAt: new Date(ms), updatedAt: new Date(-ms) }));
  const written = times.map((ms) => systemSuccess([row(0, { createdAt: new Date(ms) })], "en", 0).data?.[0]?.createdAt);
  t.strictSame(written, [
    "-271821-04-20T00:00:00Z",
    "-000043-03-15T12:00:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "+010000-01-01T00:00:00Z",
    "+275760-09-12T23:59:59Z",
    "+275760-09-13T00:00:00Z",
  ]);
  for (const locale of LOCALES) {
    t.equal(systemSuccessJson(rows, locale, 0), JSON.stringify(systemSuccess(rows, locale, 0)), locale);
  }
  t.equal(uptimerSuccessJson(rows), JSON.stringify(uptimerSuccess(rows)));
});

t.test("systemSuccessJson falls back to JSON.stringify for rows off their types", async (t) => {
  const odd: WorkspaceMembership[] = [
    row(1, { entityBizId: undefined as unknown as null }),
    row(2, { status: Number.NaN }),
    row(3, { extraData: { plan: "pro" } as unknown as string }),
    row(4, { createdAt: new Date("+010000-01-01T00:00:00Z") }),
    row(5, { role: 7 as unknown as "owner" }),
  ];
  for (const one of odd) {
    t.equal(systemSuccessJson([one], "en", 0), JSON.stringify(systemSuccess([one], "en", 0)));
    t.equal(uptimerSuccessJson([one]), JSON.stringify(uptimerSuccess([one])));
  }
  t.equal(systemSuccessJson([], "en", Number.NaN), JSON.stringify(systemSuccess([], "en", Number.NaN)));
  t.throws(() => systemSuccessJson([row(6, { updatedAt: new Date(Number.NaN) })], "en", 0), RangeError);
});
