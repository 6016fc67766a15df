import { describe, expect, it } from "vitest";
import { declinedSignInLocation } from "./declined";

const origin = "https://calsync.example";
const callback = (query: string) => new URL(`${origin}/api/auth/callback/google?${query}`);

describe("declinedSignInLocation", () => {
  it("sends a declined consent to the sign-in page with its own code and the page the person was going to", () => {
    expect(declinedSignInLocation(callback("error=access_denied&state=s"), ["callback", "google"], {}, origin)).toBe("/signin?error=Declined");
    expect(
      declinedSignInLocation(
        callback("error=access_denied&error_subcode=cancel"),
        ["callback", "microsoft"],
        { "next-auth.callback-url": `${origin}/onboarding/connect-calendar` },
        origin,
      ),
    ).toBe("/signin?error=Declined&callbackUrl=%2Fonboarding%2Fconnect-calendar");
  });

  it("never carries another site's address along", () => {
    expect(
      declinedSignInLocation(callback("error=access_denied"), ["callback", "google"], { "__Secure-next-auth.callback-url": "https://evil.example/x" }, origin),
    ).toBe("/signin?error=Declined&callbackUrl=%2Fdashboard");
  });

  it("leaves every other request to next-auth", () => {
    expect(declinedSignInLocation(callback("code=abc&state=s"), ["callback", "google"], {}, origin)).toBeNull();
    expect(declinedSignInLocation(callback("error=server_error"), ["callback", "google"], {}, origin)).toBeNull();
    expect(declinedSignInLocation(new URL(`${origin}/api/auth/signin/google?error=access_denied`), ["signin", "google"], {}, origin)).toBeNull();
  });
});
