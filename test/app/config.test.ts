import t from "tap";
import { ConfigError, configFromEnvironment } from "../../lib/app/config.ts";
import { createStandaloneApp } from "../../lib/app/app.ts";
import type { HandlerEvent } from "../../lib/handler/handler.ts";
import { generateTestKey, jwks, signToken } from "../_tokens.ts";

const es256 = await generateTestKey("ES256", { kid: "es-1" });
const ed25519 = await generateTestKey("EdDSA", { kid: "ed-1" });
const rs256 = await generateTestKey("RS256", { kid: "rs-1" });
const ES256_PEM = es256.pem;
const JWKS_TEXT = JSON.stringify(jwks(ed25519, rs256));
// A Postgres URL nobody listens on: postgres.js connects lazily, and these
// requests are all refused before the database.
const NO_DATABASE = "postgres://lobby@127.0.0.1:1/none";

t.test("configFromEnvironment: defaults with an empty environment", async (t) => {
  t.same(configFromEnvironment({}), {
    port: 8080,
    host: "127.0.0.1",
    databaseUrl: undefined,
    demo: true,
    dataDir: ".lobby/pglite",
    secret: undefined,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    subjectClaim: "sub",
    clientHashClaim: "chash",
    publicKey: undefined,
    publicKeyAlg: undefined,
    jwks: undefined,
    jwksUrl: undefined,
    jwksMinAgeSeconds: 60,
    jwksMaxAgeSeconds: 86400,
    jwksCooldownSeconds: 30,
    type: undefined,
    maxAgeSeconds: undefined,
    shutdownTimeoutSeconds: 10,
    headersTimeoutSeconds: 10,
    requestTimeoutSeconds: 30,
    maxConnections: 1024,
    logFormat: undefined,
    logLevel: "info",
    metrics: false,
    corsOrigins: undefined,
    corsCredentials: false,
    corsMaxAgeSeconds: 600,
    migrationUrl: undefined,
    readUrls: undefined,
    readMaxLagSeconds: 5,
    migrate: true,
    listingCacheEntries: 10000,
    listingCacheBytes: 33554432,
  });
});

