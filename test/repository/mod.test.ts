// The repository's face loads no driver: PGlite is imported for its types
// only, and openEmbeddedDatabase, which creates one, lives outside the face.
// esbuild bundles each entry as the npm build does, with packages left
// external, and its metafile lists the packages the bundle still imports.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import t from "tap";

/** The packages a bundle of `entry` (a path from the repository root) imports when loaded. */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../../${entry}`, import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    packages: "external",
    metafile: true,
    logLevel: "silent",
  });
  const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports);
  return [...new Set(imports.filter((item) => item.external).map((item) => item.path))].sort();
}

t.test("lib/repository/mod.ts loads no PGlite, and neither do the faces that import it", async (t) => {
  for (const face of ["lib/repository/mod.ts", "lib/envelope/mod.ts", "lib/locale/mod.ts"]) {
    t.notOk((await packagesLoadedBy(face)).includes("@electric-sql/pglite"), face);
  }
});

t.test("lib/repository/embedded.ts is what loads PGlite", async (t) => {
  t.ok((await packagesLoadedBy("lib/repository/embedded.ts")).includes("@electric-sql/pglite"));
});
