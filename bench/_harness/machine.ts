/**
 * The machine a run measured on, and the versions of what it ran.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import { BIN } from "./context.ts";
import { round } from "./stats.ts";

/** The machine at one moment. */
export interface Machine {
  /** Cores this process may use (`nproc`). */
  readonly nproc: number;
  readonly cpu: string;
  readonly memoryGb: number;
  readonly freeMemoryGb: number;
  /** 1, 5 and 15 minute load averages. */
  readonly loadAverage: readonly number[];
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
export function loadAverage(): number[] {
  return loadavg().map((value) => round(value, 2));
}

/** The machine now: cores, CPU model, memory and load. */
export function machine(): Machine {
  return {
    nproc: Number(spawnSync("nproc", { encoding: "utf8" }).stdout?.trim()) || cpus().length,
    cpu: (cpus()[0]?.model ?? "unknown").replace(/\s+/g, " ").trim(),
    memoryGb: round(totalmem() / 2 ** 30, 1),
    freeMemoryGb: round(freemem() / 2 ** 30, 1),
    loadAverage: loadAverage(),
  };
}

/** The version a command prints for `--version` (the first `x.y.z`), or `unknown`. */
export function toolVersion(name: "node" | "deno" | "bun"): string {
  if (name === "node") return process.version.replace(/^v/, "");
  const printed = spawnSync(`${BIN}${name}`, ["--version"], { encoding: "utf8" }).stdout ?? "";
  return /(\d+\.\d+\.\d+)/.exec(printed)?.[1] ?? "unknown";
}
