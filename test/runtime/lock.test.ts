// One server per embedded data directory: the lock beside it refuses a
// second holder that is alive, takes over one that is gone, and a data
// directory that cannot be one is a configuration error naming
// LOBBY_DATA_DIR.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { createStandaloneApp } from "../../lib/app/app.ts";
import { ConfigError, configFromEnvironment } from "../../lib/app/config.ts";
import { lockDataDir } from "../../lib/runtime/lock.ts";

t.test("lockDataDir refuses a live holder, takes over a dead one, and releases", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lobby-lock-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = join(dir, "pglite");
  const holder = spawn("sleep", ["30"], { stdio: "ignore" });
  t.teardown(() => void holder.kill());
  await writeFile(`${data}.lock`, `${holder.pid}\n`);
  const refused = await lockDataDir(data);
  t.equal(refused.ok, false);
  if (!refused.ok) t.match(refused.problem, new RegExp(`is in use by another lobby, process ${holder.pid} \\(lock file .*pglite\\.lock\\)`));

  await new Promise((resolve) => {
    holder.once("exit", resolve);
    holder.kill();
  });
  const taken = await lockDataDir(data);
  t.equal(taken.ok, true, "the holder is gone: the lock is taken over");
  t.equal((await readFile(`${data}.lock`, "utf8")).trim(), String(process.pid), "and holds this process's id");
  const again = await lockDataDir(data);
  t.equal(again.ok, false, "a second lock in the same process is refused");
  if (taken.ok) await taken.release();
  await t.rejects(readFile(`${data}.lock`, "utf8"), { code: "ENOENT" }, "released: the lock file is gone");
});

t.test("a LOBBY_DATA_DIR that is a file is one line naming the variable", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lobby-lock-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "not-a-directory");
  await writeFile(file, "x");
  const error = await createStandaloneApp(configFromEnvironment({ LOBBY_DATA_DIR: file }), { now: Date.now, log: () => {} })
    .then(() => undefined, (caught: unknown) => caught);
  t.ok(error instanceof ConfigError);
  t.strictSame((error as ConfigError).lines, [`LOBBY_DATA_DIR (${file}) is a file, not a directory: point LOBBY_DATA_DIR at a directory`]);
});
