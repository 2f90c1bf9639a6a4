/**
 * The peer lobby is measured against: the plain implementation of both
 * dialects' endpoints that a developer would write with a popular stack,
 * and nothing more: the uptimer dialect's `GET /api/v1/workspaces` and the
 * system dialect's `GET /web/v1/system/workspaces/mine`. Hono for routing, `hono/jwt` for the bearer
 * token (HS256), postgres.js with its defaults for the pool, and the plain
 * join of `workspace_members` and `workspaces` for every request; the
 * envelope built as objects and written by `c.json`. Node serves it
 * through `@hono/node-server`, Bun through `Bun.serve`. Prints
 * `listening <port>` once it accepts connections.
 *
 * Environment: `DATABASE_URL` (the `npm run bench:seed` database),
 * `JWT_SECRET` (the tokens' HMAC secret), `PORT` (default 0).
 *
 * It answers what lobby answers for the same rows in English, but for the
 * enum labels of other languages and the odd times lobby writes; the
 * benchmark only asks in English for seeded rows.
 *
 * @module
 */
import { Hono } from "hono";
import { jwt } from "hono/jwt";
import postgres from "postgres";

const { DATABASE_URL: url, JWT_SECRET: secret } = process.env;
if (!url || !secret) throw new Error("DATABASE_URL and JWT_SECRET are required");
const port = Number(process.env.PORT ?? 0);

const sql = postgres(url, { onnotice: () => {} });

const STATUS: Record<number, string> = { 10010701: "ACTIVE", 10010702: "SUSPENDED", 10010703: "ARCHIVED" };
const KIND: Record<number, string> = { 10010801: "LIVE", 10010802: "SANDBOX" };
const iso = (date: Date) => date.toISOString().slice(0, 19) + "Z";

interface Row {
  biz_id: string;
  institution_biz_id: string;
  entity_biz_id: string | null;
  name: string;
  timezone: string;
  status: number;
  kind: number;
  extra_data: string | null;
  created_at: Date;
  updated_at: Date;
}

const app = new Hono();
app.use("/api/v1/*", jwt({ secret, alg: "HS256" }));
app.get("/api/v1/workspaces", async (c) => {
  const { sub } = c.get("jwtPayload") as { sub: string };
  const rows = await sql<{ biz_id: string; name: string; role: string }[]>`
    SELECT w.biz_id, w.name, m.role
    FROM workspace_members AS m
    JOIN workspaces AS w ON w.id = m.workspace_id
    WHERE m.user_id = ${sub} AND w.deleted_at IS NULL
    ORDER BY w.created_at, w.biz_id`;
  return c.json({
    result: rows.map((row) => ({ id: row.biz_id, name: row.name, role: row.role, kind: "workspace" })),
    error: null,
    meta: null,
  });
});

app.use("/web/v1/system/*", jwt({ secret, alg: "HS256" }));
app.get("/web/v1/system/workspaces/mine", async (c) => {
  const { sub } = c.get("jwtPayload") as { sub: string };
  const rows = await sql<Row[]>`
    SELECT w.biz_id, w.institution_biz_id, w.entity_biz_id, w.name, w.timezone, w.status, w.kind, w.extra_data,
      w.created_at, w.updated_at
    FROM workspace_members AS m
    JOIN workspaces AS w ON w.id = m.workspace_id
    WHERE m.user_id = ${sub} AND w.deleted_at IS NULL
    ORDER BY w.created_at, w.biz_id`;
  return c.json({
    version: "1.3.0",
    timestamp: Date.now(),
    success: true,
    code: "2000",
    message: "SUCCESS",
    data: rows.map((row) => ({
      bizId: row.biz_id,
      institutionBizId: row.institution_biz_id,
      entityBizId: row.entity_biz_id,
      workspaceName: row.name,
      workspaceTimezone: row.timezone,
      workspaceStatus: { value: row.status, name: STATUS[row.status] ?? "UNKNOWN", code: STATUS[row.status] ?? "UNKNOWN" },
      workspaceKind: { value: row.kind, name: KIND[row.kind] ?? "UNKNOWN", code: KIND[row.kind] ?? "UNKNOWN" },
      extraData: row.extra_data,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    })),
  });
});

const bun = (globalThis as { Bun?: { serve(options: { port: number; hostname: string; fetch: typeof app.fetch }): { port: number } } }).Bun;
if (bun !== undefined) {
  const server = bun.serve({ port, hostname: "127.0.0.1", fetch: app.fetch });
  console.log(`listening ${server.port}`);
} else {
  // Optional, and imported by a computed name: only the Node bundle needs it.
  const adapter = "@hono/node-server";
  const { serve } = await import(adapter) as {
    serve(options: { fetch: typeof app.fetch; port: number; hostname: string }, ready: (info: { port: number }) => void): unknown;
  };
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => console.log(`listening ${info.port}`));
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void sql.end({ timeout: 1 }).finally(() => process.exit(0)));
}
