import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { overallStatus } from "./check";
import { checkEncryptionKeys, checkInngestKeys, checkMail, checkOAuthClients, checkPublicUrls, checkSessionSecret } from "./settings";

const KEY = randomBytes(32).toString("base64");

describe("setup checks of the environment alone", () => {
  it("encryption key: missing is a failure in production, a warning elsewhere; malformed always fails", () => {
    expect(checkEncryptionKeys({ NODE_ENV: "production" })[0]).toMatchObject({ status: "failure", detail: expect.stringMatching(/^missing/) });
    expect(checkEncryptionKeys({})[0]).toMatchObject({ status: "warning" });
    expect(checkEncryptionKeys({ ENCRYPTION_KEY: randomBytes(16).toString("base64") })[0]).toMatchObject({
      status: "failure",
      detail: "malformed: expected base64 of 32 bytes",
    });
    expect(checkEncryptionKeys({ ENCRYPTION_KEY: KEY })[0]).toMatchObject({ status: "ok", detail: "set, 32 bytes" });
  });

  it("session secret: NEXTAUTH_SECRET wins over AUTH_SECRET, and a short one fails", () => {
    expect(checkSessionSecret({ AUTH_SECRET: KEY })).toEqual([expect.objectContaining({ label: "AUTH_SECRET", status: "ok" })]);
    expect(checkSessionSecret({ NEXTAUTH_SECRET: KEY, AUTH_SECRET: "other" }).map((check) => check.status)).toEqual(["ok", "warning"]);
    expect(checkSessionSecret({ NEXTAUTH_SECRET: "short!" })[0]).toMatchObject({ status: "failure", detail: "too short: 6 bytes, expected at least 32" });
  });

  it("public URL: https and public in production, origin only", () => {
    const production = { NODE_ENV: "production", GOOGLE_CLIENT_ID: "x.apps.googleusercontent.com", GOOGLE_CLIENT_SECRET: "s" };
    expect(checkPublicUrls({ ...production, NEXTAUTH_URL: "http://calsync.example.com" })[0]).toMatchObject({ status: "failure" });
    expect(checkPublicUrls({ ...production, NEXTAUTH_URL: "https://localhost" })[0]).toMatchObject({
      status: "failure",
      detail: expect.stringContaining("not reachable from the internet"),
    });
    expect(checkPublicUrls({ ...production, NEXTAUTH_URL: "https://calsync.example.com/app" })[0]).toMatchObject({ status: "failure" });
    expect(checkPublicUrls({ ...production, NEXTAUTH_URL: "https://calsync.example.com/" })[0]).toMatchObject({
      status: "ok",
      detail: "https://calsync.example.com",
    });
    expect(checkPublicUrls({ ...production, CALSYNC_PUBLIC_URL: "https://hooks.example.com" }).map((check) => [check.label, check.status])).toEqual([
      ["CALSYNC_PUBLIC_URL", "ok"],
      ["NEXTAUTH_URL", "failure"],
    ]);
    expect(checkPublicUrls({})[0]).toMatchObject({ status: "ok" });
  });

  it("OAuth clients: half a client fails, none at all in production fails, sandbox in production fails", () => {
    expect(checkOAuthClients({ NODE_ENV: "production", GOOGLE_CLIENT_ID: "x.apps.googleusercontent.com" }).map((check) => check.id)).toEqual([
      "google-client",
      "microsoft-client",
      "providers",
    ]);
    expect(overallStatus(checkOAuthClients({ NODE_ENV: "production", CALSYNC_SANDBOX: "1" }))).toBe("failure");
    expect(overallStatus(checkOAuthClients({}))).toBe("ok");
    expect(
      checkOAuthClients({ MICROSOFT_CLIENT_ID: "not-a-guid", MICROSOFT_CLIENT_SECRET: "s" }).find((check) => check.id === "microsoft-client"),
    ).toMatchObject({ status: "warning" });
  });

  it("Inngest: inline when unconfigured, both keys needed otherwise, no dev server in production", () => {
    expect(checkInngestKeys({})[0]).toMatchObject({ status: "ok" });
    expect(checkInngestKeys({ INNGEST_EVENT_KEY: "k" })[0]).toMatchObject({ status: "warning" });
    expect(checkInngestKeys({ VERCEL: "1" })[0]).toMatchObject({ status: "failure", detail: expect.stringContaining("Vercel") });
    expect(checkInngestKeys({ NODE_ENV: "production", INNGEST_DEV: "1" })[0]).toMatchObject({ status: "failure" });
    expect(checkInngestKeys({ INNGEST_SIGNING_KEY: "signkey-prod-abc" }).map((check) => check.status)).toEqual(["failure", "failure"]);
    expect(checkInngestKeys({ INNGEST_SIGNING_KEY: `signkey-prod-${"ab".repeat(32)}`, INNGEST_EVENT_KEY: "k" }).map((check) => check.detail)).toEqual([
      "set, 32 bytes",
      "set, 1 byte",
    ]);
  });
});

describe("checkMail", () => {
  it("is optional, refuses what nodemailer cannot use, and never echoes credentials", () => {
    expect(checkMail({})[0]).toMatchObject({ status: "ok", label: "SMTP_URL" });
    expect(checkMail({ SMTP_URL: "not a url" })[0]).toMatchObject({ status: "failure", detail: "not a URL" });
    expect(checkMail({ SMTP_URL: "http://mail.example" })[0]).toMatchObject({ status: "failure", detail: "unsupported scheme http:" });
    const set = checkMail({ SMTP_URL: "smtps://mailer:s3cret@mail.example:465", MAIL_FROM: "calsync <ops@example.com>" })[0]!;
    expect(set).toMatchObject({ status: "ok", detail: "smtps://mail.example:465, with credentials; mail from calsync <ops@example.com>" });
    expect(JSON.stringify(set)).not.toContain("s3cret");
  });
});
