import { describe, expect, it } from "vitest";
import { authOptions } from "./options";
import { DEFAULT_AFTER_SIGN_IN } from "./redirect";

const env = { NODE_ENV: "test", NEXTAUTH_SECRET: "test-secret-for-options", CALSYNC_SANDBOX: "1" };
const baseUrl = "http://localhost:3000";

describe("next-auth redirect callback", () => {
  const redirect = authOptions(env).callbacks!.redirect!;

  it("keeps destinations on our origin, as absolute URLs next-auth expects", async () => {
    expect(await redirect({ url: "/onboarding/connect-calendar", baseUrl })).toBe(`${baseUrl}/onboarding/connect-calendar`);
    expect(await redirect({ url: `${baseUrl}/events?x=1`, baseUrl })).toBe(`${baseUrl}/events?x=1`);
    expect(await redirect({ url: "/", baseUrl })).toBe(`${baseUrl}/`);
  });

  it("sends anything else to the default page, without throwing on what next-auth's own check cannot parse", async () => {
    for (const url of [
      "/\t/evil.example/x",
      "/\n/evil.example",
      "//evil.example",
      "/\\evil.example",
      "https://evil.example/",
      "http://[::1",
      `/${"a".repeat(5000)}`,
    ]) {
      const target = await redirect({ url, baseUrl });
      expect(target, JSON.stringify(url)).toBe(`${baseUrl}${DEFAULT_AFTER_SIGN_IN}`);
      expect(new URL(target).origin).toBe(baseUrl);
    }
  });
});
