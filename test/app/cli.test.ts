// The lobby command, in process: every command's output and exit status,
// tokens the handler accepts, the migration and the check against a real
// Postgres and a real JWKS server. test/package/consumers.test.ts runs the
// same commands as programs on Node, Deno and Bun.
import { createServer, type Server } from "node:http";
import t, { type Test } from "tap";
import { runCommand, signToken, USAGE, VERSION } from "../../lib/app/cli.ts";
import { createStandaloneApp } from "../../lib/app/app.ts";
import { configFromEnvironment } from "../../lib/app/config.ts";
import { createVerifier, secretKeys } from "../../lib/auth/mod.ts";
import { generateTestKey, jwks } from "../_tokens.ts";
import { testDatabase } from "../_postgres.ts";

const SECRET = "cli-test-secret-0123456789abcdefghij";
const NOW = Date.UTC(2026, 5, 1, 12);
const NO_DATABASE = "postgres://lobby@127.0.0.1:1/none";

/** Runs a command with `env`; what it wrote to stdout and stderr, and its status. */
async function run(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCommand(args, { env, out: (line) => out.push(line), err: (line) => err.push(line), now: () => NOW });
  return { status, out, err };
}

function claimsOf(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, payload] = token.split(".").slice(0, 2).map((part) => JSON.parse(Buffer.from(part, "base64url").toString()));
  return { header, claims: payload };
}

t.test("help and version", async (t) => {
  for (const args of [["--help"], ["-h"], ["help"], ["token", "--help"], ["serve", "-h"]]) {
    t.same(await run(args), { status: 0, out: [USAGE], err: [] }, args.join(" "));
  }
  for (const args of [["--version"], ["-V"]]) t.same(await run(args), { status: 0, out: [VERSION], err: [] });
  t.match(USAGE, /lobby migrate/);
  t.match(USAGE, /lobby check/);
});

t.test("wrong usage is status 2 with a line on stderr", async (t) => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command "frobnicate"/],
    [["--frobnicate"], /unknown option --frobnicate/],
    [["serve", "now"], /serve takes no arguments/],
    [["migrate", "--force"], /migrate takes no arguments/],
    [["token", "--sub"], /--sub needs a value/],
    [["token", "--user", "u1"], /unknown option --user/],
    [["token", "u1"], /unexpected argument "u1"/],
  ];
  for (const [args, message] of cases) {
    const result = await run(args, { JWT_SECRET: SECRET });
    t.equal(result.status, 2, args.join(" "));
    t.match(result.err.join("\n"), message);
    t.match(result.err.join("\n"), /lobby --help/);
    t.same(result.out, []);
  }
});

t.test("token refuses without a secret, or with a bad configuration", async (t) => {
  for (const env of [{}, { JWT_SECRET: "" }, { JWT_JWKS_URL: "https://id.example.com/jwks.json", DATABASE_URL: NO_DATABASE }] as Record<string, string>[]) {
    const result = await run(["token", "--sub", "demo-user"], env);
    t.equal(result.status, 1);
    t.match(result.err[0], /JWT_SECRET is not set/);
    t.same(result.out, [], "nothing on stdout, so $(lobby token) is empty");
  }
  const short = await run(["token", "--sub", "demo-user"], { JWT_SECRET: "short" });
  t.equal(short.status, 1);
  t.match(short.err[0], /^lobby token: JWT_SECRET must be at least 32 bytes/);
  t.notOk(short.err.join("").includes("short\""), "the secret is not repeated");
});

