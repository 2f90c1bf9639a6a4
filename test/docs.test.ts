// Every documentation example in lib/ and mod.ts runs, as `deno test --doc`
// runs them (npm run check does the same): an example that throws or no
// longer type-checks fails the suite.
import { spawnSync } from "node:child_process";
import t from "tap";
import { ROOT } from "./_runtimes.ts";

t.test("every @example in lib/ and mod.ts runs and passes under deno test --doc", async (t) => {
  const result = spawnSync(`${ROOT}node_modules/.bin/deno`, ["test", "--doc", "--allow-all", "--quiet", "lib", "mod.ts"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 900_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  // Deno colours its report whatever NO_COLOR says when it is not a terminal's.
  const plain = (text: string | null) => (text ?? "").replace(/\x1b\[[0-9;]*m/g, "");
  const summary = `${plain(result.stdout)}${plain(result.stderr)}`.split("\n").filter((line) => /passed|failed|FAILED|error/.test(line)).slice(-20).join("\n");
  t.equal(result.status, 0, summary);
  t.match(plain(result.stdout), /ok \| \d+ passed \| 0 failed/, "deno reports every example passed");
});
