import type { MemberSummary, OrganizationSummary } from "@/lib/api/types";
import { hasRole, type Role, type Viewer } from "@/lib/auth/organizations";
import { db, type Database } from "@/lib/db/client";
import { conflict, forbidden, notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";

// Members of an organization and what owners and admins may do to them. The rules,
// in one place:
// - admins and owners change roles and remove people; only an owner makes or
//   unmakes an owner (and removes one);
// - anyone may leave;
// - an organization always keeps at least one owner (the last one cannot be
//   demoted, removed or leave).
// Every change locks the organization's owner rows first, so two owners demoting
// each other at once cannot leave it with none.

/**
 * What `actor` may do to a membership with `target.role` (`self`: their own): the
 * roles they may give it, and whether they may remove it (leave, when it is theirs).
 * The one statement of the rules: the checks below and the members page both use it.
 * The last-owner rule is checked separately, under the owners' lock.
 */
export function allowedActions(actor: Role, target: { role: Role; self: boolean }): { assignableRoles: Role[]; removable: boolean } {
  const ownerBusiness = target.role === "owner";
  const assignableRoles: Role[] =
    !hasRole(actor, "admin") || (ownerBusiness && actor !== "owner") ? [] : actor === "owner" ? ["owner", "admin", "member"] : ["admin", "member"];
  const removable = target.self || (hasRole(actor, "admin") && (!ownerBusiness || actor === "owner"));
  return { assignableRoles, removable };
}

export const LAST_OWNER_MESSAGE = "an organization needs at least one owner: make someone else an owner first";

/** The organizations a person belongs to, for the switcher. */
export async function organizationsOf(userId: string): Promise<OrganizationSummary[]> {
  const database = await db();
  const memberships = await database.membership.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, organization: { select: { id: true, name: true } } },
  });
  return memberships.map((membership) => ({ id: membership.organization.id, name: membership.organization.name, role: membership.role }));
}

export async function listMembers(viewer: Viewer): Promise<MemberSummary[]> {
  const database = await db();
  const memberships = await database.membership.findMany({
    where: { organizationId: viewer.organizationId },
    orderBy: [{ createdAt: "asc" }],
    select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
  });
  return memberships.map((membership) => ({
    id: membership.id,
    userId: membership.user.id,
    name: membership.user.name,
    email: membership.user.email ?? "",
    role: membership.role,
    joinedAt: membership.createdAt.toISOString(),
    you: membership.user.id === viewer.userId,
    ...allowedActions(viewer.role, { role: membership.role, self: membership.user.id === viewer.userId }),
  }));
}

type Transaction = Parameters<Parameters<Database["$transaction"]>[0]>[0];

async function lockOwners(tx: Transaction, organizationId: string): Promise<number> {
  const rows = await tx.$queryRaw<
    Array<{ id: string }>
  >`SELECT id FROM memberships WHERE organization_id = ${organizationId}::uuid AND role = 'owner' FOR UPDATE`;
  return rows.length;
}

/** The actor's role as of now, under the lock: a role changed a moment ago (by a racing request) counts. */
async function actorRole(tx: Transaction, viewer: Viewer): Promise<Role> {
  const actor = await tx.membership.findUnique({
    where: { organizationId_userId: { organizationId: viewer.organizationId, userId: viewer.userId } },
    select: { role: true },
  });
  if (!actor) throw forbidden("you are no longer a member of this organization");
  return actor.role;
}

async function targetIn(tx: Transaction, organizationId: string, membershipId: string) {
  const target = await tx.membership.findFirst({ where: { id: membershipId, organizationId }, select: { id: true, role: true, userId: true } });
  if (!target) throw notFound("no such member");
  return target;
}

/** Changes a member's role (admin or owner; owners only by an owner). */
export async function changeRole(viewer: Viewer, membershipId: string, role: Role): Promise<MemberSummary[]> {
  if (!hasRole(viewer.role, "admin")) throw forbidden("this needs the admin role");
  const database = await db();
  await database.$transaction(async (tx) => {
    const owners = await lockOwners(tx, viewer.organizationId);
    const actor = await actorRole(tx, viewer);
    const target = await targetIn(tx, viewer.organizationId, membershipId);
    if (target.role === role) return;
    if (!allowedActions(actor, { role: target.role, self: target.userId === viewer.userId }).assignableRoles.includes(role)) {
      throw forbidden("only an owner can make or unmake an owner");
    }
    if (target.role === "owner" && owners <= 1) throw conflict(LAST_OWNER_MESSAGE);
    await tx.membership.update({ where: { id: target.id }, data: { role } });
  });
  logger.info("membership.role_changed", { organizationId: viewer.organizationId, membershipId, role });
  return listMembers(viewer);
}

/**
 * Removes a member, or, on one's own membership, leaves. The person loses access at
 * their next request: every request reads the membership again (lib/auth/viewer.ts).
 */
export async function removeMember(viewer: Viewer, membershipId: string): Promise<{ left: boolean }> {
  const database = await db();
  const left = await database.$transaction(async (tx) => {
    const owners = await lockOwners(tx, viewer.organizationId);
    const actor = await actorRole(tx, viewer);
    const target = await targetIn(tx, viewer.organizationId, membershipId);
    const self = target.userId === viewer.userId;
    if (!allowedActions(actor, { role: target.role, self }).removable) {
      throw forbidden(hasRole(actor, "admin") ? "only an owner can remove an owner" : "this needs the admin role");
    }
    if (target.role === "owner" && owners <= 1) throw conflict(LAST_OWNER_MESSAGE);
    await tx.membership.delete({ where: { id: target.id } });
    return self;
  });
  logger.info(left ? "membership.left" : "membership.removed", { organizationId: viewer.organizationId, membershipId });
  return { left };
}
