import t from "tap";
import { createHash, createHmac, randomBytes } from "node:crypto";
import { hs256Verifier } from "../../lib/auth/_hmac.ts";
import { SHA256_IV, sha256Digest, sha256Finish } from "../../lib/auth/_sha256.ts";

const text = new TextEncoder();
const LENGTHS = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300, 1000, 8192];

t.test("sha256Finish agrees with node:crypto at every padding boundary", async (t) => {
  for (const length of LENGTHS) {
    const data = randomBytes(length);
    const state = SHA256_IV.slice();
    sha256Finish(state, data, 0);
    t.equal(Buffer.from(sha256Digest(state)).toString("hex"), createHash("sha256").update(data).digest("hex"), `${length} bytes`);
  }
});

t.test("hs256Verifier: RFC 4231 test case 2", async (t) => {
  const verifier = hs256Verifier(text.encode("Jefe"));
  const mac = Buffer.from("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "hex");
  t.equal(verifier.verify(mac, text.encode("what do ya want for nothing?")), true);
});

t.test("hs256Verifier accepts exactly node:crypto's HMAC, for keys shorter and longer than a block", async (t) => {
  for (const keyLength of [1, 32, 63, 64, 65, 100, 200]) {
    const key = randomBytes(keyLength);
    const verifier = hs256Verifier(key);
    for (const length of LENGTHS) {
      const data = randomBytes(length);
      const mac = createHmac("sha256", key).update(data).digest();
      t.equal(verifier.verify(mac, data), true, `key ${keyLength} B, data ${length} B`);
      const flipped = Buffer.from(mac);
      flipped[length % 32]! ^= 1;
      t.equal(verifier.verify(flipped, data), false, "one flipped bit is refused");
    }
    const data = text.encode("header.payload");
    const mac = createHmac("sha256", key).update(data).digest();
    t.equal(verifier.verify(mac.subarray(0, 31), data), false, "a short signature is refused");
    t.equal(verifier.verify(Buffer.concat([mac, Buffer.from([0])]), data), false, "a long one too");
    t.equal(verifier.verify(mac, text.encode("header.payloaD")), false, "another message is refused");
  }
});
