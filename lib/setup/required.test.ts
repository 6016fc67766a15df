import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { missingRequiredSettings, missingSettingsMessage } from "./required";

const secret = () => randomBytes(32).toString("base64");

describe("settings production cannot start without", () => {
  it("names each missing one in production, none elsewhere", () => {
    expect(missingRequiredSettings({ NODE_ENV: "production" })).toEqual(["ENCRYPTION_KEY", "NEXTAUTH_SECRET"]);
    expect(missingRequiredSettings({ NODE_ENV: "production", ENCRYPTION_KEY: secret() })).toEqual(["NEXTAUTH_SECRET"]);
    expect(missingRequiredSettings({ NODE_ENV: "production", ENCRYPTION_KEY: secret(), AUTH_SECRET: secret() })).toEqual([]);
    expect(missingRequiredSettings({ NODE_ENV: "production", ENCRYPTION_KEY: "  ", NEXTAUTH_SECRET: secret() })).toEqual(["ENCRYPTION_KEY"]);
    expect(missingRequiredSettings({})).toEqual([]);
  });

  it("says what to do, without any value", () => {
    const key = secret();
    const message = missingSettingsMessage(missingRequiredSettings({ NODE_ENV: "production", NEXTAUTH_SECRET: key }));
    expect(message).toBe(
      "calsync cannot start in production: ENCRYPTION_KEY is not set. Set it to the output of `openssl rand -base64 32` (npm run calsync -- doctor checks every setting).",
    );
    expect(message).not.toContain(key);
    expect(missingSettingsMessage(["ENCRYPTION_KEY", "NEXTAUTH_SECRET"])).toMatch(
      /^calsync cannot start in production: ENCRYPTION_KEY and NEXTAUTH_SECRET are not set\. Set each/,
    );
  });
});
