import { describe, expect, it } from "vitest";
import { REDACTED, redactHeaders, redactJson } from "@/lib/webhooks/redact";

describe("redactHeaders", () => {
  it("keeps ordinary headers and replaces the channel token and credentials", () => {
    const stored = redactHeaders(
      new Headers({
        "X-Goog-Channel-ID": "chan-1",
        "X-Goog-Channel-Token": "s3cret",
        Authorization: "Bearer abc",
        Cookie: "session=1",
        "User-Agent": "APIs-Google",
      }),
    );
    expect(stored).toEqual({
      "x-goog-channel-id": "chan-1",
      "x-goog-channel-token": REDACTED,
      authorization: REDACTED,
      cookie: REDACTED,
      "user-agent": "APIs-Google",
    });
    expect(JSON.stringify(stored)).not.toContain("s3cret");
  });
});

describe("redactJson", () => {
  it("replaces clientState and other secret-named fields at any depth, leaving the rest", () => {
    const item = {
      subscriptionId: "sub-1",
      clientState: "s3cret",
      changeType: "updated",
      resourceData: { id: "e1", "@odata.etag": 'W/"1"', nested: [{ client_state: "s3cret", ok: 1 }] },
      validationTokens: ["jwt"],
    };
    const stored = redactJson(item);
    expect(stored).toEqual({
      subscriptionId: "sub-1",
      clientState: REDACTED,
      changeType: "updated",
      resourceData: { id: "e1", "@odata.etag": 'W/"1"', nested: [{ client_state: REDACTED, ok: 1 }] },
      validationTokens: REDACTED,
    });
    expect(JSON.stringify(stored)).not.toContain("s3cret");
  });

  it("passes scalars and null through", () => {
    expect(redactJson(null)).toBeNull();
    expect(redactJson(3)).toBe(3);
    expect(redactJson("x")).toBe("x");
  });
});
