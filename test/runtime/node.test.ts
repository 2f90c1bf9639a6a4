// The node:http adapter over a real socket: what reaches the handler, what
// comes back, and hostile requests that must not crash the listener.
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import t from "tap";
import { createWorkspacesHandler } from "../../lib/handler/handler.ts";
import { secretKeys } from "../../lib/auth/keys.ts";
import { toNodeListener } from "../../lib/runtime/node.ts";
import { signToken } from "../_tokens.ts";

async function listen(handler: (request: Request) => Promise<Response>): Promise<{ server: Server; port: number }> {
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 };
}

function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(text));
    let received = "";
    socket.on("data", (chunk) => (received += chunk.toString("latin1")));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

t.test("toNodeListener passes method, URL, headers and body to the handler", async (t) => {
  const seen: Array<{ method: string; url: string; header: string | null; body: string }> = [];
  const { server, port } = await listen(async (request) => {
    seen.push({
      method: request.method,
      url: request.url,
      header: request.headers.get("x-two"),
      body: request.method === "POST" ? await request.text() : "",
    });
    return new Response("ok");
  });
  t.teardown(() => server.close());
  await fetch(`http://127.0.0.1:${port}/a/b?c=d`, { headers: [["x-two", "1"], ["x-two", "2"]] });
  await fetch(`http://127.0.0.1:${port}/post`, { method: "POST", body: "payload ✓" });
  t.same(seen, [
    { method: "GET", url: `http://127.0.0.1:${port}/a/b?c=d`, header: "1, 2", body: "" },
    { method: "POST", url: `http://127.0.0.1:${port}/post`, header: null, body: "payload ✓" },
  ]);
});

t.test("toNodeListener writes status, every Set-Cookie and a streamed body", async (t) => {
  const { server, port } = await listen(async () => {
    const headers = new Headers({ "x-one": "1" });
    headers.append("set-cookie", "a=1");
    headers.append("set-cookie", "b=2");
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("part one, "));
        controller.enqueue(new TextEncoder().encode("part two"));
        controller.close();
      },
    });
    return new Response(body, { status: 202, headers });
  });
  t.teardown(() => server.close());
  const response = await fetch(`http://127.0.0.1:${port}/`);
  t.equal(response.status, 202);
  t.equal(response.headers.get("x-one"), "1");
  t.same(response.headers.getSetCookie(), ["a=1", "b=2"]);
  t.equal(await response.text(), "part one, part two");
});

