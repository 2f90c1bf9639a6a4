// The node:http adapter over a real socket: what reaches the handler, what
// comes back, and hostile requests that must not crash the listener.
import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import t from "tap";
import { toNodeListener } from "../lib/node.ts";

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
