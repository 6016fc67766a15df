import { randomBytes } from "node:crypto";
import { renderToStaticMarkup } from "react-dom/server";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as setup } from "@/app/api/admin/setup/route";
import AdminSetupPage from "@/app/(app)/admin/setup/page";
import type { SetupReport } from "@/lib/setup/report";
import { addMember, request, signIn, type SignedIn } from "@/scripts/test/app";
import { setupTestDatabase } from "@/scripts/test/database";

// GET /api/admin/setup and the /admin/setup page: the process's own settings, checked
// (against this file's real database), to admins only, and never a secret value.

setupTestDatabase();
const none = undefined as never;
const ENCRYPTION_KEY = randomBytes(32).toString("base64");
const HALF_CLIENT_SECRET = `GOCSPX-${randomBytes(21).toString("base64url")}`;
let admin: SignedIn;
let member: SignedIn;

beforeAll(async () => {
  // Before any sign-in: the process reads these as it would in a deployment.
  process.env.ENCRYPTION_KEY = ENCRYPTION_KEY;
  // A client secret without its id: a failure to report, a value never to show.
  process.env.MICROSOFT_CLIENT_SECRET = HALF_CLIENT_SECRET;
  admin = await signIn("owner@setup-route.test");
  member = await addMember(admin.viewer.organizationId, "member@setup-route.test", "member");
});

describe("GET /api/admin/setup", () => {
  it("gives an admin the report, with secrets described by size only", async () => {
    const response = await setup(request("/api/admin/setup", { cookie: admin.cookie }), none);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    const report = JSON.parse(text) as SetupReport;
    const check = (id: string) => report.checks.find((candidate) => candidate.id === id);
    expect(check("database")).toMatchObject({ status: "ok", detail: expect.stringMatching(/reachable, migrated|embedded PGlite/) });
    expect(check("encryption-key")).toMatchObject({ status: "ok", detail: "set, 32 bytes" });
    expect(check("microsoft-client")).toMatchObject({ status: "failure", detail: expect.stringContaining("MICROSOFT_CLIENT_ID missing") });
    expect(report.status).toBe("failure");
    expect(report.registration.map((entry) => entry.provider)).toEqual(["google", "microsoft"]);
    expect(text).not.toContain(ENCRYPTION_KEY);
    expect(text).not.toContain(HALF_CLIENT_SECRET);
  });

  it("is refused to a member who is not an admin, and to nobody signed in", async () => {
    expect((await setup(request("/api/admin/setup", { cookie: member.cookie }), none)).status).toBe(403);
    expect((await setup(request("/api/admin/setup"), none)).status).toBe(401);
  });
});

describe("/admin/setup", () => {
  it("renders the same checks and URIs as the report, without secret values", async () => {
    const html = renderToStaticMarkup(await AdminSetupPage());
    expect(html).toContain('data-testid="setup-check-encryption-key" data-status="ok"');
    expect(html).toContain('data-testid="setup-check-microsoft-client" data-status="failure"');
    expect(html).toContain("set, 32 bytes");
    expect(html).toContain("→ set MICROSOFT_CLIENT_ID from the same OAuth client");
    expect(html).toContain("/api/oauth/microsoft/callback");
    expect(html).toContain("/api/webhooks/microsoft/lifecycle");
    expect(html).toContain("Calendars.Read");
    expect(html).not.toContain(ENCRYPTION_KEY);
    expect(html).not.toContain(HALF_CLIENT_SECRET);
  });
});
