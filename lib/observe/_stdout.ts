/**
 * Runtime glue for the standalone server's log: whether standard output is
 * a terminal, and a writer that sends the lines of one turn of the event
 * loop in one write.
 *
 * @module
 */

interface DenoStdout {
  readonly stdout: { isTerminal(): boolean; writeSync(bytes: Uint8Array): number };
}
interface NodeStdout {
  readonly stdout?: { readonly isTTY?: boolean; write(text: string): unknown };
}

const runtimeGlobals = globalThis as { Deno?: DenoStdout; process?: NodeStdout };

/**
 * Whether standard output is a terminal (then the log defaults to text).
 *
 * @example
 * ```ts
 * import { stdoutIsTerminal } from "./_stdout.ts";
 * const format = stdoutIsTerminal() ? "text" : "json";
 * ```
 */
export function stdoutIsTerminal(): boolean {
  const deno = runtimeGlobals.Deno;
  if (deno !== undefined) return deno.stdout.isTerminal();
  return runtimeGlobals.process?.stdout?.isTTY === true;
}

/** Lines waiting longer than this many characters are written at once. */
const MAX_PENDING = 65_536;

/**
 * Lines to standard output, gathered and written once per turn of the
 * event loop (or sooner past 64 KiB), so that a busy server makes one
 * write for many requests. `flush` writes what waits, such as before the
 * process exits.
 *
 * @param write Where the text goes (default standard output).
 * @returns The writer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LineWriter } from "./_stdout.ts";
 * const out: string[] = [];
 * const writer = new LineWriter((text) => void out.push(text));
 * writer.line("one");
 * writer.line("two");
 * writer.flush();
 * assert.deepEqual(out, ["one\ntwo\n"]);
 * ```
 */
export class LineWriter {
  readonly #write: (text: string) => void;
  #pending = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** @param write Where the text goes (default standard output). */
  constructor(write: (text: string) => void = writeStdout) {
    this.#write = write;
  }

  /** Queues one line (without its newline). */
  line(text: string): void {
    this.#pending += `${text}\n`;
    if (this.#pending.length > MAX_PENDING) this.flush();
    else this.#timer ??= setTimeout(this.flush, 0);
  }

  /** Writes every queued line now. */
  readonly flush = (): void => {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    try {
      this.#write(text);
    } catch {
      // Nowhere left to tell: standard output is gone.
    }
  };
}

const encoder = new TextEncoder();

function writeStdout(text: string): void {
  // Deno's own call: its node:process stream costs several times more.
  const deno = runtimeGlobals.Deno;
  if (deno !== undefined) {
    let bytes = encoder.encode(text);
    while (bytes.length > 0) bytes = bytes.subarray(deno.stdout.writeSync(bytes));
    return;
  }
  const stdout = runtimeGlobals.process?.stdout;
  if (stdout !== undefined) stdout.write(text);
  else console.log(text.slice(0, -1));
}
