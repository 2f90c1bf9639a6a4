// tap's coverage map: which files a test file's coverage counts for.
// runtimes.test.ts runs the real server in child processes (the Node one
// from the esbuild bundle, which does not exist until the test builds it),
// so it counts for none; every other test counts for lib/ and mod.ts.
export default (testFile) => (testFile === "test/runtimes.test.ts" ? null : ["lib/**/*.ts", "mod.ts"]);
