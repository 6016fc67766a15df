import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError } from "@/lib/db/errors";
import { errorResponse, forbidden, ignored, invalid, notFound, rateLimited, toAppError, tooLarge, unauthorized, unsupportedMediaType } from "@/lib/http/errors";

describe("errorResponse", () => {
  it("maps each kind to its status in one place", async () => {
    const cases: [unknown, number][] = [
      [ignored("sync message"), 200],
      [invalid("bad header"), 400],
      [unauthorized(), 401],
      [forbidden(), 403],
      [notFound(), 404],
      [tooLarge(1024), 413],
      [unsupportedMediaType("application/json"), 415],
      [rateLimited(3), 429],
    ];
    for (const [err, status] of cases) expect(errorResponse(err).status).toBe(status);
  });

  it("carries Retry-After and field errors when known", async () => {
    const limited = errorResponse(rateLimited(7));
    expect(limited.headers.get("retry-after")).toBe("7");
    const bad = errorResponse(invalid("validation failed", { "x-goog-channel-id": "required" }));
    expect(await bad.json()).toEqual({ error: { kind: "invalid", message: "validation failed", fields: { "x-goog-channel-id": "required" } } });
  });

  it("answers 503 for a database outage, so providers retry, and 500 without detail for anything unknown", async () => {
    const outage = errorResponse(new DatabaseUnavailableError("Cannot reach PostgreSQL at db:5432/x: connection refused"));
    expect(outage.status).toBe(503);
    expect(outage.headers.get("retry-after")).toBe("5");
    expect(JSON.stringify(await outage.json())).not.toContain("db:5432");

    const unknown = errorResponse(new Error("token ya29.secret leaked in a message"));
    expect(unknown.status).toBe(500);
    expect(JSON.stringify(await unknown.json())).not.toContain("ya29");
    expect(toAppError("thrown string").kind).toBe("failed");
  });
});
