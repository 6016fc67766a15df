import { gaxios } from "google-auth-library";
import { describe, expect, it } from "vitest";
import { ProviderError } from "../errors";
import { googleError } from "./errors";

// Real GaxiosErrors, made by gaxios itself from a canned answer: unit tests have no
// network, so a fetchImplementation stands in for the server.

async function gaxiosFailure(answer: () => Promise<Response>, options: { method?: "GET" | "POST"; data?: URLSearchParams } = {}): Promise<unknown> {
  const client = new gaxios.Gaxios();
  return client
    .request({
      url: "https://www.googleapis.com/calendar/v3/calendars/primary/events",
      method: options.method ?? "GET",
      data: options.data,
      retry: false,
      fetchImplementation: answer,
      headers: { authorization: "Bearer secret-access-token" },
    })
    .then(
      () => {
        throw new Error("expected the request to fail");
      },
      (error: unknown) => error,
    );
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    Promise.resolve(new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } }));

const apiError = (status: number, reason: string, message = "Something", domain = "global") => ({
  error: { code: status, message, errors: [{ domain, reason, message }] },
});

describe("googleError (API endpoints)", () => {
  it("reads 410 fullSyncRequired as cursor_expired, keeping Google's reason", async () => {
    const error = googleError(
      await gaxiosFailure(json(410, apiError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.", "calendar"))),
      "api",
      "events.list",
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "cursor_expired", status: 410, code: "fullSyncRequired", retryAfterMs: null });
    expect(error.message).toContain("Sync token is no longer valid");
  });

  it("reads any other 410 reason as cursor_expired too", async () => {
    const error = googleError(await gaxiosFailure(json(410, apiError(410, "updatedMinTooLongAgo"))), "api", "events.list");
    expect(error.kind).toBe("cursor_expired");
    expect(error.code).toBe("updatedMinTooLongAgo");
  });

  it("reads 429 as rate_limited with Retry-After in milliseconds", async () => {
    const error = googleError(
      await gaxiosFailure(json(429, apiError(429, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"), { "retry-after": "7" })),
      "api",
      "events.list",
    );
    expect(error).toMatchObject({ kind: "rate_limited", status: 429, code: "rateLimitExceeded", retryAfterMs: 7000 });
    expect(error.transient).toBe(true);
  });

  it("reads 403 quota reasons as rate_limited, and other 403s as rejected", async () => {
    for (const reason of ["rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"]) {
      const error = googleError(await gaxiosFailure(json(403, apiError(403, reason, "Rate Limit Exceeded", "usageLimits"))), "api", "events.list");
      expect(error).toMatchObject({ kind: "rate_limited", status: 403, code: reason });
    }
    const forbidden = googleError(
      await gaxiosFailure(json(403, apiError(403, "insufficientPermissions", "Insufficient Permission"))),
      "api",
      "calendarList.list",
    );
    expect(forbidden).toMatchObject({ kind: "rejected", code: "insufficientPermissions" });
  });

  it("reads a watch Google refuses for the calendar as push_unsupported, final, and other 400s as rejected", async () => {
    const refused = googleError(
      await gaxiosFailure(json(400, apiError(400, "pushNotSupportedForRequestedResource", "Push notifications are not supported by this resource."))),
      "api",
      "events.watch",
    );
    expect(refused).toMatchObject({ kind: "push_unsupported", status: 400, code: "pushNotSupportedForRequestedResource" });
    expect(refused.transient).toBe(false);
    const invalid = googleError(await gaxiosFailure(json(400, apiError(400, "invalid", "Invalid channel type"))), "api", "events.watch");
    expect(invalid).toMatchObject({ kind: "rejected", code: "invalid" });
  });

  it("maps 401, 404, 400 and 5xx by status", async () => {
    const cases: Array<[number, string, string]> = [
      [401, "authError", "unauthorized"],
      [404, "notFound", "not_found"],
      [400, "invalid", "rejected"],
      [500, "backendError", "unavailable"],
      [503, "backendError", "unavailable"],
    ];
    for (const [status, reason, kind] of cases) {
      const error = googleError(await gaxiosFailure(json(status, apiError(status, reason))), "api", "events.list");
      expect(error).toMatchObject({ kind, status, code: reason });
    }
  });

  it("copes with a body that is not Google's JSON", async () => {
    const error = googleError(
      await gaxiosFailure(() => Promise.resolve(new Response("<html>Bad Gateway</html>", { status: 502, headers: { "content-type": "text/html" } }))),
      "api",
      "events.list",
    );
    expect(error).toMatchObject({ kind: "unavailable", status: 502, code: null });
  });

  it("reads a failure without a response as unavailable, and keeps the bearer token out of the error", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
    });
    const error = googleError(await gaxiosFailure(() => Promise.reject(refused)), "api", "events.list");
    expect(error).toMatchObject({ kind: "unavailable", status: null });
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain("secret-access-token");
    expect(error.cause).not.toBeInstanceOf(gaxios.GaxiosError);
  });

  it("passes ProviderErrors through and calls anything else failed", () => {
    const original = new ProviderError("rejected", "already classified");
    expect(googleError(original, "api", "events.list")).toBe(original);
    expect(googleError(new Error("boom"), "api", "events.list").kind).toBe("failed");
  });
});

describe("googleError (token endpoint)", () => {
  const tokenRequest = {
    method: "POST" as const,
    data: new URLSearchParams({ grant_type: "refresh_token", refresh_token: "rt-secret", client_secret: "client-secret-value" }),
  };

  it("reads invalid_grant as reauthorization_required with the code, and leaks no secret", async () => {
    const error = googleError(
      await gaxiosFailure(json(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." }), tokenRequest),
      "oauth",
      "token refresh",
    );
    expect(error).toMatchObject({ kind: "reauthorization_required", status: 400, code: "invalid_grant" });
    const visible = `${error.message} ${String(error.cause)} ${JSON.stringify(error)}`;
    for (const secret of ["rt-secret", "client-secret-value", "secret-access-token"]) expect(visible).not.toContain(secret);
  });

  it("reads a wrong client (401) as rejected, not as an expired access token", async () => {
    const error = googleError(
      await gaxiosFailure(json(401, { error: "invalid_client", error_description: "Unauthorized" }), tokenRequest),
      "oauth",
      "token exchange",
    );
    expect(error).toMatchObject({ kind: "rejected", status: 401, code: "invalid_client" });
  });

  it("reads 5xx as unavailable and 429 as rate_limited", async () => {
    expect(
      googleError(await gaxiosFailure(json(503, { error: "internal_failure", error_description: "Backend Error" }), tokenRequest), "oauth", "token refresh")
        .kind,
    ).toBe("unavailable");
    const limited = googleError(
      await gaxiosFailure(json(429, { error: "rate_limit_exceeded" }, { "retry-after": "2" }), tokenRequest),
      "oauth",
      "token refresh",
    );
    expect(limited).toMatchObject({ kind: "rate_limited", retryAfterMs: 2000 });
  });
});
