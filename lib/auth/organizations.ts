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
  providerAccountId: string;
  email: string;
  name: string | null;
  image: string | null;
  /** The provider vouches for the address (Google's email_verified). */
  emailVerified: boolean;
}

export class AccountNotLinkedError extends Error {
  override readonly name = "AccountNotLinkedError";
}

function slugFor(email: string): string {
  const base = (email.split("@")[0] ?? "org").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 32) || "org";
  return `${base}-${randomBytes(3).toString("hex")}`;
}

/**
 * Records a sign-in and returns the person's user id. The first sign-in creates the
 * user, their sign-in identity and a personal organization they own, in one
 * transaction. A new identity joins an existing user with the same email only when
 * the provider has verified that email: otherwise anyone who can name an address at
 * some identity provider could take over the account that owns it.
 */
export async function recordSignIn(database: Database, identity: SignInIdentity): Promise<{ userId: string; created: boolean }> {
  const email = identity.email.trim().toLowerCase();
  return database.$transaction(async (tx) => {
    const known = await tx.account.findUnique({
      where: { provider_providerAccountId: { provider: identity.provider, providerAccountId: identity.providerAccountId } },
      select: { userId: true },
    });
    if (known) {
      await tx.user.update({ where: { id: known.userId }, data: { name: identity.name ?? undefined, image: identity.image ?? undefined } });
      return { userId: known.userId, created: false };
    }
    const sameEmail = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (sameEmail && !identity.emailVerified) {
      throw new AccountNotLinkedError(`${email} already signed in with another provider, and ${identity.provider} does not verify it`);
    }
    const userId =
      sameEmail?.id ??
      (
        await tx.user.create({
          data: { email, name: identity.name, image: identity.image, emailVerified: identity.emailVerified ? new Date() : null },
          select: { id: true },
        })
      ).id;
    await tx.account.create({ data: { userId, type: "oauth", provider: identity.provider, providerAccountId: identity.providerAccountId } });
    const memberships = await tx.membership.count({ where: { userId } });
    if (memberships === 0) {
      const organization = await tx.organization.create({
        data: { name: identity.name ? `${identity.name}'s organization` : `${email}'s organization`, slug: slugFor(email) },
        select: { id: true },
      });
      await tx.membership.create({ data: { organizationId: organization.id, userId, role: "owner" } });
    }
    return { userId, created: !sameEmail };
  });
}

export interface Viewer {
  userId: string;
  email: string;
  name: string | null;
  organizationId: string;
  organizationName: string;
  role: Role;
}

/**
 * The person and the organization they act in. A person in several organizations
 * acts in the one they joined first (switching comes with invitations). Read from
 * the database on every request so a changed role applies at once.
 */
export async function loadViewer(database: Database, userId: string): Promise<Viewer | null> {
  const membership = await database.membership.findFirst({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, organization: { select: { id: true, name: true } }, user: { select: { id: true, email: true, name: true } } },
  });
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
