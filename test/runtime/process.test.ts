// The process glue on Node, in this process: what it reads. (Signals and
// exit statuses are seen on real servers: shutdown.test.ts.)
import t from "tap";
import { currentRuntime, onUnhandledRejection, processArguments, processEnvironment } from "../../lib/runtime/process.ts";

t.test("on Node: the runtime, the environment and the arguments after the script", async (t) => {
  t.equal(currentRuntime(), "node");
  t.equal(processEnvironment(), process.env);
  t.same(processArguments(), process.argv.slice(2));
});

t.test("onUnhandledRejection does nothing on Node, where a listener would keep rejections from ending the process", async (t) => {
  const before = process.listenerCount("unhandledRejection");
  onUnhandledRejection(() => true);
  t.equal(process.listenerCount("unhandledRejection"), before);
});