t.test("toNodeListener survives hostile requests", async (t) => {
  const urls: string[] = [];
  const { server, port } = await listen(async (request) => {
    urls.push(request.url);
    if (request.headers.get("x-explode") !== null) throw new Error("handler bug with secret detail");
    return new Response(null, { status: 204 });
  });
  t.teardown(() => server.close());
  const badHost = await raw(port, "GET /x HTTP/1.1\r\nHost: evil host/../\r\nConnection: close\r\n\r\n");
  t.match(badHost, /^HTTP\/1\.1 204/);
  const absolute = await raw(port, "GET http://other.example/y?z=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  t.match(absolute, /^HTTP\/1\.1 204/);
  t.same(urls, ["http://localhost/x", "http://a/y?z=1"]);
  const exploded = await raw(port, "GET / HTTP/1.1\r\nHost: a\r\nX-Explode: 1\r\nConnection: close\r\n\r\n");
  t.match(exploded, /^HTTP\/1\.1 500/);
  t.notOk(exploded.includes("secret detail"), "the error stays out of the response");
  const after = await fetch(`http://127.0.0.1:${port}/still-alive`);
  t.equal(after.status, 204, "the server keeps serving");
});

// lobby's own handler takes the adapter's direct path (no Request, no
// Response); every answer must be the one the Request/Response path gives.
t.test("toNodeListener answers lobby's handler directly, exactly as through Request and Response", async (t) => {
  const secret = "node-adapter-test-secret-of-32-bytes!";
  const now = Math.floor(Date.now() / 1000);
  const rows = [
    {
      bizId: "ws_1", institutionBizId: "INST_1", entityBizId: null, name: "Ünïcode \"one\"", timezone: "UTC",
      status: 10010701, kind: 10010801, extraData: null, role: "owner" as const,
      createdAt: new Date("2026-03-22T10:30:00Z"), updatedAt: new Date("2026-03-22T10:30:00Z"),
    },
  ];
  const handler = createWorkspacesHandler({
    repository: { listForUser: (user) => Promise.resolve(user === "alice" ? rows : []) },
    auth: { keys: await secretKeys(secret) },
    now: () => 1709337600000,
    log: () => {},
  });
  const direct = await listen(handler);
  const generic = await listen((request) => handler(request));
  t.teardown(() => {
    direct.server.close();
    generic.server.close();
  });
  const token = await signToken({ secret, payload: { sub: "alice", exp: now + 600 } });
  const auth = `Authorization: Bearer ${token}\r\n`;
  const requests = [
    `GET /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: a\r\n${auth}Accept-Language: ja-JP\r\n`,
    `GET /api/v1/workspaces HTTP/1.1\r\nHost: a\r\n${auth}`,
    `GET /api/v1/x/../workspaces HTTP/1.1\r\nHost: a\r\n${auth}`,
    `GET /api/v1/./workspaces?%2e HTTP/1.1\r\nHost: EXAMPLE.com:80\r\n${auth}`,
    `GET /api/v1/workspaces HTTP/1.1\r\nHost: a\r\n${auth}${auth}`,
    `GET http://other.example/api/v1/workspaces?x=1 HTTP/1.1\r\nHost: a\r\n${auth}`,
    `GET /api/v1/workspaces HTTP/1.1\r\nHost: evil host/../\r\n${auth}`,
    `GET /api/v1/workspaces HTTP/1.1\r\nHost: a:99999\r\n${auth}`,
    `GET /api/v1/w%6Frkspaces HTTP/1.1\r\nHost: a\r\n${auth}`,
    `GET /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: [::1]:8080\r\n${auth}X-Workspace-Id: bad id\r\n`,
    `GET /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: a\r\nAccept-Language: zh-TW\r\naccept-language: vi\r\n`,
    `HEAD /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: a\r\n${auth}`,
    `OPTIONS /api/v1/workspaces HTTP/1.1\r\nHost: a\r\n`,
    `DELETE /api/v1/workspaces HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello`,
    `GET /favicon.ico HTTP/1.1\r\nHost: a\r\n`,
    `GET /api/v1/workspaces/ HTTP/1.1\r\nHost: a\r\n`,
  ];
  // Date and the X-Request-Id lobby makes differ from one answer to the next; the rest must be identical.
  const normalize = (text: string) => {
    const split = text.indexOf("\r\n\r\n");
    const head = text.slice(0, split);
    const body = text.slice(split + 4);
    const lines = head.split("\r\n").map((line) => line.toLowerCase()).filter((line) => !line.startsWith("date:") && !line.startsWith("x-request-id:"));
    const status = lines.shift();
    const chunked = lines.includes("transfer-encoding: chunked");
    const fields = lines.filter((line) => !/^(transfer-encoding|content-length|connection|keep-alive):/.test(line)).sort();
    // The direct path sends a Content-Length; the streamed one is chunked.
    let payload = chunked ? "" : body;
    for (let at = 0; chunked;) {
      const end = body.indexOf("\r\n", at);
      const size = parseInt(body.slice(at, end), 16);
      if (!(size > 0)) break;
      payload += body.slice(end + 2, end + 2 + size);
      at = end + 2 + size + 2;
    }
    return { status, fields, body: payload };
  };
  for (const request of requests) {
    const text = request.includes("\r\n\r\n") ? request.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") : `${request}Connection: close\r\n\r\n`;
    const [a, b] = await Promise.all([raw(direct.port, text), raw(generic.port, text)]);
    t.same(normalize(a), normalize(b), request.split("\r\n")[0]!);
    if (/^(GET|HEAD) \/(web|api)/.test(request) && /^HTTP\/1\.1 200/.test(a)) {
      t.match(a, /\r\ncontent-length: \d+\r\n/i, "the direct path sends the length");
    }
  }
  const head = await raw(direct.port, `HEAD /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: a\r\n${auth}Connection: close\r\n\r\n`);
  const get = await raw(direct.port, `GET /web/v1/system/workspaces/mine HTTP/1.1\r\nHost: a\r\n${auth}Connection: close\r\n\r\n`);
  const length = Number(/content-length: (\d+)/i.exec(head)?.[1]);
  t.equal(length, Buffer.byteLength(get.split("\r\n\r\n")[1]!, "latin1"), "HEAD announces the GET body's length");
  t.equal(head.split("\r\n\r\n")[1], "", "and sends no body");
  t.same(JSON.parse(Buffer.from(get.split("\r\n\r\n")[1]!, "latin1").toString()).data[0].workspaceName, "Ünïcode \"one\"");
  // TRACE: the Fetch API refuses to build such a Request (400 on that
  // path); the direct path answers like Deno and Bun, with the dialect's 405.
  const trace = await raw(direct.port, "TRACE /api/v1/workspaces HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  t.match(trace, /^HTTP\/1\.1 405/);
  t.match(trace, /\r\nallow: GET, HEAD, OPTIONS\r\n/i);
});
