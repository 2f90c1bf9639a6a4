/**
 * What the runtime tests talk to the real server with: raw HTTP/1.1 over a
 * socket (so that nothing normalizes the request target, and keep-alive,
 * trickled headers and the `Connection` header are seen as they are), and a
 * fake Postgres whose answers come when the test wants them.
 *
 * @module
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** One response read off a raw connection. */
export interface RawResponse {
  /** When its last byte arrived, in `Date.now()` milliseconds. */
  readonly at: number;
  readonly status: number;
  /** The `Connection` header, lower-cased, or `null`. */
  readonly connection: string | null;
  readonly contentType: string | null;
  readonly body: string;
}

/** A raw HTTP/1.1 connection to 127.0.0.1. */
export interface RawConnection {
  readonly socket: Socket;
  /** The responses read so far. */
  responses(): readonly RawResponse[];
  /** Bytes that arrived but do not make a whole response. */
  rest(): string;
  /** Resolves with `Date.now()` once the server has closed or reset the connection. */
  readonly closed: Promise<number>;
  /** Sends bytes, unless the connection is gone. */
  send(text: string): void;
}

/**
 * Opens a connection and sends `first`. With `again`, sends it again after
 * each response, as a keep-alive client that never pauses does.
 */
export function rawConnection(port: number, first: string, again?: string): RawConnection {
  const socket = connect(port, "127.0.0.1");
  const responses: RawResponse[] = [];
  let buffer = "";
  const send = (text: string) => {
    if (!socket.destroyed && socket.writable) socket.write(text, "latin1");
  };
  socket.on("connect", () => send(first));
  socket.on("data", (chunk) => {
    buffer += chunk.toString("latin1");
    for (;;) {
      const end = buffer.indexOf("\r\n\r\n");
      if (end === -1) return;
      const head = buffer.slice(0, end);
      const message = /^transfer-encoding:[ \t]*chunked/im.test(head) ? chunked(buffer, end + 4) : sized(buffer, end + 4, head);
      if (message === undefined) return;
      responses.push({
        at: Date.now(),
        status: Number(head.slice(9, 12)),
        connection: header(head, "connection")?.toLowerCase() ?? null,
        contentType: header(head, "content-type"),
        body: message.body,
      });
      buffer = buffer.slice(message.end);
      if (again !== undefined) send(again);
    }
  });
  const closed = new Promise<number>((resolve) => {
    socket.on("error", () => {});
    socket.on("close", () => resolve(Date.now()));
  });
  return { socket, responses: () => responses, rest: () => buffer, closed, send };
}

/** Sends one request with `Connection: close` and resolves with the response (or `undefined` when none came). */
export async function rawRequest(port: number, target: string, headers: Record<string, string> = {}): Promise<RawResponse | undefined> {
  const lines = [`GET ${target} HTTP/1.1`, `Host: ${headers.host ?? "127.0.0.1"}`, "Connection: close"];
  for (const [name, value] of Object.entries(headers)) if (name !== "host") lines.push(`${name}: ${value}`);
  const connection = rawConnection(port, `${lines.join("\r\n")}\r\n\r\n`);
  await connection.closed;
  return connection.responses()[0];
}

/**
 * A client that sends a request's headers one byte every `everyMs`, as a
 * slow-loris attack does, until it has sent them all or the server closes.
 */
export function trickle(port: number, everyMs: number): RawConnection & { sent(): number } {
  const text = "GET /api/v1/workspaces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "x".repeat(200) + "\r\n\r\n";
  let sent = 1;
  const connection = rawConnection(port, text[0]!);
  const timer = setInterval(() => {
    if (sent >= text.length) return clearInterval(timer);
    connection.send(text[sent++]!);
  }, everyMs);
  void connection.closed.then(() => clearInterval(timer));
  return { ...connection, sent: () => sent };
}

/** A request that ends its headers now, for {@link rawConnection}. */
export function request(path: string, headers: Record<string, string> = {}): string {
  const lines = [`GET ${path} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

// A body of Content-Length bytes from `start`, and where the message ends.
function sized(buffer: string, start: number, head: string): { body: string; end: number } | undefined {
  const length = Number(header(head, "content-length") ?? 0);
  return buffer.length < start + length ? undefined : { body: buffer.slice(start, start + length), end: start + length };
}

// A chunked body from `start`, once its last chunk is in.
function chunked(buffer: string, start: number): { body: string; end: number } | undefined {
  let body = "";
  let at = start;
  for (;;) {
    const line = buffer.indexOf("\r\n", at);
    if (line === -1) return undefined;
    const size = parseInt(buffer.slice(at, line), 16);
    if (size === 0) return buffer.startsWith("\r\n", line + 2) ? { body, end: line + 4 } : undefined;
    if (buffer.length < line + 2 + size + 2) return undefined;
    body += buffer.slice(line + 2, line + 2 + size);
    at = line + 2 + size + 2;
  }
}

function header(head: string, name: string): string | null {
  const match = new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, "i").exec(head);
  return match === null ? null : match[1]!.trim();
}

/** A TCP server standing in for Postgres, for `DATABASE_URL`. */
export interface FakePostgres {
  /** `postgres://lobby@127.0.0.1:<port>/lobby`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A fake Postgres. `refuse`: `afterMs` after a client's startup message, a
 * FATAL error (SQLSTATE 57P03, "the database system is starting up"), so a
 * query fails then and the server answers 503. `hang`: the handshake
 * succeeds and no query is ever answered, so a request waits for the
 * handler's own timeout.
 */
export async function fakePostgres(mode: { refuse: { afterMs: number } } | "hang"): Promise<FakePostgres> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    socket.once("data", () => {
      if (mode === "hang") socket.write(Buffer.concat([message("R", int32(0)), message("Z", Buffer.from("I"))]));
      else setTimeout(() => socket.end(fatal()), mode.refuse.afterMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `postgres://lobby@127.0.0.1:${port}/lobby`,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function fatal(): Buffer {
  const fields = ["SFATAL", "VFATAL", "C57P03", "Mthe database system is starting up"].map((field) => `${field}\0`).join("") + "\0";
  return message("E", Buffer.from(fields));
}

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}
