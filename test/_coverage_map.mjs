// tap's coverage map: which files a test file's coverage counts for.
// These tests run the real server, the packed package or the documentation
// examples in child processes (under esbuild bundles, Deno, Bun or a
// browser), which tap's coverage cannot follow, so they count for none;
// every other test counts for lib/ and mod.ts.
const SPAWNING = new Set([
  "test/runtime/runtimes.test.ts",
  "test/runtime/runtimes_auth.test.ts",
  "test/runtime/shutdown.test.ts",
  "test/runtime/listening.test.ts",
  "test/runtime/browser.test.ts",
  "test/app/instances.test.ts",
  "test/package/consumers.test.ts",
  "test/docs.test.ts",
]);
export default (testFile) => (SPAWNING.has(testFile) ? null : ["lib/**/*.ts", "mod.ts"]);
