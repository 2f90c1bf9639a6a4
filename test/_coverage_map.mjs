// tap's coverage map: which files a test file's coverage counts for.
// runtime/runtimes.test.ts and runtime/runtimes_auth.test.ts run the real server in child
// processes (the Node one from an esbuild bundle, which does not exist
// until the test builds it), so they count for none; every other test
// counts for lib/ and mod.ts.
const SPAWNING = new Set(["test/runtime/runtimes.test.ts", "test/runtime/runtimes_auth.test.ts"]);
export default (testFile) => (SPAWNING.has(testFile) ? null : ["lib/**/*.ts", "mod.ts"]);
