import t from "tap";
import { type Locale, LOCALES } from "../../lib/locale/locales.ts";
import { negotiateLocale } from "../../lib/locale/negotiate_locale.ts";

/** `[header, expected, behaviour]`: expected values follow from the rules, not from a run. */
const TABLE: ReadonlyArray<readonly [string | null, Locale, string]> = [
  // Absent, empty, garbage
  [null, "en", "answers en for an absent header"],
  ["", "en", "answers en for an empty header"],
  ["   \t ", "en", "answers en for a blank header"],
  ["garbage!!!", "en", "answers en for garbage"],
  [";;;,,,===", "en", "answers en for delimiters only"],
  ["fr-FR, de;q=0.9", "en", "answers en when no range is supported"],
  ["\u00e9n, ja", "ja", "skips a non-ASCII range"],

  // Wildcard
  ["*", "en", "maps * to the first locale"],
  ["en;q=0, *", "zh", "maps * past an excluded en"],
  ["en;q=0, zh;q=0, *", "zh-Hant", "maps * past two exclusions"],
  ["en;q=0,zh;q=0,zh-Hant;q=0,ja;q=0,vi;q=0,*", "en", "answers en when * has nothing left"],
  ["*;q=0.5, ja;q=0.1", "en", "lets a heavier * beat a named range"],
  ["en;q=0.1, *", "zh", "keeps * from matching a range named elsewhere"],
  ["fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "en", "follows the RFC 9110 example"],
  ["*;q=0, ja;q=0.3", "ja", "treats *;q=0 as no exclusion of named ranges"],
  ["*;q=0", "en", "answers en for *;q=0 alone"],

  // Weights
  ["ja;q=0.5, vi;q=0.8", "vi", "prefers higher q"],
  ["ja;q=0.5, vi;q=0.5", "ja", "keeps header order on ties"],
  ["vi;q=0.5, ja;q=0.5", "vi", "keeps header order on ties, reversed"],
  ["ja;q=1.0, vi", "ja", "treats q=1.0 as q=1"],
  ["en;q=0.5, ja;q=0.500", "en", "compares q=0.5 and q=0.500 as equal"],
  ["ja;q=0.001, vi;q=0.000", "ja", "keeps q=0.001 above q=0.000"],
  ["ja;Q=0.9, vi;q=0.8", "ja", "reads an upper-case Q"],
  ["ja;q=1., vi;q=0.9", "ja", "accepts q=1. with no decimals"],

  // Invalid weights: the range is ignored, not excluded
  ["ja;q=2, vi;q=0.1", "vi", "ignores q=2"],
  ["ja;q=abc, vi;q=0.1", "vi", "ignores q=abc"],
  ["ja;q=0.1234, vi;q=0.001", "vi", "ignores q with four decimals"],
  ["ja;q=1.001, vi;q=0.5", "vi", "ignores q above 1"],
  ["ja;q=.5, vi;q=0.4", "vi", "ignores q without a leading digit"],
  ["ja;q=, vi;q=0.4", "vi", "ignores an empty q"],
  ["ja;q=-0, vi;q=0.4", "vi", "ignores a negative q"],
  ["ja;q=01, vi;q=0.4", "vi", "ignores q=01"],
  ["ja;q=0.5;q=0.9, vi;q=0.1", "vi", "ignores a doubled q"],
  ["ja;level=1, vi;q=0.1", "vi", "ignores a parameter other than q"],
  ["ja;q=2, ja-JP;q=0.1", "ja", "does not treat an invalid q as an exclusion"],

  // Exclusions
  ["en;q=0", "en", "answers en when the only range is excluded"],
  ["ja;q=0, ja-JP", "en", "excludes what a q=0 range maps to"],
  ["ja-JP;q=0, ja, vi;q=0.2", "vi", "excludes ja through ja-JP;q=0"],
  ["zh-TW;q=0, zh-Hant, zh;q=0.5", "zh", "excludes zh-Hant through zh-TW;q=0"],
  ["vi;q=0., vi-VN;q=0.5, ja;q=0.1", "ja", "reads q=0. as an exclusion"],
  ["ja, ja;q=0", "en", "lets an exclusion win over a later-listed preference"],
  ["fr;q=0, ja;q=0.1", "ja", "ignores an exclusion of an unsupported language"],

  // Whitespace and case
  ["  ja ;  q=0.9 ,\tvi;q=1 ", "vi", "allows spaces and tabs around delimiters"],
  ["ja;q = 0.5, vi;q=0.4", "ja", "allows spaces around ="],
  ["ja\t,\tvi", "ja", "allows tabs around commas"],
  [",,, ja ,,", "ja", "skips empty list members"],
  ["JA-jp", "ja", "matches case-insensitively"],
  ["ZH-hant-hk", "zh-Hant", "matches a mixed-case script"],
  ["Zh-tW", "zh-Hant", "matches a mixed-case region"],

  // Malformed ranges are skipped
  ["en_US, ja", "ja", "skips a range with an underscore"],
  ["en-, ja", "ja", "skips a range with a trailing hyphen"],
  ["abcdefghi, ja", "ja", "skips a primary subtag longer than 8"],
  ["en-123456789, ja", "ja", "skips a subtag longer than 8"],
  ["1en, ja", "ja", "skips a primary subtag with a digit"],
  ["zh-*-TW, vi", "vi", "skips a wildcard inside a range"],
  ["*-TW, vi", "vi", "skips a wildcard followed by a subtag"],
  ["en US, ja", "ja", "skips two ranges without a comma"],
  ["en;, ja", "ja", "skips a dangling semicolon"],

  // Chinese
  ["zh", "zh", "maps zh to zh"],
  ["zh-CN", "zh", "maps zh-CN to zh"],
  ["zh-SG", "zh", "maps zh-SG to zh"],
  ["zh-MY", "zh", "maps zh-MY to zh"],
  ["zh-Hans", "zh", "maps zh-Hans to zh"],
  ["zh-Hans-CN", "zh", "maps zh-Hans-CN to zh"],
  ["zh-Hans-TW", "zh", "lets the Hans script win over the TW region"],
  ["zh-TW", "zh-Hant", "maps zh-TW to zh-Hant"],
  ["zh-HK", "zh-Hant", "maps zh-HK to zh-Hant"],
  ["zh-MO", "zh-Hant", "maps zh-MO to zh-Hant"],
  ["zh-Hant", "zh-Hant", "maps zh-Hant to zh-Hant"],
  ["zh-Hant-TW", "zh-Hant", "maps zh-Hant-TW to zh-Hant"],
  ["zh-Hant-CN", "zh-Hant", "lets the Hant script win over the CN region"],
  ["zh-US", "zh", "truncates an unknown Chinese region to zh"],
  ["zh-TW-x-private", "zh-Hant", "truncates a private-use tail"],
  ["zh-x-tw", "zh", "does not read a private-use subtag as a region"],
  ["x-zh, ja", "ja", "does not map a private-use range"],
  ["cmn", "zh", "maps cmn to zh"],
  ["cmn-Hant-TW", "zh-Hant", "maps cmn-Hant-TW to zh-Hant"],
  ["cmn-TW", "zh-Hant", "maps cmn-TW to zh-Hant"],
  ["zh-cmn-Hans-CN", "zh", "maps the extended form zh-cmn-Hans-CN to zh"],
  ["zh-cmn-Hant", "zh-Hant", "maps the extended form zh-cmn-Hant to zh-Hant"],
  ["yue", "zh-Hant", "maps yue to zh-Hant"],
  ["yue-HK", "zh-Hant", "maps yue-HK to zh-Hant"],
  ["zh-yue", "zh-Hant", "maps the extended form zh-yue to zh-Hant"],
  ["yue-CN", "zh", "maps yue-CN to zh"],
  ["yue-Hans", "zh", "maps yue-Hans to zh"],

  // Japanese, Vietnamese, English
  ["ja", "ja", "maps ja to ja"],
  ["ja-JP", "ja", "maps the region tag ja-JP to ja"],
  ["ja-Jpan-JP-u-ca-japanese", "ja", "truncates a long ja tag"],
  ["vi", "vi", "maps vi to vi"],
  ["vi-VN", "vi", "maps vi-VN to vi"],
  ["en-GB", "en", "maps en-GB to en"],
  ["en-US", "en", "maps en-US to en"],
  ["en-Latn-US-valencia", "en", "truncates a long en tag"],
  ["fr-FR, ja", "ja", "falls through fr-FR to ja"],
  ["fr-FR,fr;q=0.9,ja;q=0.8,en;q=0.7", "ja", "falls through French to the next weight"],

  // Browser-realistic headers
  ["zh-TW,zh;q=0.9,en-US;q=0.8,en;q=0.7", "zh-Hant", "answers a Taiwanese browser"],
  ["zh-CN,zh;q=0.9,en;q=0.8", "zh", "answers a mainland browser"],
  ["en-US,en;q=0.9", "en", "answers a US browser"],
  ["ja,en-US;q=0.9,en;q=0.8", "ja", "answers a Japanese browser"],
  ["vi-VN,vi;q=0.9,fr-FR;q=0.8,fr;q=0.7,en-US;q=0.6,en;q=0.5", "vi", "answers a Vietnamese browser"],
  ["de-DE,de;q=0.9,zh-CN;q=0.8,zh;q=0.7", "zh", "answers a German browser that reads Chinese"],
  ["en-GB,en;q=0.9,ja;q=0.8", "en", "answers a British browser"],
];

for (const [header, expected, behaviour] of TABLE) {
  t.test(`negotiateLocale ${behaviour}`, async (t) => {
    t.equal(negotiateLocale(header), expected, JSON.stringify(header));
  });
}

t.test("negotiateLocale answers the same from its cache", async (t) => {
  const header = "vi;q=0.3, ja-JP;q=0.7";
  t.equal(negotiateLocale(header), "ja");
  t.equal(negotiateLocale(header), "ja");
  // Overflow the cache so it is cleared, then ask again.
  for (let i = 0; i < 600; i++) negotiateLocale(`fr;q=0.${String(i % 1000).padStart(3, "0")}, vi`);
  t.equal(negotiateLocale(header), "ja");
  t.equal(negotiateLocale("fr;q=0.123, vi"), "vi");
});

t.test("negotiateLocale reads only the first 4 KiB of a 100 KB header", async (t) => {
  t.equal(negotiateLocale("ja," + "a".repeat(100 * 1024)), "ja", "a complete range before the cut counts");
  t.equal(negotiateLocale("x".repeat(100 * 1024)), "en", "one huge malformed range");
  t.equal(negotiateLocale("fr, ".repeat(25_600) + "ja"), "en", "a range after 4 KiB is not read");
  t.equal(negotiateLocale("en-" + "abcdefgh-".repeat(11_000) + "x"), "en", "a huge range with no comma");
});

t.test("negotiateLocale drops the range cut by the 4 KiB limit", async (t) => {
  // "zh-H" lies inside the window, "ant" outside: read alone it would be zh.
  const cut = "vi;q=0.5," + " ".repeat(4083) + "zh-Hant" + " ".repeat(100);
  t.equal(cut.indexOf("zh-H"), 4092);
  t.equal(negotiateLocale(cut), "vi");
  // A range that ends exactly at the limit, followed by a comma, is whole.
  const whole = "vi;q=0.5," + " ".repeat(4085) + "ja," + " ".repeat(100);
  t.equal(whole.indexOf("ja,"), 4094);
  t.equal(negotiateLocale(whole), "ja");
});

t.test("negotiateLocale answers from the first 32 of 1,000 ranges", async (t) => {
  const ranges = (at: number, range: string): string =>
    Array.from({ length: 1000 }, (_, i) => (i === at ? range : "fr;q=0.9")).join(",");
  t.equal(negotiateLocale(ranges(31, "ja;q=0.1")), "ja", "the 32nd range is read");
  t.equal(negotiateLocale(ranges(32, "ja")), "en", "the 33rd range is not");
  t.equal(negotiateLocale(ranges(500, "ja")), "en", "the 501st range is not");
  const malformed = Array.from({ length: 40 }, () => "%%").join(",") + ",ja";
  t.equal(negotiateLocale(malformed), "en", "malformed ranges count toward the 32");
  const late = Array.from({ length: 31 }, () => "fr").join(",") + ",ja,ja;q=0";
  t.equal(negotiateLocale(late), "ja", "an exclusion past the 32nd range is not read");
});

t.test("negotiateLocale never throws and always answers a locale", async (t) => {
  // A fixed-seed generator, so a failure can be replayed.
  let seed = 0x2545f491;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const alphabet = "abjvhzACTEW-*;,=q.0159 \t\u00e9\u4e2d";
  for (let n = 0; n < 2000; n++) {
    let header = "";
    const length = Math.floor(next() * 60);
    for (let i = 0; i < length; i++) header += alphabet[Math.floor(next() * alphabet.length)];
    const locale = negotiateLocale(header);
    if (!LOCALES.includes(locale)) t.fail(`${JSON.stringify(header)} → ${String(locale)}`);
  }
  const untyped = negotiateLocale as (value: unknown) => Locale;
  t.equal(untyped(undefined), "en");
  t.equal(untyped(42), "en");
});
