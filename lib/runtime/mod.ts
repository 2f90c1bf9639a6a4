/**
 * Runtime glue: the Node.js adapter, listening on Deno, Bun or Node, and the
 * process (environment, arguments, signals, exit).
 *
 * @module
 */
export { toNodeListener } from "./node.ts";
export { listen, type ListenOptions, type RunningServer } from "./listen.ts";
export { currentRuntime, exitProcess, onStopSignal, processArguments, processEnvironment, type Runtime } from "./process.ts";