t.test("configFromEnvironment: reads every variable", async (t) => {
  const config = configFromEnvironment({
    PORT: "0",
    HOST: "::1",
    DATABASE_URL: "postgresql://u:p@db:5432/app",
    LOBBY_DATA_DIR: "/var/lib/lobby",
    JWT_SECRET: "s".repeat(32),
    JWT_ISSUER: "https://a.example, https://b.example ,",
    JWT_AUDIENCE: "workspaces",
    JWT_CLOCK_SKEW: "0",
    JWT_SUBJECT_CLAIM: "uid",
    JWT_CLIENT_HASH_CLAIM: "cnf_hash",
    JWT_PUBLIC_KEY: ES256_PEM,
    JWT_PUBLIC_KEY_ALG: "ES256",
    JWT_JWKS: JWKS_TEXT,
    JWT_JWKS_URL: "https://id.example/.well-known/jwks.json",
    JWT_JWKS_MIN_AGE: "10",
    JWT_JWKS_MAX_AGE: "3600",
    JWT_JWKS_COOLDOWN: "5",
    JWT_TYPE: "at+jwt",
    JWT_MAX_AGE: "900",
    SHUTDOWN_TIMEOUT: "3",
    HTTP_HEADERS_TIMEOUT: "4",
    HTTP_REQUEST_TIMEOUT: "20",
    HTTP_MAX_CONNECTIONS: "64",
    LOG_FORMAT: "json",
    LOG_LEVEL: "debug",
    METRICS: "1",
    CORS_ORIGINS: "https://app.example, http://localhost:5173",
    CORS_CREDENTIALS: "1",
    CORS_MAX_AGE: "60",
    DATABASE_MIGRATION_URL: "postgresql://u:p@db-primary:5432/app",
    DATABASE_READ_URL: "postgresql://u:p@db-replica:5432/app",
    DATABASE_READ_MAX_LAG: "2.5",
    LOBBY_MIGRATE: "0",
    LISTING_CACHE_ENTRIES: "500",
    LISTING_CACHE_BYTES: "1048576",
    UNRELATED: "ignored",
  });
  t.match(config.databaseUrl, { hosts: ["db"], ports: [5432], user: "u", password: "p", database: "app", redacted: "postgresql://u:***@db:5432/app" });
  t.match(config.migrationUrl, { hosts: ["db-primary"] });
  t.match(config.readUrls, [{ hosts: ["db-replica"] }]);
  t.same({ ...config, databaseUrl: "(checked above)", migrationUrl: "(checked above)", readUrls: "(checked above)" }, {
    port: 0,
    host: "::1",
    databaseUrl: "(checked above)",
    demo: false,
    dataDir: "/var/lib/lobby",
    secret: "s".repeat(32),
    issuer: ["https://a.example", "https://b.example"],
    audience: ["workspaces"],
    clockSkewSeconds: 0,
    subjectClaim: "uid",
    clientHashClaim: "cnf_hash",
    publicKey: ES256_PEM,
    publicKeyAlg: "ES256",
    jwks: JWKS_TEXT,
    jwksUrl: "https://id.example/.well-known/jwks.json",
    jwksMinAgeSeconds: 10,
    jwksMaxAgeSeconds: 3600,
    jwksCooldownSeconds: 5,
    type: "at+jwt",
    maxAgeSeconds: 900,
    shutdownTimeoutSeconds: 3,
    headersTimeoutSeconds: 4,
    requestTimeoutSeconds: 20,
    maxConnections: 64,
    logFormat: "json",
    logLevel: "debug",
    metrics: true,
    corsOrigins: ["https://app.example", "http://localhost:5173"],
    corsCredentials: true,
    corsMaxAgeSeconds: 60,
    migrationUrl: "(checked above)",
    readUrls: "(checked above)",
    readMaxLagSeconds: 2.5,
    migrate: false,
    listingCacheEntries: 500,
    listingCacheBytes: 1048576,
  });
});

t.test("configFromEnvironment: an empty variable is a mistake, never unset", async (t) => {
  const error = t.throws(() => configFromEnvironment({ PORT: "", JWT_SECRET: "", DATABASE_URL: "" })) as ConfigError;
  t.strictSame(error.lines, [
    "PORT is empty: unset it, or give it a value",
    "DATABASE_URL is empty: unset it, or give it a value",
    "JWT_SECRET is empty: unset it, or give it a value",
  ]);
});