t.test("token checks its options", async (t) => {
  const cases: [string[], RegExp][] = [
    [[], /--sub <user>/],
    [["--sub", "a", "--sub", "b"], /--sub <user>/],
    [["--sub", "bad\nuser"], /control characters/],
    [["--sub", "x".repeat(257)], /1-256 characters/],
    [["--sub", "u1", "--ttl", "1w"], /--ttl must be a time/],
    [["--sub", "u1", "--ttl", "0"], /--ttl must be a time/],
    [["--sub", "u1", "--ttl", "367d"], /--ttl must be a time/],
    [["--sub", "u1", "--alg", "RS256"], /--alg must be one of HS256, HS384, HS512/],
    [["--sub", "u1", "--claim", "novalue"], /name=value or name:=json/],
    [["--sub", "u1", "--claim", "=x"], /name=value or name:=json/],
    [["--sub", "u1", "--claim", "n:={"], /n:= wants a JSON value/],
  ];
  for (const [args, message] of cases) {
    const result = await run(["token", ...args], { JWT_SECRET: SECRET });
    t.equal(result.status, 2, args.join(" "));
    t.match(result.err[0], message);
  }
});

t.test("token prints a token the configured server accepts", async (t) => {
  const verify = createVerifier({ keys: await secretKeys(SECRET) });
  const plain = await run(["token", "--sub", "demo-user"], { JWT_SECRET: SECRET });
  t.equal(plain.status, 0);
  t.same(plain.err, []);
  t.equal(plain.out.length, 1);
  const { header, claims } = claimsOf(plain.out[0]!);
  t.same(header, { alg: "HS256", typ: "JWT" });
  t.same(claims, { sub: "demo-user", iat: NOW / 1000, exp: NOW / 1000 + 3600 });
  t.match(await verify(plain.out[0]!, NOW), { ok: true, principal: { userId: "demo-user", clientHash: null, claims } });

  for (const [ttl, seconds] of [["90s", 90], ["15m", 900], ["2h", 7200], ["7d", 604800], ["45", 45]] as const) {
    const result = await run(["token", `--sub=u1`, `--ttl=${ttl}`], { JWT_SECRET: SECRET });
    t.equal(claimsOf(result.out[0]!).claims.exp, NOW / 1000 + seconds, `--ttl ${ttl}`);
  }
  for (const alg of ["HS384", "HS512"]) {
    const result = await run(["token", "--sub", "u1", "--alg", alg], { JWT_SECRET: SECRET });
    t.equal(claimsOf(result.out[0]!).header.alg, alg);
    t.equal((await verify(result.out[0]!, NOW)).ok, true, `${alg} verifies`);
  }

  // Issuer, audience, type and claim names from the environment, as the server checks them.
  const env = {
    JWT_SECRET: SECRET,
    JWT_ISSUER: "https://id.example.com,https://old.example.com",
    JWT_AUDIENCE: "workspaces",
    JWT_TYPE: "at+jwt",
    JWT_SUBJECT_CLAIM: "uid",
    DATABASE_URL: NO_DATABASE,
  };
  const shaped = await run(
    ["token", "--sub", "alice", "--claim", "chash=device-1", "--claim", "scope=a b", "--claim", "roles:=[\"x\"]", "--claim", "n:=1"],
    env,
  );
  t.equal(shaped.status, 0);
  const token = claimsOf(shaped.out[0]!);
  t.same(token.header, { alg: "HS256", typ: "at+jwt" });
  t.same(token.claims, {
    uid: "alice", iat: NOW / 1000, exp: NOW / 1000 + 3600, iss: "https://id.example.com", aud: "workspaces",
    chash: "device-1", scope: "a b", roles: ["x"], n: 1,
  });
  const app = await createStandaloneApp(configFromEnvironment(env), { now: () => NOW, log: () => {} });
  t.teardown(() => app.close());
  const asked = (headers: Record<string, string>) =>
    app.handler(new Request("http://lobby.test/api/v1/workspaces?x", { headers: { authorization: `Bearer ${shaped.out[0]}`, ...headers } }));
  const refused = await asked({ "x-client-hash": "device-1" });
  t.equal(refused.status, 400, "past authentication: the query parameter is what is refused");
  t.equal((await asked({})).status, 401, "the chash claim binds the token to X-Client-Hash");

  const expired = await run(["token", "--sub", "u1", "--claim", "exp:=0"], { JWT_SECRET: SECRET });
  t.same(await verify(expired.out[0]!, NOW), { ok: false, reason: "expired" }, "claims override, for testing refusals");
});

