import { describe, expect, it } from "vitest";
import { safeCallbackUrl, signInErrorMessage } from "./sign-in-errors";

describe("signInErrorMessage", () => {
  it("has nothing to say without an error", () => {
    expect(signInErrorMessage(null)).toBeNull();
    expect(signInErrorMessage("")).toBeNull();
  });

  it("explains next-auth's codes", () => {
    expect(signInErrorMessage("AccessDenied")?.title).toBe("Access denied");
    expect(signInErrorMessage("OAuthCallback")?.description).toMatch(/could not be verified/);
    expect(signInErrorMessage("Callback")?.description).toMatch(/another provider/);
  });

  it("gives unknown codes, including inherited keys, a generic message", () => {
    expect(signInErrorMessage("Whatever")?.title).toBe("Could not sign in");
    expect(signInErrorMessage("constructor")?.title).toBe("Could not sign in");
  });
});

describe("safeCallbackUrl", () => {
  it("keeps same-site paths", () => {
    expect(safeCallbackUrl("/onboarding/connect-calendar?result=connected")).toBe("/onboarding/connect-calendar?result=connected");
    expect(safeCallbackUrl(["/dashboard", "/x"])).toBe("/dashboard");
  });

  it("refuses anything that could leave the site", () => {
    expect(safeCallbackUrl("https://evil.example/")).toBe("/dashboard");
    expect(safeCallbackUrl("//evil.example/")).toBe("/dashboard");
    expect(safeCallbackUrl("/\\evil.example")).toBe("/dashboard");
    expect(safeCallbackUrl("javascript:alert(1)")).toBe("/dashboard");
  });

  it("reduces absolute URLs on our own origin to their path", () => {
    expect(safeCallbackUrl("http://localhost:3000/onboarding/connect-calendar", "http://localhost:3000")).toBe("/onboarding/connect-calendar");
    expect(safeCallbackUrl("http://localhost:3000.evil.example/x", "http://localhost:3000")).toBe("/dashboard");
  });

  it("never sends people back to the sign-in page", () => {
    expect(safeCallbackUrl("/signin?error=x")).toBe("/dashboard");
    expect(safeCallbackUrl(undefined)).toBe("/dashboard");
  });
});
