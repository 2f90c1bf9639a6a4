import t from "tap";
import { isUnavailableError } from "../../lib/repository/is_unavailable_error.ts";
import { RepositoryUnavailableError } from "../../lib/repository/repository.ts";

t.test("isUnavailableError tells connectivity from other errors", async (t) => {
  const coded = (code: string): Error => Object.assign(new Error(code), { code });
  for (
    const code of [
      "ECONNREFUSED",
      "ECONNRESET",
      "ETIMEDOUT",
      "ENOTFOUND",
      "EPIPE",
      "CONNECTION_CLOSED",
      "CONNECTION_ENDED",
      "CONNECTION_DESTROYED",
      "CONNECT_TIMEOUT",
      "08000",
      "08001",
      "08003",
      "08006",
      "08P01",
      "57P01",
      "57P02",
      "57P03",
      "53300",
      "57014",
    ]
  ) {
    t.ok(isUnavailableError(coded(code)), code);
  }
  for (const code of ["42P01", "42501", "23505", "28P01", "3D000", "53100", "P0001", "08", "080000", "econnrefused"]) {
    t.notOk(isUnavailableError(coded(code)), code);
  }
  t.ok(isUnavailableError(new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")])), "AggregateError");
  t.ok(isUnavailableError(new Error("wrapped", { cause: coded("57P01") })), "cause");
  t.ok(isUnavailableError(new RepositoryUnavailableError()), "RepositoryUnavailableError");
  const cyclic: { code: string; cause?: unknown } = { code: "42P01" };
  cyclic.cause = cyclic;
  t.notOk(isUnavailableError(cyclic), "cyclic cause");
  for (const value of [undefined, null, "ECONNREFUSED", 57014, new Error("plain"), { code: 8006 }]) {
    t.notOk(isUnavailableError(value), String(value));
  }
});
