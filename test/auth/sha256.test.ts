// The hand-written SHA-256 and HMAC-SHA256 of lib/auth/_sha256.ts, against
// node:crypto and the RFC 4231 vectors.
import t from "tap";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { hmacSha256Verifier, sha256Words } from "../../lib/auth/_sha256.ts";

const text = new TextEncoder();
const LENGTHS = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300, 1000, 8192];

function hex(words: Int32Array): string {
  return Array.from(words, (word) => (word >>> 0).toString(16).padStart(8, "0")).join("");
}

t.test("sha256Words agrees with node:crypto at every padding boundary", async (t) => {
  for (const length of LENGTHS) {
    const data = randomBytes(length);
    t.equal(hex(sha256Words(data)), createHash("sha256").update(data).digest("hex"), `${length} bytes`);
  }
  const into = new Int32Array(8);
  t.equal(sha256Words(text.encode("abc"), into), into, "writes into the array given");
  t.equal(hex(into), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "FIPS 180-4 example");
  t.equal(hex(sha256Words(new Uint8Array(0), into)), createHash("sha256").digest("hex"), "and starts afresh");
});

t.test("hmacSha256Verifier: RFC 4231 test cases 1, 2, 3, 4, 6 and 7", async (t) => {
  const cases: Array<[string, Uint8Array, Uint8Array, string]> = [
    ["1", new Uint8Array(20).fill(0x0b), text.encode("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    ["2", text.encode("Jefe"), text.encode("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    ["3", new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
    [
      "4",
      Uint8Array.from({ length: 25 }, (_, i) => i + 1),
      new Uint8Array(50).fill(0xcd),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ],
    [
      "6",
      new Uint8Array(131).fill(0xaa),
      text.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
    [
      "7",
      new Uint8Array(131).fill(0xaa),
      text.encode(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  for (const [name, key, data, mac] of cases) {
    const verify = hmacSha256Verifier(key);
    t.equal(verify(Buffer.from(mac, "hex"), data), true, `test case ${name}`);
    t.equal(verify(Buffer.from(mac, "hex").subarray(0, 16), data), false, `test case ${name}, truncated (case 5's form) is refused`);
  }
});

t.test("hmacSha256Verifier accepts exactly node:crypto's HMAC, for keys shorter and longer than a block", async (t) => {
  for (const keyLength of [1, 32, 63, 64, 65, 100, 200]) {
    const key = randomBytes(keyLength);
    const verify = hmacSha256Verifier(key);
    for (const length of LENGTHS) {
      const data = randomBytes(length);
      const mac = createHmac("sha256", key).update(data).digest();
      t.equal(verify(mac, data), true, `key ${keyLength} B, data ${length} B`);
      const flipped = Buffer.from(mac);
      flipped[length % 32]! ^= 1;
      t.equal(verify(flipped, data), false, "one flipped bit is refused");
    }
    const data = text.encode("header.payload");
    const mac = createHmac("sha256", key).update(data).digest();
    t.equal(verify(mac.subarray(0, 31), data), false, "a short signature is refused");
    t.equal(verify(Buffer.concat([mac, Buffer.from([0])]), data), false, "a long one too");
    t.equal(verify(mac, text.encode("header.payloaD")), false, "another message is refused");
    t.equal(verify(mac, data), true, "and the verifier keeps no state between calls");
  }
});
