import { describe, expect, it } from "vitest";
import { CONNECT_RESULTS } from "@/lib/connections/results";
import { connectResultToast, withoutConnectResult } from "./connect-result";

describe("connectResultToast", () => {
  it("shows nothing without a result", () => {
    expect(connectResultToast(null, null)).toBeNull();
    expect(connectResultToast("", "google")).toBeNull();
  });

  it("uses the shared wording for every known outcome", () => {
    for (const [code, expected] of Object.entries(CONNECT_RESULTS)) {
      expect(connectResultToast(code, "google")).toMatchObject({ tone: expected.tone, title: expected.title, description: expected.description });
    }
  });

  it("tells success from failure", () => {
    expect(connectResultToast("connected", "microsoft")?.tone).toBe("success");
    expect(connectResultToast("consent_denied", "microsoft")?.tone).toBe("error");
  });

  it("turns an unknown code into a generic error that names the provider", () => {
    const toast = connectResultToast("teapot", "google", { google: "Google Calendar" });
    expect(toast).toMatchObject({ tone: "error", title: "The connection did not complete" });
    expect(toast?.description).toContain("Google Calendar returned");
    expect(toast?.description).toContain("teapot");
  });

  it("does not treat inherited object keys as outcomes", () => {
    expect(connectResultToast("toString", null)?.title).toBe("The connection did not complete");
  });

  it("gives the same outcome the same id, so it is shown once", () => {
    expect(connectResultToast("connected", "google")?.id).toBe(connectResultToast("connected", "google")?.id);
    expect(connectResultToast("connected", "google")?.id).not.toBe(connectResultToast("connected", "microsoft")?.id);
  });
});

describe("withoutConnectResult", () => {
  it("removes the callback's parameters and keeps the rest", () => {
    expect(withoutConnectResult("?result=connected&provider=google")).toBe("");
    expect(withoutConnectResult("?result=connected&provider=google&connection=abc")).toBe("");
    expect(withoutConnectResult("?result=connected&provider=google&tab=2")).toBe("?tab=2");
    expect(withoutConnectResult("")).toBe("");
  });

  it("names the provider and the account of a connection that succeeded", () => {
    const names = { google: "Google Calendar", microsoft: "Outlook Calendar" };
    expect(connectResultToast("connected", "google", names, null, "ada@example.com")?.title).toBe("Google Calendar connected: ada@example.com");
    expect(connectResultToast("reconnected", "microsoft", names, null, "ada@example.com")?.title).toBe("Outlook Calendar reconnected: ada@example.com");
    expect(connectResultToast("connected", "google", names)?.title).toBe("Google Calendar connected");
    expect(connectResultToast("consent_denied", "google", names, null, "ada@example.com")?.title).toBe(CONNECT_RESULTS.consent_denied.title);
  });
});