t.test("LOBBY_MIGRATE=0: serving applies no schema, so it needs no right to create anything", async (t) => {
  t.throws(() => configFromEnvironment({ LOBBY_MIGRATE: "off" }), /LOBBY_MIGRATE must be 0 or 1/);
  // A server on a database without lobby's schema: with migrations off it must not create it.
  const { testDatabase } = await import("../_postgres.ts");
  const db = await testDatabase(t);
  if (db === undefined) return;
  const app = await createStandaloneApp(configFromEnvironment({ DATABASE_URL: db.url, JWT_SECRET: "x".repeat(32), LOBBY_MIGRATE: "0" }), {
    now: Date.now,
    log: () => {},
  });
  t.teardown(() => app.close());
  const token = await signToken({ secret: "x".repeat(32), payload: { sub: "u", exp: NOW_S + 300 } });
  const response = await app.handler(new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${token}` } }));
  t.equal(response.status, 500, "no schema, and none created: an error, not a migration");
  const tables = await db.sql`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'lobby_listing'`;
  t.equal(tables[0]!.n, 0, "lobby_listing was not created");
});

t.test("configFromEnvironment: HMAC secrets of fewer than 32 bytes are refused", async (t) => {
  t.throws(() => configFromEnvironment({ JWT_SECRET: "a" }), /JWT_SECRET must be at least 32 bytes/);
  t.throws(() => configFromEnvironment({ JWT_SECRET: "x".repeat(31) }), /JWT_SECRET must be at least 32 bytes/);
  t.equal(configFromEnvironment({ JWT_SECRET: "x".repeat(32) }).secret, "x".repeat(32));
  t.equal(configFromEnvironment({ JWT_SECRET: "é".repeat(16) }).secret?.length, 16, "bytes, not characters");
  const error = t.throws(() => configFromEnvironment({ JWT_SECRET: "hunter2" })) as ConfigError;
  t.notOk(error.message.includes("hunter2"), "the secret is never shown");
});

t.test("configFromEnvironment: demo mode only with no key and no DATABASE_URL", async (t) => {
  t.equal(configFromEnvironment({}).demo, true);
  t.equal(configFromEnvironment({ JWT_SECRET: "x".repeat(32) }).demo, false, "a key ends demo mode");
  const error = t.throws(() => configFromEnvironment({ DATABASE_URL: "postgres://app:hunter2@db/app" })) as ConfigError;
  t.equal(error.lines.length, 1);
  t.match(error.lines[0], /^JWT_SECRET or another key is needed with DATABASE_URL: set JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS or JWT_JWKS_URL/);
  t.notOk(error.message.includes("hunter2"));
  t.equal(configFromEnvironment({ DATABASE_URL: "postgres://db/app", JWT_JWKS_URL: "https://id.example/jwks" }).demo, false);
});

t.test("configFromEnvironment: DATABASE_URL is read by lobby, and no message shows its password", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["postgres://app:pa#ss@db:5432/app", /^DATABASE_URL has a # \(write it as %23 in a password\)$/],
    ["postgres://app:hunter2@db:54x32/app", /^DATABASE_URL has a host that is not a name/],
    ["postgres://app:hunter2@db:99999/app", /^DATABASE_URL has a port outside 1-65535$/],
    ["postgres://app:100%hunter2@db/app", /^DATABASE_URL has a % in the password that is not followed by two hex digits/],
    ["postgres://app:hunter2@db/app?sslmode=sometimes", /^DATABASE_URL has sslmode=sometimes/],
    ["postgres://app:hunter2@db/app?password=hunter2", /^DATABASE_URL has a parameter lobby does not know \(password\)/],
    ["postgres://app:hunter2@/app", /^DATABASE_URL has no host$/],
    ["mysql://root:hunter2@db/app", /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/],
    ["postgres://app:hunter2@db/a/b", /^DATABASE_URL has a database name that is not one path segment$/],
  ];
  for (const [url, message] of cases) {
    const error = t.throws(() => configFromEnvironment({ DATABASE_URL: url, JWT_SECRET: "x".repeat(32) }), url) as ConfigError;
    t.equal(error.lines.length, 1, url);
    t.match(error.lines[0], message, url);
    t.notOk(error.message.includes("hunter2"), `${url}: the password is never shown`);
  }
  const parsed = configFromEnvironment({
    DATABASE_URL: "postgresql://app:s%23cret%25@[::1]:6432,db2/lobby?sslmode=require&application_name=lobby-a&prepare=false",
    JWT_SECRET: "x".repeat(32),
  }).databaseUrl!;
  t.strictSame(parsed.hosts, ["::1", "db2"]);
  t.strictSame(parsed.ports, [6432, 5432]);
  t.equal(parsed.password, "s#cret%");
  t.equal(parsed.prepare, false);
  t.equal(parsed.redacted, "postgresql://app:***@[::1]:6432,db2/lobby");
});

t.test("configFromEnvironment: names every bad variable, never echoes a secret", async (t) => {
  const error = t.throws(() =>
    configFromEnvironment({
      PORT: "80a",
      HOST: "bad host",
      DATABASE_URL: "mysql://root:hunter2@db/app",
      JWT_CLOCK_SKEW: "3601",
      JWT_ISSUER: " , ",
      JWT_SUBJECT_CLAIM: "has space",
      JWT_SECRET: "hunter2",
    })
  ) as ConfigError;
  t.ok(error instanceof ConfigError);
  const lines = error.lines;
  t.match(lines.find((l) => l.startsWith("PORT")), /^PORT must be an integer from 0 to 65535 \(got "80a"\)$/);
  t.match(lines.find((l) => l.startsWith("HOST")), /^HOST must be a host name or IP address/);
  t.match(lines.find((l) => l.startsWith("DATABASE_URL")), /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/);
  t.match(lines.find((l) => l.startsWith("JWT_CLOCK_SKEW")), /integer from 0 to 3600/);
  t.match(lines.find((l) => l.startsWith("JWT_ISSUER")), /at least one value/);
  t.match(lines.find((l) => l.startsWith("JWT_SUBJECT_CLAIM")), /visible ASCII/);
  t.match(lines.find((l) => l.startsWith("JWT_SECRET")), /^JWT_SECRET must be at least 32 bytes/);
  t.equal(lines.length, 7);
  t.notOk(error.message.includes("hunter2"), "a database password is never shown");
  t.match(error.message, /^Invalid configuration:\n {2}- /);
});

t.test("configFromEnvironment: port bounds", async (t) => {
  t.equal(configFromEnvironment({ PORT: "65535" }).port, 65535);
  t.throws(() => configFromEnvironment({ PORT: "65536" }), /PORT must be an integer from 0 to 65535/);
  t.throws(() => configFromEnvironment({ PORT: "-1" }), /PORT/);
  t.throws(() => configFromEnvironment({ PORT: "1e3" }), /PORT/);
});

// Keys are imported once, by the app: what is wrong with one is found there,
// as a ConfigError naming its variable.
async function keyLines(env: Record<string, string>): Promise<readonly string[]> {
  try {
    const app = await createStandaloneApp(configFromEnvironment({ DATABASE_URL: NO_DATABASE, ...env }), { now: Date.now, log: () => {} });
    await app.close();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.lines;
  }
}

t.test("JWT_PUBLIC_KEY and JWT_PUBLIC_KEY_ALG", async (t) => {
  t.equal(configFromEnvironment({ JWT_PUBLIC_KEY: ES256_PEM }).publicKeyAlg, undefined, "EC: the algorithm is derived later");
  t.equal(configFromEnvironment({ JWT_PUBLIC_KEY: rs256.pem, JWT_PUBLIC_KEY_ALG: "PS256" }).publicKeyAlg, "PS256");
  const escaped = ES256_PEM.replace(/\n/g, "\\n");
  t.equal(configFromEnvironment({ JWT_PUBLIC_KEY: escaped }).publicKey, escaped, "a one-line PEM with \\n is accepted");
  t.strictSame(await keyLines({ JWT_PUBLIC_KEY: escaped }), [], "and imports");
  const body = rs256.pem.split("\n")[1]!.slice(0, 24);
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ JWT_PUBLIC_KEY: rs256.pem }, /^JWT_PUBLIC_KEY \(with JWT_PUBLIC_KEY_ALG\) is not usable: the PEM text holds an RSA key: its algorithm must be given/],
    [{ JWT_PUBLIC_KEY: rs256.pem, JWT_PUBLIC_KEY_ALG: "ES256" }, /^JWT_PUBLIC_KEY \(with JWT_PUBLIC_KEY_ALG\) is not usable: the PEM text holds an RSA key, which cannot verify ES256$/],
    [{ JWT_PUBLIC_KEY: ES256_PEM, JWT_PUBLIC_KEY_ALG: "ES384" }, /^JWT_PUBLIC_KEY \(with JWT_PUBLIC_KEY_ALG\) is not usable: the PEM text holds an EC P-256 key, which verifies ES256, not ES384$/],
    [{ JWT_PUBLIC_KEY: rs256.pem.replace(/PUBLIC KEY/g, "PRIVATE KEY") }, /^JWT_PUBLIC_KEY is not usable: the PEM text holds a private key/],
    [{ JWT_PUBLIC_KEY: body }, /^JWT_PUBLIC_KEY is not usable: the PEM text must contain a -----BEGIN PUBLIC KEY----- block$/],
  ];
  for (const [env, message] of cases) {
    const lines = await keyLines(env);
    t.equal(lines.length, 1, JSON.stringify(Object.keys(env)));
    t.match(lines[0], message);
    t.notOk(lines.join("\n").includes(body), "the key is never echoed");
  }
  const formats: Array<[Record<string, string>, RegExp]> = [
    [{ JWT_PUBLIC_KEY: ES256_PEM, JWT_PUBLIC_KEY_ALG: "HS256" }, /^JWT_PUBLIC_KEY_ALG must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA \(got "HS256"\)$/],
    [{ JWT_PUBLIC_KEY_ALG: "RS256" }, /^JWT_PUBLIC_KEY_ALG is set without JWT_PUBLIC_KEY$/],
  ];
  for (const [env, message] of formats) {
    const error = t.throws(() => configFromEnvironment(env)) as ConfigError;
    t.equal(error.lines.length, 1, JSON.stringify(Object.keys(env)));
    t.match(error.lines[0], message);
  }
});

t.test("JWT_JWKS is imported once, by the app", async (t) => {
  const cases: Array<[string, RegExp]> = [
    ["{not json", /^JWT_JWKS is not usable: the JWK Set is not valid JSON$/],
    ["[]", /^JWT_JWKS is not usable: a JWK Set must be a JSON object with a keys array$/],
    ["null", /^JWT_JWKS is not usable: a JWK Set must be a JSON object with a keys array$/],
    ['{"keys":{}}', /^JWT_JWKS is not usable: a JWK Set must be a JSON object with a keys array$/],
    ['{"keys":[{"kty":"oct","k":"c2VjcmV0LXNlY3JldA"}]}', /^JWT_JWKS is not usable: the JWK Set has no usable public signature key/],
  ];
  for (const [jwks, message] of cases) {
    const lines = await keyLines({ JWT_JWKS: jwks });
    t.equal(lines.length, 1, jwks);
    t.match(lines[0], message);
  }
  const mixed = JSON.stringify({ keys: [{ kty: "oct", k: "c2VjcmV0" }, ed25519.jwk] });
  t.strictSame(await keyLines({ JWT_JWKS: mixed }), [], "unusable entries beside a usable one are fine");
  t.strictSame(
    await keyLines({ JWT_JWKS: "[]", JWT_PUBLIC_KEY: rs256.pem }),
    [
      "JWT_PUBLIC_KEY (with JWT_PUBLIC_KEY_ALG) is not usable: the PEM text holds an RSA key: its algorithm must be given (RS256…PS512)",
      "JWT_JWKS is not usable: a JWK Set must be a JSON object with a keys array",
    ],
    "every key problem is listed at once",
  );
});

t.test("configFromEnvironment: JWT_JWKS_URL and the JWKS cache bounds", async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ JWT_JWKS_URL: "http://id.example/jwks?token=hunter2" }, /^JWT_JWKS_URL must be an https:\/\/ URL \(http:\/\/ only for localhost\)$/],
    [{ JWT_JWKS_URL: "id.example/jwks" }, /^JWT_JWKS_URL must be an https:\/\/ URL/],
    [{ JWT_JWKS_MIN_AGE: "600", JWT_JWKS_MAX_AGE: "60" }, /^JWT_JWKS_MAX_AGE must not be below JWT_JWKS_MIN_AGE$/],
    [{ JWT_JWKS_COOLDOWN: "3601" }, /^JWT_JWKS_COOLDOWN must be an integer from 0 to 3600 \(got "3601"\)$/],
    [{ JWT_JWKS_MAX_AGE: "604801" }, /^JWT_JWKS_MAX_AGE must be an integer from 0 to 604800/],
    [{ JWT_TYPE: "at jwt" }, /^JWT_TYPE must be 1-128 visible ASCII characters/],
    [{ JWT_MAX_AGE: "0" }, /^JWT_MAX_AGE must be an integer from 1 to 31536000/],
  ];
  for (const [env, message] of cases) {
    const error = t.throws(() => configFromEnvironment(env)) as ConfigError;
    t.equal(error.lines.length, 1, JSON.stringify(env).slice(0, 60));
    t.match(error.lines[0], message);
    t.notOk(error.message.includes("hunter2"), "a URL (it may carry credentials) is never echoed");
  }
  t.equal(configFromEnvironment({ JWT_JWKS_URL: "http://127.0.0.1:9999/jwks" }).jwksUrl, "http://127.0.0.1:9999/jwks", "http on loopback");
});

t.test("configFromEnvironment: LISTING_CACHE_ENTRIES and LISTING_CACHE_BYTES, 0 for off", async (t) => {
  for (const [env, message] of [
    [{ LISTING_CACHE_ENTRIES: "1000001" }, /^LISTING_CACHE_ENTRIES must be an integer from 0 to 1000000 \(got "1000001"\)$/],
    [{ LISTING_CACHE_ENTRIES: "-1" }, /^LISTING_CACHE_ENTRIES must be an integer from 0 to 1000000/],
    [{ LISTING_CACHE_BYTES: "32MB" }, /^LISTING_CACHE_BYTES must be an integer from 0 to 1000000000000 \(got "32MB"\)$/],
    [{ LISTING_CACHE_BYTES: "1000000000001" }, /^LISTING_CACHE_BYTES must be an integer from 0 to 1000000000000/],
  ] as const) {
    const error = t.throws(() => configFromEnvironment(env)) as ConfigError;
    t.match(error.lines, [message]);
  }
  const off = configFromEnvironment({ LISTING_CACHE_ENTRIES: "0", LISTING_CACHE_BYTES: "0" });
  t.strictSame([off.listingCacheEntries, off.listingCacheBytes], [0, 0]);
});

const NOW_S = Math.floor(Date.now() / 1000);

t.test("createStandaloneApp uses every configured key source at once, and no demo mode", async (t) => {
  const events: HandlerEvent[] = [];
  const problems: HandlerEvent[] = [];
  const app = await createStandaloneApp(
    configFromEnvironment({
      DATABASE_URL: NO_DATABASE,
      JWT_SECRET: "standalone-secret-standalone-secret",
      JWT_PUBLIC_KEY: ES256_PEM,
      JWT_JWKS: JWKS_TEXT,
      JWT_JWKS_URL: "http://127.0.0.1:1/jwks.json",
      JWT_TYPE: "at+jwt",
      JWT_MAX_AGE: "600",
    }),
    { now: () => Date.now(), log: (event) => void (event.event === "key_source_problem" ? problems : events).push(event) },
  );
  t.teardown(() => app.close());
  t.equal(app.demo, undefined, "keys are configured: no demo mode");
  const claims = { sub: "nobody", iat: NOW_S, exp: NOW_S + 300 };
  const header = { typ: "at+jwt" };
  const tokens = {
    HS256: await signToken({ secret: "standalone-secret-standalone-secret", header, payload: claims }),
    ES256: await signToken({ key: { ...es256, kid: undefined }, header, payload: claims }),
    EdDSA: await signToken({ key: ed25519, header: { ...header, kid: "ed-1" }, payload: claims }),
    RS256: await signToken({ key: rs256, header: { ...header, kid: "rs-1" }, payload: claims }),
  };
  for (const [alg, token] of Object.entries(tokens)) {
    const tampered = token.slice(0, token.indexOf(".") + 1) + token.slice(token.indexOf(".") + 2, -3) + "AAA";
    events.length = 0;
    const response = await app.handler(new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${tampered}` } }));
    t.equal(response.status, 401, `${alg}: tampered is refused`);
    t.ok(events.some((e) => e.event === "auth_rejected"), `${alg}: and logged`);
  }
  // The remote JWKS is fetched at start; nobody listens there, and the log says so.
  for (let i = 0; i < 100 && problems.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  t.strictSame(problems, [{ event: "key_source_problem", reason: "jwks_unreachable", source: "http://127.0.0.1:1/jwks.json", level: "warn" }]);
  // The typ pin and max age reach the verifier.
  const wrongType = await signToken({ secret: "standalone-secret-standalone-secret", payload: claims });
  events.length = 0;
  await app.handler(new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${wrongType}` } }));
  t.strictSame(events.map((e) => e.reason), ["wrong_type"]);
  const old = await signToken({ secret: "standalone-secret-standalone-secret", header, payload: { ...claims, iat: NOW_S - 3600 } });
  events.length = 0;
  await app.handler(new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${old}` } }));
  t.strictSame(events.map((e) => e.reason), ["too_old"]);
});

