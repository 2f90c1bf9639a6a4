/**
 * A child process's CPU time and memory, read from `/proc` (undefined on a
 * system without it).
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { round } from "./stats.ts";

const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** A process's CPU time so far (user + system, all its threads), in µs. */
export function cpuTimeUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // utime and stime, in clock ticks, are fields 14 and 15; the command name before them is parenthesized.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** A process's resident set, in MB. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match === null ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** What {@link watchUsage} saw of a process while it watched. */
export interface Usage {
  /** The largest resident set sampled, in MB (one decimal). */
  readonly rssMb?: number;
  /** CPU time used, in µs. */
  readonly cpuUs?: number;
}

/** Starts sampling a process's resident set every 250 ms; `stop()` returns the peak and the CPU time used since the start. */
export function watchUsage(pid: number | undefined): { stop(): Usage } {
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid) ?? 0)), 250);
  const cpuBefore = cpuTimeUs(pid);
  return {
    stop() {
      clearInterval(sampler);
      const cpuAfter = cpuTimeUs(pid);
      return {
        ...(peak > 0 ? { rssMb: round(peak, 1) } : {}),
        ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuUs: cpuAfter - cpuBefore } : {}),
      };
    },
  };
}
