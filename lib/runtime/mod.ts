/**
 * Runtime glue: the Node.js adapter, listening on Deno, Bun or Node, and the
 * process (environment, arguments, signals, exit).
 *
 * @module
 */
export { toNodeListener } from "./node.ts";
export {
  isLoopback,
  listen,
  type ListenFailure,
  listenFailure,
  type ListenOptions,
  originOf,
  type RunningServer,
  withUsableHost,
} from "./listen.ts";
export { currentRuntime, exitProcess, onStopSignal, onUnhandledRejection, processArguments, processEnvironment, type Runtime } from "./process.ts";