t.test("createStandaloneApp makes a demo token only when no key source is configured", async (t) => {
  // Demo mode needs no DATABASE_URL: the embedded database, in memory here.
  const app = await createStandaloneApp(configFromEnvironment({ LOBBY_DATA_DIR: "memory://", JWT_TYPE: "at+jwt", JWT_MAX_AGE: "600" }), {
    now: () => NOW_S * 1000,
  });
  t.teardown(() => app.close());
  t.equal(app.demo?.userId, "demo-user");
  t.strictSame(app.demo?.others.map((other) => other.userId), ["demo-system-user", "demo-uptimer-user", "demo-empty-user"], "a token for every demo user");
  for (const other of app.demo?.others ?? []) {
    const claims = JSON.parse(atob(other.token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
    t.equal(claims.sub, other.userId);
    const answer = await app.handler(new Request("http://lobby.test/api/v1/workspaces", { headers: { authorization: `Bearer ${other.token}` } }));
    t.equal(answer.status, 200, `${other.userId}'s token is accepted`);
  }
  t.equal(app.demo?.expiresAt, NOW_S + 600, "within JWT_MAX_AGE");
  const header = JSON.parse(atob(app.demo!.token.split(".")[0]!));
  t.strictSame(header, { alg: "HS256", typ: "at+jwt" }, "and with the pinned typ");
  for (const env of [{ JWT_PUBLIC_KEY: ES256_PEM }, { JWT_JWKS: JWKS_TEXT }, { JWT_JWKS_URL: "https://127.0.0.1:1/jwks" }]) {
    const other = await createStandaloneApp(configFromEnvironment({ DATABASE_URL: NO_DATABASE, ...env }), {
      now: () => NOW_S * 1000,
      log: () => {},
    });
    t.equal(other.demo, undefined, `${Object.keys(env)[0]} alone ends demo mode`);
    await other.close();
  }
});

t.test("createStandaloneApp names the variable of a key Web Crypto refuses, without the key", async (t) => {
  // A well-formed SPKI whose EC point is not on the curve passes the configuration check, not the import.
  const broken = Uint8Array.from(es256.spki);
  broken[broken.length - 1]! ^= 0xff;
  const { toPem } = await import("../_tokens.ts");
  const pem = toPem(broken);
  const error = await createStandaloneApp(configFromEnvironment({ DATABASE_URL: NO_DATABASE, JWT_PUBLIC_KEY: pem }), {
    now: () => NOW_S * 1000,
  }).then(() => null, (caught: unknown) => caught as ConfigError);
  t.type(error, ConfigError);
  t.strictSame(error?.lines, ["JWT_PUBLIC_KEY is not usable: Web Crypto refused the ES256 key"]);
  t.notOk(error?.message.includes(pem.split("\n")[1]!.slice(0, 20)));
  const jwksError = await createStandaloneApp(
    configFromEnvironment({ DATABASE_URL: NO_DATABASE, JWT_JWKS: JSON.stringify({ keys: [{ ...es256.jwk, y: es256.jwk.x }] }) }),
    { now: () => NOW_S * 1000 },
  ).then(() => null, (caught: unknown) => caught as ConfigError);
  t.strictSame(jwksError?.lines, ["JWT_JWKS is not usable: the JWK Set has no usable public signature key"]);
});
