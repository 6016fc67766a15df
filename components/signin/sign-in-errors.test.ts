import { describe, expect, it } from "vitest";
import { signInErrorMessage } from "./sign-in-errors";

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

  it("tells a person who declined consent just that, not the account-linking text", () => {
    expect(signInErrorMessage("Declined")?.title).toBe("You declined");
    expect(signInErrorMessage("Declined")?.description).not.toMatch(/another provider/);
  });

  it("gives unknown codes, including inherited keys, a generic message", () => {
    expect(signInErrorMessage("Whatever")?.title).toBe("Could not sign in");
    expect(signInErrorMessage("constructor")?.title).toBe("Could not sign in");
  });
});
