import t from "tap";
import { type BearerResult, extractBearer } from "../../lib/auth/bearer.ts";

t.test("extractBearer follows RFC 6750 §2.1", async (t) => {
  const cases: [string | null, BearerResult][] = [
    [null, { ok: false, reason: "missing_authorization" }],
    ["", { ok: false, reason: "missing_authorization" }],
    ["   ", { ok: false, reason: "missing_authorization" }],
    [" \t ", { ok: false, reason: "missing_authorization" }],
    ["Bearer abc", { ok: true, token: "abc" }],
    ["bearer abc", { ok: true, token: "abc" }],
    ["BEARER abc", { ok: true, token: "abc" }],
    ["bEaReR abc", { ok: true, token: "abc" }],
    ["Bearer    abc", { ok: true, token: "abc" }],
    [" Bearer abc\t", { ok: true, token: "abc" }],
    ["Bearer a.b-c_d~e+f/g==", { ok: true, token: "a.b-c_d~e+f/g==" }],
    ["Bearer", { ok: false, reason: "malformed_authorization" }],
    ["Bearer ", { ok: false, reason: "malformed_authorization" }],
    ["Bearerabc", { ok: false, reason: "malformed_authorization" }],
    ["Bearer\tabc", { ok: false, reason: "malformed_authorization" }],
    ["Basic dXNlcjpwYXNz", { ok: false, reason: "malformed_authorization" }],
    ["Token abc", { ok: false, reason: "malformed_authorization" }],
    ["abc", { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc def", { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc, Bearer def", { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc,def", { ok: false, reason: "malformed_authorization" }],
    ["Bearer ab=c", { ok: false, reason: "malformed_authorization" }],
    ["Bearer =abc", { ok: false, reason: "malformed_authorization" }],
    ['Bearer "abc"', { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc\u0000", { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc\n", { ok: false, reason: "malformed_authorization" }],
    ["Bearer abc\r\nX-Evil: 1", { ok: false, reason: "malformed_authorization" }],
    ["Bearer äbc", { ok: false, reason: "malformed_authorization" }],
    ["Bearer\u00a0abc", { ok: false, reason: "malformed_authorization" }],
  ];
  for (const [header, expected] of cases) {
    t.strictSame(extractBearer(header), expected, JSON.stringify(header));
  }
});
