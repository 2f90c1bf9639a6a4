/**
 * Where the benchmarks run: the repository's paths, the environment's
 * knobs, progress lines and the files they write.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The repository root, with a trailing slash, whether this runs from `bench/` or from a bundle in `.bench/`. */
export const ROOT: string = new URL(import.meta.url.includes("/.bench/") ? "../" : "../../", import.meta.url).pathname;

/** The npm binaries (`deno`, `bun`, `esbuild`), with a trailing slash. */
export const BIN: string = `${ROOT}node_modules/.bin/`;

/** Scratch space for bundles, token files and data directories (ignored by git). */
export const WORK: string = `${ROOT}.bench/`;

/** A number from the environment, or `fallback` when it is unset or empty. */
export function envNumber(name: string, fallback: number): number {
  const value = process.env[name];
  return value === undefined || value === "" ? fallback : Number(value);
}

/** A comma-separated list from the environment, or `fallback` when it is unset. */
export function envList(name: string, fallback = ""): string[] {
  return (process.env[name] ?? fallback).split(",").filter(Boolean);
}

/** Writes one progress line to stdout. */
export function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Whether the file named `name` (`query` for `bench/query.ts` or `.bench/query.js`) is what this process runs. */
export function isMain(meta: ImportMeta, name: string): boolean {
  if ((meta as { main?: boolean }).main === true) return true;
  return new RegExp(`(^|[\\\\/])${name.replaceAll(".", "\\.")}\\.(ts|js|mjs)$`).test(process.argv[1] ?? "");
}

/** A date as `YYYY-MM-DD` (default today, UTC), for result file names. */
export function resultDate(date: Date = new Date()): string {
  return date.toISOString().slice(0, 10);
}

/** A URL with its password masked, fit for a report. */
export function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href;
}

/** Writes `path` (relative to the repository root, folders created) and returns that path. */
export function writeOutput(path: string, content: string): string {
  mkdirSync(dirname(`${ROOT}${path}`), { recursive: true });
  writeFileSync(`${ROOT}${path}`, content);
  return path;
}

/** Reads a JSON file relative to the repository root. */
export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(`${ROOT}${path}`, "utf8")) as T;
}

/** The installed version of an npm package, or undefined when it is not installed. */
export function packageVersion(name: string): string | undefined {
  try {
    return readJson<{ version: string }>(`node_modules/${name}/package.json`).version;
  } catch {
    return undefined;
  }
}
