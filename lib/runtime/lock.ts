/**
 * One standalone server per embedded data directory: a lock file beside the
 * directory (`<dir>.lock`) holding the process id of the server that owns
 * it. A lock whose process is gone (killed, crashed) is taken over. Runtime
 * glue: it needs the file system and process ids.
 *
 * @module
 */
import { mkdir, open, readFile, unlink } from "node:fs/promises";
import process from "node:process";

/** What {@link lockDataDir} answers. */
export type DataDirLock =
  | { readonly ok: true; release(): Promise<void> }
  | { readonly ok: false; readonly problem: string };

/**
 * Creates the data directory if it is missing and takes its lock. The
 * problem, when there is one, reads after the name `LOBBY_DATA_DIR`.
 *
 * @param dir The data directory.
 * @returns The lock, to release on close, or why the directory cannot be used.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lockDataDir } from "./lock.ts";
 * const dir = await Deno.makeTempDir();
 * const first = await lockDataDir(`${dir}/data`);
 * assert.ok(first.ok);
 * assert.equal((await lockDataDir(`${dir}/data`)).ok, false);
 * if (first.ok) await first.release();
 * assert.ok((await lockDataDir(`${dir}/data`)).ok);
 * ```
 */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    return { ok: false, problem: `(${dir}) ${fileProblem(error)}` };
  }
  const path = `${dir.replace(/\/+$/, "")}.lock`;
  if (held.has(path)) return { ok: false, problem: `(${dir}) is already in use by this process` };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const file = await open(path, "wx");
      await file.writeFile(`${process.pid}\n`);
      await file.close();
      held.add(path);
      return { ok: true, release: () => release(path) };
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") return { ok: false, problem: `(${dir}) cannot be locked: ${fileProblem(error)} (${path})` };
    }
    // A lock with this process's own id is stale: a container's server is
    // often process 1 on every start.
    const holder = await holderOf(path);
    if (holder !== undefined && holder !== process.pid && alive(holder)) {
      return {
        ok: false,
        problem: `(${dir}) is in use by another lobby, process ${holder} (lock file ${path}): ` +
          "stop that server, or give this one another LOBBY_DATA_DIR",
      };
    }
    // Its holder is gone: the lock is stale.
    await unlink(path).catch(() => {});
  }
  return { ok: false, problem: `(${dir}) is being locked by another process at the same moment; try again` };
}

// Locks this process holds, so that it cannot take its own lock twice.
const held = new Set<string>();

async function holderOf(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, but belongs to another user.
    return (error as { code?: unknown }).code === "EPERM";
  }
}

async function release(path: string): Promise<void> {
  held.delete(path);
  if ((await holderOf(path)) === process.pid) await unlink(path).catch(() => {});
}

function fileProblem(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "EEXIST" || code === "ENOTDIR") return "is a file, not a directory: point LOBBY_DATA_DIR at a directory";
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") return "cannot be written (permission denied or read-only)";
  return `cannot be used (${typeof code === "string" ? code : "unknown error"})`;
}
