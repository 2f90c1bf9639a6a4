import t from "tap";
import { ConfigError, configFromEnvironment } from "../lib/config.ts";

t.test("configFromEnvironment: defaults with an empty environment", async (t) => {
  t.same(configFromEnvironment({}), {
    port: 8080,
    host: "127.0.0.1",
    databaseUrl: undefined,
    dataDir: ".lobby/pglite",
    secret: undefined,
    issuer: undefined,
    audience: undefined,
    clockSkewSeconds: 30,
    subjectClaim: "sub",
    clientHashClaim: "chash",
  });
});

t.test("configFromEnvironment: reads every variable", async (t) => {
  const config = configFromEnvironment({
    PORT: "0",
    HOST: "::1",
    DATABASE_URL: "postgresql://u:p@db:5432/app",
    LOBBY_DATA_DIR: "/var/lib/lobby",
    JWT_SECRET: "s",
    JWT_ISSUER: "https://a.example, https://b.example ,",
    JWT_AUDIENCE: "workspaces",
    JWT_CLOCK_SKEW: "0",
    JWT_SUBJECT_CLAIM: "uid",
    JWT_CLIENT_HASH_CLAIM: "cnf_hash",
    UNRELATED: "ignored",
  });
  t.same(config, {
    port: 0,
    host: "::1",
    databaseUrl: "postgresql://u:p@db:5432/app",
    dataDir: "/var/lib/lobby",
    secret: "s",
    issuer: ["https://a.example", "https://b.example"],
    audience: ["workspaces"],
    clockSkewSeconds: 0,
    subjectClaim: "uid",
    clientHashClaim: "cnf_hash",
  });
});

t.test("configFromEnvironment: empty variables count as unset", async (t) => {
  const config = configFromEnvironment({ PORT: "", JWT_SECRET: "", DATABASE_URL: "" });
  t.equal(config.port, 8080);
  t.equal(config.secret, undefined);
  t.equal(config.databaseUrl, undefined);
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
      JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----",
    })
  ) as ConfigError;
  t.ok(error instanceof ConfigError);
  const lines = error.problems;
  t.match(lines.find((l) => l.startsWith("PORT")), /^PORT must be an integer from 0 to 65535 \(got "80a"\)$/);
  t.match(lines.find((l) => l.startsWith("HOST")), /^HOST must be a host name or IP address/);
  t.match(lines.find((l) => l.startsWith("DATABASE_URL")), /^DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL$/);
  t.match(lines.find((l) => l.startsWith("JWT_CLOCK_SKEW")), /integer from 0 to 3600/);
  t.match(lines.find((l) => l.startsWith("JWT_ISSUER")), /at least one value/);
  t.match(lines.find((l) => l.startsWith("JWT_SUBJECT_CLAIM")), /visible ASCII/);
  t.match(lines.find((l) => l.startsWith("JWT_PUBLIC_KEY")), /not supported yet/);
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
