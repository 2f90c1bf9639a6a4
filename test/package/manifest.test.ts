// The package's own files agree with each other: package.json and
// deno.json (version, licence, dependencies, entries), the build's inputs,
// the files a package has, and the README's tables with the migration.
import { existsSync, readFileSync } from "node:fs";
import t from "tap";
import { VERSION } from "../../lib/app/cli.ts";
import { SCHEMA_STEPS, WORKSPACE_KIND, WORKSPACE_STATUS } from "../../lib/repository/mod.ts";
import { ROOT } from "../_runtimes.ts";

const read = (path: string): string => readFileSync(`${ROOT}${path}`, "utf8");
const pkg = JSON.parse(read("package.json"));
const deno = JSON.parse(read("deno.json"));
// tsconfig.build.json has comments; they are whole lines.
const build = JSON.parse(read("tsconfig.build.json").replace(/^\s*\/\/.*$/gm, ""));

t.test("one version and one licence", async (t) => {
  t.equal(pkg.version, VERSION, "package.json carries lobby --version");
  t.equal(deno.version, VERSION, "deno.json carries lobby --version");
  t.equal(pkg.license, "MIT");
  t.equal(deno.license, "MIT");
  t.match(read("LICENSE"), /^MIT License\n/);
  t.match(read("CHANGELOG.md"), new RegExp(`^## ${VERSION.replaceAll(".", "\\.")} `, "m"), "the changelog has this version");
});

t.test("deno.json declares every dependency, as npm: specifiers of the same ranges", async (t) => {
  const expected = Object.fromEntries(Object.entries(pkg.dependencies as Record<string, string>).map(([name, range]) => [name, `npm:${name}@${range}`]));
  t.same(deno.imports, expected);
  // Without node_modules (a clean clone, a JSR consumer) Deno fetches them itself.
  t.equal(deno.nodeModulesDir, "none");
  for (const file of ["mod.ts", "lib/", "README.md", "LICENSE", "CHANGELOG.md"]) t.ok(deno.publish.include.includes(file), file);
});

t.test("every entry is the same module on npm and JSR, built from its source", async (t) => {
  const npmEntry = (source: string) => `./dist/${source.slice(2).replace(/\.ts$/, "")}`;
  for (const [entry, source] of Object.entries(deno.exports as Record<string, string>)) {
    t.same(pkg.exports[entry], { types: `${npmEntry(source)}.d.ts`, default: `${npmEntry(source)}.js` }, entry);
    t.ok(build.files.includes(source.slice(2)), `tsconfig.build.json builds ${source}`);
  }
  t.same(
    Object.keys(pkg.exports).filter((entry) => !(entry in deno.exports)),
    ["./openapi.json", "./package.json"],
    "npm adds only files, no module JSR lacks",
  );
  t.equal(pkg.main, pkg.exports["."].default);
  t.equal(pkg.types, pkg.exports["."].types);
  t.same(pkg.bin, { lobby: "dist/main.js" });
  t.equal(pkg.type, "module");
  t.match(pkg.scripts.prepare, /npm run build/, "npm pack, npm install from a clone or git build dist/");
  t.match(read(".gitignore"), /^\*\.tgz$/m);
});

t.test("the README shows the tables exactly as the migration makes them", async (t) => {
  const readme = read("README.md");
  const tables = readme.slice(readme.indexOf("\n## Tables\n"));
  const ddl = /```sql\n([\s\S]*?)```/.exec(tables)?.[1] ?? "";
  const normalize = (sql: string) => sql.replace(/\s+/g, " ").trim();
  t.equal(normalize(ddl), normalize(SCHEMA_STEPS.slice(0, 3).map((step) => `${step};`).join("\n")));
  for (const [code, value] of [...Object.entries(WORKSPACE_STATUS), ...Object.entries(WORKSPACE_KIND)]) {
    t.match(tables, `\`${value}\` ${code}`, `${code} is listed`);
  }
  for (const outside of [/DESIGN\.md/, /\bthe seeds?\b/i, /\bseeds'/, /\bseed \d/, /\bthe issue\b/]) t.notMatch(readme, outside, `nothing the reader lacks: ${outside}`);
  t.ok(existsSync(`${ROOT}tsconfig.build.json`));
});
