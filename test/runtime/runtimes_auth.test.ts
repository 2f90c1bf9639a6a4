// Every JWS algorithm on the real standalone server, on Node (the esbuild
// bundle), Deno and Bun: keys generated here with Web Crypto and handed
// over as JWT_SECRET (HS*), JWT_JWKS (RS*, PS*, ES*, EdDSA), JWT_PUBLIC_KEY
// (an ES384 PEM) and JWT_JWKS_URL (an EdDSA key served by this test). A
// valid token must get 200 and a tampered one 401 on every runtime.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { base64url, generateTestKey, jwks, signToken, TEST_ALGORITHMS, type TestKey, type TestPublicAlgorithm } from "../_tokens.ts";
import { bundle, freePort, ROOT, RUNTIMES, start, stop } from "../_runtimes.ts";

const SECRET = "runtimes-auth-secret-of-at-least-sixty-four-bytes-0123456789abcdef";
// One `deno` is enough here: `deno serve` differs from `deno run` only in who listens.
const AUTH_RUNTIMES = RUNTIMES.filter((runtime) => runtime.name !== "deno serve");

t.test("every algorithm verifies a valid token and rejects a tampered one on Node, Deno and Bun", async (t) => {
  const work = mkdtempSync(join(tmpdir(), "lobby-auth-smoke-"));
  // The bundle must sit in the repository, where its bare imports resolve;
  // .lobby/ is git-ignored.
  mkdirSync(join(ROOT, ".lobby"), { recursive: true });
  const outDir = mkdtempSync(join(ROOT, ".lobby", "auth-smoke-"));
  t.teardown(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  });
  const main = join(outDir, "main.js");
  const built = bundle(main);
  t.equal(built.status, 0, `esbuild: ${built.stderr}`);

  const keys = new Map<string, TestKey>();
  for (const alg of TEST_ALGORITHMS) {
    if (alg.startsWith("HS")) continue;
    keys.set(alg, await generateTestKey(alg as TestPublicAlgorithm, { kid: `${alg.toLowerCase()}-1` }));
  }
  const pemKey = await generateTestKey("ES384"); // no kid: from JWT_PUBLIC_KEY
  const remoteKey = await generateTestKey("EdDSA", { kid: "remote-ed" });

  // The remote JWKS, counting who fetched it.
  let fetches = 0;
  const issuer = createServer((_, response) => {
    fetches++;
    response.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=300" });
    response.end(JSON.stringify(jwks(remoteKey)));
  });
  await new Promise<void>((resolve) => issuer.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => issuer.close(() => resolve())));
  const issuerAddress = issuer.address();
  const jwksUrl = `http://127.0.0.1:${typeof issuerAddress === "object" && issuerAddress !== null ? issuerAddress.port : 0}/jwks.json`;

  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: "nobody", iat: now, exp: now + 3600, iss: "https://id.example", aud: "lobby" };
  const cases: Array<[string, string]> = [];
  for (const alg of TEST_ALGORITHMS) {
    const key = keys.get(alg);
    cases.push([alg, await signToken({ secret: SECRET, key, alg, header: key === undefined ? {} : { kid: key.kid }, payload: claims })]);
  }
  cases.push(["ES384 from JWT_PUBLIC_KEY", await signToken({ key: pemKey, payload: claims })]);
  cases.push(["EdDSA from JWT_JWKS_URL", await signToken({ key: remoteKey, header: { kid: "remote-ed" }, payload: claims })]);
  const tamper = (token: string): string => {
    const [h, , s] = token.split(".");
    return `${h}.${base64url(JSON.stringify({ ...claims, sub: "demo-user" }))}.${s}`;
  };

  const env = {
    HOST: "127.0.0.1",
    LOBBY_DATA_DIR: join(work, "pglite"),
    JWT_SECRET: SECRET,
    JWT_JWKS: JSON.stringify(jwks(...keys.values())),
    JWT_PUBLIC_KEY: pemKey.pem,
    JWT_JWKS_URL: jwksUrl,
    JWT_ISSUER: "https://id.example",
    JWT_AUDIENCE: "lobby",
  };
  for (const runtime of AUTH_RUNTIMES) {
    const port = await freePort();
    const before = fetches;
    const server = await start(runtime, port, { ...env, PORT: String(port) }, main);
    try {
      t.notMatch(server.output(), /DEMO MODE/, `${runtime.name}: keys configured, no demo mode`);
      for (const [name, token] of cases) {
        const valid = await fetch(`http://127.0.0.1:${port}/api/v1/workspaces`, { headers: { authorization: `Bearer ${token}` } });
        t.equal(valid.status, 200, `${runtime.name}: ${name} valid → 200`);
        t.same(await valid.json(), { result: [], error: null, meta: null }, `${runtime.name}: ${name} body`);
        for (const [how, forged] of [["payload", tamper(token)], ["signature", token.slice(0, -4) + (token.endsWith("AAAA") ? "BAAA" : "AAAA")]]) {
          const refused = await fetch(`http://127.0.0.1:${port}/web/v1/system/workspaces/mine`, { headers: { authorization: `Bearer ${forged}` } });
          t.equal(refused.status, 401, `${runtime.name}: ${name} ${how} tampered → 401`);
          t.equal((await refused.json()).code, "4010");
        }
      }
      t.ok(fetches > before, `${runtime.name} fetched the remote JWKS`);
    } finally {
      t.equal(await stop(server.child), 0, `${runtime.name} stops cleanly on SIGTERM`);
    }
  }
});