t.test("signToken signs with each HMAC algorithm", async (t) => {
  const verify = createVerifier({ keys: await secretKeys(SECRET) });
  for (const alg of ["HS256", "HS384", "HS512"] as const) {
    const token = await signToken(SECRET, { sub: "u1", exp: NOW / 1000 + 60 }, { alg });
    t.equal((await verify(token, NOW)).ok, true, alg);
  }
  t.same(claimsOf(await signToken(SECRET, {})).header, { alg: "HS256", typ: "JWT" });
});

t.test("openapi prints the document", async (t) => {
  const result = await run(["openapi"]);
  t.equal(result.status, 0);
  const document = JSON.parse(result.out.join("\n"));
  t.equal(document.openapi, "3.1.0");
  t.equal(document.info.version, VERSION);
});

t.test("migrate needs a database URL it can reach", async (t) => {
  const missing = await run(["migrate"]);
  t.equal(missing.status, 1);
  t.match(missing.err[0], /DATABASE_URL is not set/);
  const malformed = await run(["migrate"], { DATABASE_URL: "postgres://app:pa#ss@db/lobby" });
  t.equal(malformed.status, 1);
  t.equal(malformed.err[0], "lobby migrate: DATABASE_URL has a # (write it as %23 in a password)");
  const down = await run(["migrate"], { DATABASE_URL: "postgres://lobby:hunter2@127.0.0.1:1/none" });
  t.equal(down.status, 1);
  t.match(down.err[0], /^lobby migrate: Postgres at postgres:\/\/lobby:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
  t.notOk(down.err.join("").includes("hunter2"), "the password is never printed");
  // DATABASE_MIGRATION_URL, when set, is the one migrated (a direct session beside a pooler).
  const direct = await run(["migrate"], { DATABASE_URL: "postgres://app@pooler:6432/app", DATABASE_MIGRATION_URL: "postgres://owner:pa#ss@db/app" });
  t.equal(direct.err[0], "lobby migrate: DATABASE_MIGRATION_URL has a # (write it as %23 in a password)");
  const directDown = await run(["migrate"], { DATABASE_URL: "postgres://app@pooler:6432/app", DATABASE_MIGRATION_URL: "postgres://owner@127.0.0.1:1/app" });
  t.match(directDown.err[0], /^lobby migrate: Postgres at postgres:\/\/owner@127\.0\.0\.1:1\/app: /);
});

t.test("migrate applies the schema, then check finds it", async (t) => {
  const db = await testDatabase(t);
  if (db === undefined) return;
  const env = { DATABASE_URL: db.url, JWT_SECRET: SECRET };
  const before = await run(["check"], env);
  t.equal(before.status, 0);
  t.match(before.out[1], /^ok {4}database: Postgres \S+ at .* answers; lobby's schema is not there yet/);

  const first = await run(["migrate"], { DATABASE_URL: db.url });
  t.equal(first.status, 0, first.err.join("\n"));
  t.match(first.out[0], /^lobby migrate: lobby's schema and read model are in place on Postgres at /);
  t.same(await db.sql`SELECT to_regclass('lobby_listing')::text AS model`, [{ model: "lobby_listing" }]);
  t.equal((await run(["migrate"], { DATABASE_URL: db.url })).status, 0, "again: nothing to do, still 0");

  const after = await run(["check"], env);
  t.equal(after.status, 0);
  t.same(after.out.map((line) => line.replace(/Postgres \S+ at \S+/, "Postgres at …")), [
    "ok    configuration: listens on 127.0.0.1:8080, keys from JWT_SECRET",
    "ok    database: Postgres at … answers; lobby's schema is in place",
    "ok    JWT_SECRET: keys for HS256, HS384, HS512",
  ]);

  // An older lobby's schema (the read model without its page index) is told apart, and migrate brings it up to date.
  await db.sql.unsafe("DROP INDEX lobby_listing_page");
  const older = await run(["check"], env);
  t.match(older.out[1], /^ok {4}database: Postgres \S+ at .* answers; lobby's schema is an older lobby's \(lobby migrate/);
  t.equal((await run(["migrate"], { DATABASE_URL: db.url })).status, 0);
  t.match((await run(["check"], env)).out[1], /lobby's schema is in place$/);
});

/** A JWKS issuer on 127.0.0.1 answering `status` and `body` on every path. */
async function issuer(t: Test, status: number, body: unknown): Promise<string> {
  const server: Server = createServer((_, response) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/jwks.json?tenant=a`;
}

t.test("check prints one line per part and fails when one fails", async (t) => {
  const es256 = await generateTestKey("ES256", { kid: "es-1" });
  const ed25519 = await generateTestKey("EdDSA", { kid: "ed-1" });
  const good = await issuer(t, 200, jwks(ed25519));
  const withOct = await issuer(t, 200, { keys: [...jwks(ed25519).keys, { kty: "oct", k: "c2VjcmV0", alg: "HS256" }] });
  const missing = await issuer(t, 404, { error: "not here" });

  const demo = await run(["check"], { LOBBY_DATA_DIR: "memory://" });
  t.same(demo, {
    status: 0,
    out: [
      "ok    configuration: listens on 127.0.0.1:8080, demo mode (no key and no DATABASE_URL)",
      "ok    database: embedded PGlite in memory:// (no DATABASE_URL: nothing to reach)",
      "ok    keys: none configured: demo mode makes a random secret at every start",
    ],
    err: [],
  });

  const all = await run(["check"], {
    PORT: "9000",
    JWT_SECRET: SECRET,
    JWT_PUBLIC_KEY: es256.pem,
    JWT_JWKS: JSON.stringify(jwks(ed25519)),
    JWT_JWKS_URL: good,
  });
  t.same(all.out, [
    "ok    configuration: listens on 127.0.0.1:9000, keys from JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS, JWT_JWKS_URL",
    "ok    database: embedded PGlite in .lobby/pglite (no DATABASE_URL: nothing to reach)",
    "ok    JWT_SECRET: keys for HS256, HS384, HS512",
    "ok    JWT_PUBLIC_KEY: keys for ES256",
    "ok    JWT_JWKS: keys for EdDSA",
    `ok    JWT_JWKS_URL: ${good.replace("?tenant=a", "")} answers with a usable JWK Set`,
  ]);
  t.equal(all.status, 0);

  const skipped = await run(["check"], { JWT_JWKS_URL: withOct });
  t.equal(skipped.status, 0);
  t.match(skipped.out.at(-1), /answers with a usable JWK Set \(jwks_key_skipped \(1\)\)$/);

  const failing = await run(["check"], {
    DATABASE_URL: "postgres://lobby:hunter2@127.0.0.1:1/none",
    JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
    JWT_JWKS_URL: missing,
  });
  t.equal(failing.status, 1);
  t.match(failing.out[1], /^FAIL {2}database: Postgres at postgres:\/\/lobby:\*\*\*@127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
  t.match(failing.out[2], /^FAIL {2}JWT_PUBLIC_KEY: /);
  t.match(failing.out[3], /^FAIL {2}JWT_JWKS_URL: http:\/\/127\.0\.0\.1:\d+\/jwks\.json: jwks_http_error \(404\)$/);
  t.notOk(failing.out.join("").includes("hunter2"));

  const unreachable = await run(["check"], { JWT_JWKS_URL: "http://127.0.0.1:1/jwks.json" });
  t.equal(unreachable.status, 1);
  t.match(unreachable.out.at(-1), /^FAIL {2}JWT_JWKS_URL: http:\/\/127\.0\.0\.1:1\/jwks\.json: jwks_unreachable$/);

  const invalid = await run(["check"], { PORT: "http", JWT_SECRET: "short" });
  t.equal(invalid.status, 1);
  t.same(invalid.out.map((line) => line.slice(0, 30)), ["FAIL  configuration: PORT must", "FAIL  configuration: JWT_SECRE"]);
});
