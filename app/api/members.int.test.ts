import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";
import { setupTestDatabase } from "@/scripts/test/database";
import { request, signIn, type SignedIn } from "@/scripts/test/app";
import type { InvitationCreated, MembersResponse, OrganizationsResponse } from "@/lib/api/types";
import { CURRENT_ORGANIZATION_COOKIE } from "@/lib/auth/organizations";
import { GET as listMembers } from "@/app/api/members/route";
import { DELETE as removeMember, PATCH as patchMember } from "@/app/api/members/[id]/route";
import { POST as invite } from "@/app/api/invitations/route";
import { DELETE as revokeInvitation } from "@/app/api/invitations/[id]/route";
import { POST as accept } from "@/app/api/invitations/accept/route";
import { GET as listOrganizations } from "@/app/api/organizations/route";
import { PUT as switchOrganization } from "@/app/api/organizations/current/route";
import { GET as adminHealth } from "@/app/api/admin/health/route";
import { INVITATION_TTL_MS } from "@/lib/organizations/invitations";

// Organizations for more than one person, through the route handlers with real
// session cookies and the real database: invite, accept (once, as the invited
// address only), roles and their limits, at least one owner, remove and leave, and
// switching between organizations. A real SMTP server in this process receives the
// mail when SMTP_URL is set.

const database = setupTestDatabase();
const json = { "content-type": "application/json" };
const noParams = { params: Promise.resolve({}) } as never;
const idParams = (id: string) => ({ params: Promise.resolve({ id }) });

let owner: SignedIn;

/** A person's cookie acting in `organizationId` (what the switcher sets). */
const inOrganization = (person: SignedIn, organizationId: string) => `${person.cookie}; ${CURRENT_ORGANIZATION_COOKIE}=${organizationId}`;

async function members(cookie: string): Promise<{ status: number; body: MembersResponse }> {
  const response = await listMembers(request("/api/members", { cookie }), noParams);
  return { status: response.status, body: (await response.json()) as MembersResponse };
}

async function inviteAs(cookie: string, email: string, role: "owner" | "admin" | "member" = "member") {
  const response = await invite(request("/api/invitations", { method: "POST", cookie, headers: json, body: JSON.stringify({ email, role }) }), noParams);
  return { status: response.status, body: (await response.json()) as InvitationCreated & { error?: { message: string } } };
}

async function acceptAs(cookie: string, token: string) {
  const response = await accept(request("/api/invitations/accept", { method: "POST", cookie, headers: json, body: JSON.stringify({ token }) }), noParams);
  return {
    status: response.status,
    body: (await response.json()) as { organizationId?: string; role?: string; error?: { message: string } },
    setCookie: response.headers.get("set-cookie") ?? "",
  };
}

async function setRole(cookie: string, membershipId: string, role: string) {
  const response = await patchMember(
    request(`/api/members/${membershipId}`, { method: "PATCH", cookie, headers: json, body: JSON.stringify({ role }) }),
    idParams(membershipId),
  );
  return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
}

async function remove(cookie: string, membershipId: string) {
  return removeMember(request(`/api/members/${membershipId}`, { method: "DELETE", cookie }), idParams(membershipId));
}

const tokenOf = (link: string | null) => new URL(link!).pathname.split("/").pop()!;

async function membershipId(organizationId: string, email: string): Promise<string> {
  const db = await database.db();
  return (await db.membership.findFirstOrThrow({ where: { organizationId, user: { email } } })).id;
}

beforeAll(async () => {
  owner = await signIn("owner@team.test");
});

