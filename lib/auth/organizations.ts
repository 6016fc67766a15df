import { randomBytes } from "node:crypto";
import type { Database } from "@/lib/db/client";

export type Role = "owner" | "admin" | "member";

const rank: Record<Role, number> = { member: 0, admin: 1, owner: 2 };

/** True when `role` is at least `needed` (owner > admin > member). */
export function hasRole(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

export interface SignInIdentity {
  /** next-auth provider id: "google" | "microsoft". */
  provider: string;
  /** The provider's stable key for the person (Google `sub`, Microsoft `tid:oid`); never an email. */
  providerAccountId: string;
  /** Keys this identity was stored under before; found under one, it is rekeyed to `providerAccountId`. */
  previousProviderAccountIds?: readonly string[];
  email: string;
  name: string | null;
  image: string | null;
  /** The provider vouches for the address (Google's email_verified). */
  emailVerified: boolean;
}

function slugFor(email: string): string {
  const base =
    (email.split("@")[0] ?? "org")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 32) || "org";
  return `${base}-${randomBytes(3).toString("hex")}`;
}

/**
 * Records a sign-in and returns the person's user id. The first sign-in creates the
 * user, their sign-in identity and a personal organization they own, in one
 * transaction. A new identity joins an existing user by email only when both sides
 * are verified: the new provider vouches for the address, and the existing user's
 * address was vouched for by its own provider when it was created (`verifiedEmail`).
 * Otherwise it gets a user of its own: whoever signs in first with an unverified
 * claim to an address (Microsoft's `email`/`preferred_username`) must not end up
 * owning the account its real owner later signs in to, nor the other way round.
 */
export async function recordSignIn(database: Database, identity: SignInIdentity): Promise<{ userId: string; created: boolean }> {
  const email = identity.email.trim().toLowerCase();
  return database.$transaction(async (tx) => {
    const accountKey = (providerAccountId: string) => ({ provider_providerAccountId: { provider: identity.provider, providerAccountId } });
    let known = await tx.account.findUnique({ where: accountKey(identity.providerAccountId), select: { id: true, userId: true } });
    for (const previous of identity.previousProviderAccountIds ?? []) {
      if (known) break;
      known = await tx.account.findUnique({ where: accountKey(previous), select: { id: true, userId: true } });
      if (known) await tx.account.update({ where: { id: known.id }, data: { providerAccountId: identity.providerAccountId } });
    }
    if (known) {
      const user = await tx.user.update({
        where: { id: known.userId },
        data: { name: identity.name ?? undefined, image: identity.image ?? undefined },
        select: { email: true },
      });
      // Removed from (or left) every organization: they start over with one of their own.
      if ((await tx.membership.count({ where: { userId: known.userId } })) === 0)
        await createPersonalOrganization(tx, known.userId, identity.name, user.email ?? email);
      return { userId: known.userId, created: false };
    }
    const sameVerifiedEmail = identity.emailVerified ? await tx.user.findUnique({ where: { verifiedEmail: email }, select: { id: true } }) : null;
    const userId =
      sameVerifiedEmail?.id ??
      (
        await tx.user.create({
          data: { email, verifiedEmail: identity.emailVerified ? email : null, name: identity.name, image: identity.image },
          select: { id: true },
        })
      ).id;
    await tx.account.create({ data: { userId, type: "oauth", provider: identity.provider, providerAccountId: identity.providerAccountId } });
    const memberships = await tx.membership.count({ where: { userId } });
    if (memberships === 0) await createPersonalOrganization(tx, userId, identity.name, email);
    return { userId, created: !sameVerifiedEmail };
  });
}

type Transaction = Parameters<Parameters<Database["$transaction"]>[0]>[0];

async function createPersonalOrganization(tx: Transaction, userId: string, name: string | null, email: string): Promise<void> {
  const organization = await tx.organization.create({
    data: { name: name ? `${name}'s organization` : `${email}'s organization`, slug: slugFor(email) },
    select: { id: true },
  });
  await tx.membership.create({ data: { organizationId: organization.id, userId, role: "owner" } });
}

export interface Viewer {
  userId: string;
  email: string;
  name: string | null;
  organizationId: string;
  organizationName: string;
  role: Role;
}

/** The cookie naming the organization a person in several acts in (set by PUT /api/organizations/current). */
export const CURRENT_ORGANIZATION_COOKIE = "calsync_org";

/**
 * The person and the organization they act in: `preferredOrganizationId` (the
 * switcher's cookie) when they are a member of it, else the one they joined first.
 * The cookie is a preference, never a grant: membership is read from the database
 * on every request, so a changed role applies at once and a removed member loses
 * access at their next request.
 */
export async function loadViewer(database: Database, userId: string, preferredOrganizationId?: string | null): Promise<Viewer | null> {
  const select = { role: true, organization: { select: { id: true, name: true } }, user: { select: { id: true, email: true, name: true } } } as const;
  const preferred =
    preferredOrganizationId && UUID.test(preferredOrganizationId)
      ? await database.membership.findUnique({ where: { organizationId_userId: { organizationId: preferredOrganizationId, userId } }, select })
      : null;
  const membership = preferred ?? (await database.membership.findFirst({ where: { userId }, orderBy: { createdAt: "asc" }, select }));
  if (!membership) return null;
  return {
    userId: membership.user.id,
    email: membership.user.email ?? "",
    name: membership.user.name,
    organizationId: membership.organization.id,
    organizationName: membership.organization.name,
    role: membership.role,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
