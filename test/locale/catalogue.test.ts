import t from "tap";
import { catalogue, type Catalogue, CATALOGUES } from "../../lib/locale/catalogue.ts";
import { type Locale, LOCALES } from "../../lib/locale/locales.ts";

/** Every leaf of a catalogue as `[path, value]`. */
function leaves(value: unknown, path = ""): Array<[string, unknown]> {
  if (typeof value !== "object" || value === null) return [[path, value]];
  return Object.keys(value)
    .sort()
    .flatMap((key) => leaves((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key));
}

t.test("CATALOGUES has one complete catalogue per locale", async (t) => {
  t.same(Object.keys(CATALOGUES).sort(), [...LOCALES].sort());
  const shape = leaves(CATALOGUES.en).map(([path]) => path);
  t.ok(shape.length >= 30, "en has the expected number of texts");
  for (const locale of LOCALES) {
    const texts = CATALOGUES[locale];
    t.same(leaves(texts).map(([path]) => path), shape, `${locale} has the keys of en`);
    for (const [path, text] of leaves(texts)) {
      t.ok(typeof text === "string" && text.trim() === text && text.length > 0, `${locale} ${path} is trimmed text`);
      t.equal((text as string).normalize("NFC"), text, `${locale} ${path} is NFC`);
    }
  }
});

t.test("CATALOGUES translates every text away from English", async (t) => {
  const english = new Map(leaves(CATALOGUES.en));
  for (const locale of LOCALES) {
    if (locale === "en") continue;
    for (const [path, text] of leaves(CATALOGUES[locale])) {
      t.not(text, english.get(path), `${locale} ${path} differs from en`);
      t.notMatch(text as string, /\b(?:the|is|or|and|not|invalid|error|request)\b/i, `${locale} ${path} has no English words`);
    }
  }
});

t.test("CATALOGUES keeps the technical tokens", async (t) => {
  for (const locale of LOCALES) {
    const { uptimer }: Catalogue = CATALOGUES[locale];
    t.match(uptimer.missing_authorization.message, "Authorization", `${locale} names the header`);
    t.match(uptimer.malformed_authorization.details, "Bearer <token>", `${locale} shows the format`);
    t.match(uptimer.invalid_token.details, "JWT", `${locale} says JWT`);
    for (const method of ["GET", "HEAD", "OPTIONS"]) {
      t.match(uptimer.method_not_allowed.details, method, `${locale} lists ${method}`);
    }
  }
});

t.test("CATALOGUES writes each Chinese catalogue in its own script", async (t) => {
  // Characters that exist in one script only; each side must avoid the other's.
  const simplifiedOnly = /[请务无过误证头数资问这发应时择据类开关户]/u;
  const traditionalOnly = /[請務無過誤證頭數資問這發應時擇據類開關戶]/u;
  for (const [path, text] of leaves(CATALOGUES["zh-Hant"])) {
    t.notMatch(text as string, simplifiedOnly, `zh-Hant ${path} has no Simplified-only characters`);
  }
  for (const [path, text] of leaves(CATALOGUES.zh)) {
    t.notMatch(text as string, traditionalOnly, `zh ${path} has no Traditional-only characters`);
  }
  const traditional = new Map(leaves(CATALOGUES["zh-Hant"]));
  const differing = leaves(CATALOGUES.zh).filter(([path, text]) => traditional.get(path) !== text);
  t.ok(differing.length >= 25, "zh-Hant differs from zh in all but the shortest words");
});

t.test("CATALOGUES writes Japanese with kana and Vietnamese with diacritics", async (t) => {
  for (const [path, text] of leaves(CATALOGUES.ja.uptimer)) {
    t.match(text as string, /[\u3040-\u30ff]/u, `ja uptimer.${path} has kana`);
  }
  for (const [path, text] of leaves(CATALOGUES.vi)) {
    t.match(text as string, /[\u00c0-\u1ef9]/u, `vi ${path} has Vietnamese letters`);
  }
});

t.test("catalogue answers each locale's catalogue, and English for one outside LOCALES", async (t) => {
  for (const locale of LOCALES) t.equal(catalogue(locale), CATALOGUES[locale], locale);
  t.equal(catalogue("fr" as Locale), CATALOGUES.en, "fr");
});