describe("invitations", () => {
  it("an owner invites; without SMTP the answer carries the link, and the invitation is listed as pending", async () => {
    const { status, body } = await inviteAs(owner.cookie, "  Newcomer@Team.test ", "member");
    expect(status).toBe(201);
    expect(body.delivery).toBe("not_configured");
    expect(body.link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(body.invitation).toMatchObject({ email: "newcomer@team.test", role: "member" });
    expect(new Date(body.invitation.expiresAt).getTime() - Date.now()).toBeGreaterThan(INVITATION_TTL_MS - 60_000);
    const listed = await members(owner.cookie);
    expect(listed.body.invitations.map((invitation) => invitation.email)).toContain("newcomer@team.test");
    // Only the hash is stored.
    const db = await database.db();
    const row = await db.invitation.findFirstOrThrow({ where: { email: "newcomer@team.test" } });
    expect(row.tokenHash).not.toContain(tokenOf(body.link));
  });

  it("is bound to the invited address, single use, and joins with the invited role", async () => {
    const { body } = await inviteAs(owner.cookie, "bound@team.test", "member");
    const token = tokenOf(body.link);
    const someoneElse = await signIn("someone-else@elsewhere.test");
    const refused = await acceptAs(someoneElse.cookie, token);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain("bound@team.test");

    const invited = await signIn("BOUND@team.test");
    const accepted = await acceptAs(invited.cookie, token);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ organizationId: owner.viewer.organizationId, role: "member" });
    // The browser acts in the organization it joined from now on.
    expect(accepted.setCookie).toContain(`${CURRENT_ORGANIZATION_COOKIE}=${owner.viewer.organizationId}`);
    const again = await acceptAs(invited.cookie, token);
    expect(again.status).toBe(409);
    expect(again.body.error?.message).toMatch(/already used/);
    const listed = await members(inOrganization(invited, owner.viewer.organizationId));
    expect(listed.body.role).toBe("member");
    expect(listed.body.members.map((member) => member.email)).toEqual(expect.arrayContaining(["owner@team.test", "bound@team.test"]));
    // Members see members, not invitations.
    expect(listed.body.invitations).toEqual([]);
  });

  it("refuses expired, withdrawn, unknown and malformed tokens, and a signed-out caller", async () => {
    const db = await database.db();
    const person = await signIn("late@team.test");
    const expired = await inviteAs(owner.cookie, "late@team.test");
    await db.invitation.update({ where: { id: expired.body.invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await acceptAs(person.cookie, tokenOf(expired.body.link))).body.error?.message).toMatch(/expired/);

    const withdrawn = await inviteAs(owner.cookie, "late@team.test");
    const revoked = await revokeInvitation(
      request(`/api/invitations/${withdrawn.body.invitation.id}`, { method: "DELETE", cookie: owner.cookie }),
      idParams(withdrawn.body.invitation.id),
    );
    expect(revoked.status).toBe(200);
    const afterRevoke = await acceptAs(person.cookie, tokenOf(withdrawn.body.link));
    expect(afterRevoke.status).toBe(409);
    expect(afterRevoke.body.error?.message).toMatch(/withdrawn/);

    // A second invitation to the same address replaces the first.
    const first = await inviteAs(owner.cookie, "late@team.test");
    const second = await inviteAs(owner.cookie, "late@team.test");
    expect((await acceptAs(person.cookie, tokenOf(first.body.link))).status).toBe(409);
    expect((await acceptAs(person.cookie, tokenOf(second.body.link))).status).toBe(200);

    expect((await acceptAs(person.cookie, "A".repeat(43))).status).toBe(404);
    expect((await acceptAs(person.cookie, "not a token\u0000")).status).toBe(400);
    expect((await acceptAs("", "A".repeat(43))).status).toBe(401);
  });

  it("validates the address and the role, and refuses inviting a member twice", async () => {
    expect((await inviteAs(owner.cookie, "not an address")).status).toBe(400);
    expect((await inviteAs(owner.cookie, "x@team.test", "superuser" as never)).status).toBe(400);
    expect((await inviteAs(owner.cookie, "bound@team.test")).status).toBe(409);
  });

  it("mails the link through SMTP_URL when it is set", async () => {
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, _session, callback) {
        let text = "";
        stream.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        stream.on("end", () => {
          received.push(text);
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.server.address() as AddressInfo).port;
    process.env.SMTP_URL = `smtp://127.0.0.1:${port}`;
    try {
      const { status, body } = await inviteAs(owner.cookie, "mailed@team.test", "admin");
      expect(status).toBe(201);
      expect(body.delivery).toBe("sent");
      expect(body.link).toBeNull();
      expect(received).toHaveLength(1);
      // The mailed link works (quoted-printable may wrap it: unfold soft breaks first).
      const mail = received[0]!.replace(/=\r?\n/g, "");
      const token = /\/invite\/([A-Za-z0-9_-]{43})/.exec(mail)?.[1];
      expect(mail).toContain("To: mailed@team.test");
      const person = await signIn("mailed@team.test");
      expect((await acceptAs(person.cookie, token!)).body.role).toBe("admin");
    } finally {
      delete process.env.SMTP_URL;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    // A mail server that refuses: the invitation stands, and the link is handed back.
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    try {
      const { status, body } = await inviteAs(owner.cookie, "unmailed@team.test");
      expect(status).toBe(201);
      expect(body.delivery).toBe("failed");
      expect(body.link).toMatch(/\/invite\//);
    } finally {
      delete process.env.SMTP_URL;
    }
  });
});

describe("roles", () => {
  let member: SignedIn;
  let admin: SignedIn;
  let organizationId: string;

  beforeAll(async () => {
    organizationId = owner.viewer.organizationId;
    member = await signIn("plain@team.test");
    admin = await signIn("deputy@team.test");
    for (const [person, role] of [
      [member, "member"],
      [admin, "member"],
    ] as const) {
      const { body } = await inviteAs(owner.cookie, person.viewer.email, role);
      expect((await acceptAs(person.cookie, tokenOf(body.link))).status).toBe(200);
    }
    expect((await setRole(owner.cookie, await membershipId(organizationId, "deputy@team.test"), "admin")).status).toBe(200);
  });

  it("a member can neither invite, nor change roles, nor remove anyone, nor see the admin console", async () => {
    const cookie = inOrganization(member, organizationId);
    expect((await inviteAs(cookie, "friend@team.test")).status).toBe(403);
    expect((await setRole(cookie, await membershipId(organizationId, "plain@team.test"), "admin")).status).toBe(403);
    expect((await remove(cookie, await membershipId(organizationId, "deputy@team.test"))).status).toBe(403);
    expect((await adminHealth(request("/api/admin/health", { cookie }), noParams)).status).toBe(403);
  });

  it("an admin invites members and admins, but neither invites, makes, unmakes nor removes an owner", async () => {
    const cookie = inOrganization(admin, organizationId);
    expect((await inviteAs(cookie, "helper@team.test", "admin")).status).toBe(201);
    expect((await inviteAs(cookie, "boss@team.test", "owner")).status).toBe(403);
    const ownerMembership = await membershipId(organizationId, "owner@team.test");
    expect((await setRole(cookie, ownerMembership, "member")).status).toBe(403);
    expect((await setRole(cookie, await membershipId(organizationId, "plain@team.test"), "owner")).status).toBe(403);
    expect((await remove(cookie, ownerMembership)).status).toBe(403);
    expect((await adminHealth(request("/api/admin/health", { cookie }), noParams)).status).toBe(200);
    const db = await database.db();
    expect((await db.membership.findUniqueOrThrow({ where: { id: ownerMembership } })).role).toBe("owner");
  });

  it("always keeps one owner: the last cannot be demoted, removed or leave; with a second owner they can", async () => {
    const ownerMembership = await membershipId(organizationId, "owner@team.test");
    const demoted = await setRole(owner.cookie, ownerMembership, "admin");
    expect(demoted.status).toBe(409);
    expect(demoted.body.error?.message).toMatch(/at least one owner/);
    expect((await remove(owner.cookie, ownerMembership)).status).toBe(409);
    const deputy = await membershipId(organizationId, "deputy@team.test");
    expect((await setRole(owner.cookie, deputy, "owner")).status).toBe(200);
    expect((await setRole(owner.cookie, ownerMembership, "admin")).status).toBe(200);
    // Now the deputy is the only owner; two owners demoting each other at once would leave none.
    expect((await setRole(inOrganization(admin, organizationId), deputy, "member")).status).toBe(409);
    expect((await setRole(inOrganization(admin, organizationId), ownerMembership, "owner")).status).toBe(200);
  });

  it("concurrent demotions of the only two owners leave one", async () => {
    const ownerMembership = await membershipId(organizationId, "owner@team.test");
    const deputy = await membershipId(organizationId, "deputy@team.test");
    const results = await Promise.all([setRole(owner.cookie, deputy, "admin"), setRole(inOrganization(admin, organizationId), ownerMembership, "admin")]);
    // The loser is refused either way: no longer an owner (403), or the last one (409), depending on who got the lock first.
    const statuses = results.map((result) => result.status).sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const db = await database.db();
    expect(await db.membership.count({ where: { organizationId, role: "owner" } })).toBe(1);
    // Back to one owner (owner@) and the deputy as admin for the tests below.
    const owners = await db.membership.findMany({ where: { organizationId, role: "owner" }, select: { id: true } });
    if (owners[0]!.id !== ownerMembership) {
      await db.membership.update({ where: { id: ownerMembership }, data: { role: "owner" } });
      await db.membership.update({ where: { id: deputy }, data: { role: "admin" } });
    }
  });

  it("another organization's member ids are not found", async () => {
    const stranger = await signIn("stranger@other.test");
    const target = await membershipId(organizationId, "plain@team.test");
    expect((await setRole(stranger.cookie, target, "admin")).status).toBe(404);
    expect((await remove(stranger.cookie, target)).status).toBe(404);
    const db = await database.db();
    expect((await db.membership.findUniqueOrThrow({ where: { id: target } })).role).toBe("member");
  });

  it("a removed member loses access at their next request", async () => {
    const cookie = inOrganization(member, organizationId);
    expect((await members(cookie)).body.members.some((row) => row.email === "owner@team.test")).toBe(true);
    expect((await remove(inOrganization(admin, organizationId), await membershipId(organizationId, "plain@team.test"))).status).toBe(200);
    // The same session and cookie now act in their own organization only.
    const after = await members(cookie);
    expect(after.status).toBe(200);
    expect(after.body.members.map((row) => row.email)).toEqual(["plain@team.test"]);
    const switched = await switchOrganization(
      request("/api/organizations/current", { method: "PUT", cookie, headers: json, body: JSON.stringify({ organizationId }) }),
      noParams,
    );
    expect(switched.status).toBe(404);
  });

  it("a member leaves; someone with no organization left is signed out of the API", async () => {
    const db = await database.db();
    const leaver = await signIn("leaver@team.test");
    const { body } = await inviteAs(owner.cookie, "leaver@team.test");
    await acceptAs(leaver.cookie, tokenOf(body.link));
    const cookie = inOrganization(leaver, organizationId);
    const left = await remove(cookie, await membershipId(organizationId, "leaver@team.test"));
    expect(left.status).toBe(200);
    expect(await left.json()).toMatchObject({ left: true });
    expect(await db.membership.count({ where: { organizationId, user: { email: "leaver@team.test" } } })).toBe(0);
    // Leaving the personal organization too (its only owner cannot), after handing it over...
    await db.membership.deleteMany({ where: { userId: leaver.viewer.userId } });
    expect((await members(cookie)).status).toBe(401);
  });
});

describe("switching organizations", () => {
  it("a person in two organizations lists both and acts in the one they pick", async () => {
    const person = await signIn("switcher@home.test");
    const { body } = await inviteAs(owner.cookie, "switcher@home.test", "admin");
    await acceptAs(person.cookie, tokenOf(body.link));
    const listed = (await (await listOrganizations(request("/api/organizations", { cookie: person.cookie }), noParams)).json()) as OrganizationsResponse;
    expect(listed.organizations.map((organization) => organization.id)).toEqual([person.viewer.organizationId, owner.viewer.organizationId]);
    // Without a choice: the first organization joined.
    expect(listed.currentId).toBe(person.viewer.organizationId);

    const response = await switchOrganization(
      request("/api/organizations/current", {
        method: "PUT",
        cookie: person.cookie,
        headers: json,
        body: JSON.stringify({ organizationId: owner.viewer.organizationId }),
      }),
      noParams,
    );
    expect(response.status).toBe(200);
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`${CURRENT_ORGANIZATION_COOKIE}=${owner.viewer.organizationId}`));
    expect(setCookie).toMatch(/HttpOnly/i);
    const there = await members(inOrganization(person, owner.viewer.organizationId));
    expect(there.body.role).toBe("admin");
    expect(there.body.members.some((row) => row.email === "owner@team.test")).toBe(true);
  });

  it("an organization one is not in, a malformed id or a malformed cookie changes nothing", async () => {
    const person = await signIn("curious@home.test");
    const put = (organizationId: unknown) =>
      switchOrganization(
        request("/api/organizations/current", { method: "PUT", cookie: person.cookie, headers: json, body: JSON.stringify({ organizationId }) }),
        noParams,
      );
    expect((await put(owner.viewer.organizationId)).status).toBe(404);
    expect((await put("not-a-uuid")).status).toBe(400);
    // A cookie naming someone else's organization is a preference that does not apply.
    for (const value of [owner.viewer.organizationId, "%E0%A4%A", "'; DROP TABLE memberships; --"]) {
      const listed = await members(`${person.cookie}; ${CURRENT_ORGANIZATION_COOKIE}=${value}`);
      expect(listed.status).toBe(200);
      expect(listed.body.members.map((row) => row.email)).toEqual(["curious@home.test"]);
    }
  });
});

afterAll(() => {
  delete process.env.SMTP_URL;
});
