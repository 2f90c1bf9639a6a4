import t from "tap";
import { randomBytes } from "node:crypto";
import { decodeBase64url } from "../../lib/auth/_base64url.ts";

t.test("decodeBase64url decodes what Buffer encodes, at every length", async (t) => {
  for (let length = 0; length <= 70; length++) {
    const bytes = randomBytes(length);
    const text = bytes.toString("base64url");
    t.strictSame(Buffer.from(decodeBase64url(text) ?? [0xff, 0xff]), bytes, `${length} bytes`);
  }
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  t.strictSame(Buffer.from(decodeBase64url(all.toString("base64url"))!), all, "every byte value");
});

t.test("decodeBase64url refuses all but the canonical unpadded text", async (t) => {
  for (const [text, why] of [
    ["AQ==", "padding"],
    ["AQ=", "a lone ="],
    ["A", "a length of 4n+1"],
    ["AAAAA", "a length of 4n+1 after a group"],
    ["AR", "non-zero bits after the last byte (2 characters)"],
    ["AQI", "AQI is canonical, AQJ is not: see below"],
    ["+/8", "the base64 alphabet's + and /"],
    ["AQ ID", "whitespace"],
    ["AQ\u00e9D", "a non-ASCII character"],
    ["AQ\u0100D", "a character whose low byte is in the alphabet"],
  ] as const) {
    if (text === "AQI") {
      t.strictSame(Array.from(decodeBase64url("AQI")!), [1, 2], "AQI: two bytes");
      t.equal(decodeBase64url("AQJ"), null, "AQJ: non-zero bits after the last byte (3 characters)");
      continue;
    }
    t.equal(decodeBase64url(text), null, why);
  }
  t.strictSame(Array.from(decodeBase64url("_-8")!), [0xff, 0xef], "- and _ are the alphabet's last two");
});
