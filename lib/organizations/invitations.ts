import { createHash, randomBytes } from "node:crypto";
import type { InvitationCreated, InvitationSummary } from "@/lib/api/types";
import { hasRole, type Role, type Viewer } from "@/lib/auth/organizations";
import { appOrigin } from "@/lib/config";
import { db } from "@/lib/db/client";
import { conflict, forbidden, notFound } from "@/lib/http/errors";
import { logger } from "@/lib/log";
import { sendMail } from "@/lib/mail/mailer";
import { allowedActions } from "./members";
import { providerSettings } from "@/lib/providers/config";
import { errorMessage } from "@/lib/format";

// Invitations: an owner or admin invites an address with a role; the link is valid
// for INVITATION_TTL_MS, used once, and only by a person signed in with that
// address. The token travels in the link only; the table keeps its SHA-256.

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60_000;
export const INVITE_PATH = "/invite";

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export function invitationLink(token: string, origin = appOrigin()): string {
  return `${origin}${INVITE_PATH}/${token}`;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

export async function listInvitations(organizationId: string, now = new Date()): Promise<InvitationSummary[]> {
  const database = await db();
  const rows = await database.invitation.findMany({
    where: { organizationId, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    select: { id: true, email: true, role: true, createdAt: true, expiresAt: true, invitedBy: { select: { name: true, email: true } } },
  });
  return rows.map((row) => ({
    id: row.id,
    email: row.email,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
    invitedBy: row.invitedBy ? (row.invitedBy.name ?? row.invitedBy.email) : null,
  }));
}

/**
 * Invites `email` with `role`. An earlier pending invitation of the same address is
 * replaced (its link stops working). Mails the link when SMTP is configured; the
 * answer carries the link whenever it was not mailed, so the inviter can pass it on.
 */
export async function createInvitation(viewer: Viewer, input: { email: string; role: Role }, now = new Date()): Promise<InvitationCreated> {
  if (!hasRole(viewer.role, "admin")) throw forbidden("this needs the admin role");
  // A newcomer may get the roles the inviter could give a member.
  if (!allowedActions(viewer.role, { role: "member", self: false }).assignableRoles.includes(input.role)) throw forbidden("only an owner can invite an owner");
  const email = normalizeEmail(input.email);
  const database = await db();
  const existing = await database.membership.findFirst({
    where: { organizationId: viewer.organizationId, user: { OR: [{ email: { equals: email, mode: "insensitive" } }, { verifiedEmail: email }] } },
    select: { id: true },
  });
  if (existing) throw conflict(`${email} is already a member`);
  const token = randomBytes(32).toString("base64url");
  const invitation = await database.$transaction(async (tx) => {
    await tx.invitation.updateMany({ where: { organizationId: viewer.organizationId, email, acceptedAt: null, revokedAt: null }, data: { revokedAt: now } });
    return tx.invitation.create({
      data: {
        organizationId: viewer.organizationId,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedById: viewer.userId,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      },
      select: { id: true },
    });
  });
  const link = invitationLink(token);
  let delivery: InvitationCreated["delivery"] = "not_configured";
  try {
    const sent = await sendMail({
      to: email,
      subject: `${viewer.name ?? viewer.email} invited you to ${viewer.organizationName} on calsync`,
      text: `${viewer.name ?? viewer.email} invited you to join ${viewer.organizationName} on calsync as ${input.role}.\n\nAccept within 7 days (sign in as ${email}):\n${link}\n\nIf you did not expect this, ignore this message.`,
    });
    if (sent) delivery = "sent";
  } catch (err) {
    delivery = "failed";
    logger.warn("invitation.mail_failed", { organizationId: viewer.organizationId, invitationId: invitation.id, message: errorMessage(err) });
  }
  // The sandbox has no mailbox: the link goes to the log too (never outside it).
  if (delivery !== "sent" && providerSettings().sandbox) logger.info("invitation.link", { email, link });
  logger.info("invitation.created", { organizationId: viewer.organizationId, invitationId: invitation.id, role: input.role, delivery });
  const [summary] = (await listInvitations(viewer.organizationId, now)).filter((row) => row.id === invitation.id);
  return { invitation: summary!, delivery, link: delivery === "sent" ? null : link };
}

export async function revokeInvitation(viewer: Viewer, invitationId: string, now = new Date()): Promise<void> {
  if (!hasRole(viewer.role, "admin")) throw forbidden("this needs the admin role");
  const database = await db();
  const revoked = await database.invitation.updateMany({
    where: { id: invitationId, organizationId: viewer.organizationId, acceptedAt: null, revokedAt: null },
    data: { revokedAt: now },
  });
  if (revoked.count === 0) throw notFound("no such pending invitation");
}

export type InvitationState = "pending" | "accepted" | "expired" | "revoked";

export interface InvitationView {
  state: InvitationState;
  organizationName: string;
  email: string;
  role: Role;
  invitedBy: string | null;
}

/** What the invitation page shows for a token, or null when no invitation has it. */
export async function invitationByToken(token: string, now = new Date()): Promise<InvitationView | null> {
  const database = await db();
  const row = await database.invitation.findUnique({
    where: { tokenHash: hashToken(token) },
    select: {
      email: true,
      role: true,
      acceptedAt: true,
      revokedAt: true,
      expiresAt: true,
      organization: { select: { name: true } },
      invitedBy: { select: { name: true, email: true } },
    },
  });
  if (!row) return null;
  const state: InvitationState = row.acceptedAt ? "accepted" : row.revokedAt ? "revoked" : row.expiresAt <= now ? "expired" : "pending";
  return {
    state,
    organizationName: row.organization.name,
    email: row.email,
    role: row.role,
    invitedBy: row.invitedBy ? (row.invitedBy.name ?? row.invitedBy.email) : null,
  };
}

/** The addresses an invitation may be bound to for this person: the one their sign-in gave, and the verified one. */
export async function addressesOf(userId: string): Promise<string[]> {
  const database = await db();
  const user = await database.user.findUnique({ where: { id: userId }, select: { email: true, verifiedEmail: true } });
  return [...new Set([user?.email, user?.verifiedEmail].filter((value): value is string => Boolean(value)).map(normalizeEmail))];
}

const STATE_MESSAGES: Record<Exclude<InvitationState, "pending">, string> = {
  accepted: "this invitation was already used",
  expired: "this invitation has expired: ask for a new one",
  revoked: "this invitation was withdrawn: ask for a new one",
};

/**
 * Accepts for the signed-in person `userId`: the invitation must be pending and for
 * an address of theirs. Claiming it and adding the membership is one transaction,
 * so a link works once even when two tabs race.
 */
export async function acceptInvitation(
  userId: string,
  token: string,
  now = new Date(),
): Promise<{ organizationId: string; organizationName: string; role: Role }> {
  const database = await db();
  const tokenHash = hashToken(token);
  // Read before the transaction: the embedded database has one connection, and the transaction holds it.
  const addresses = await addressesOf(userId);
  return database.$transaction(async (tx) => {
    const row = await tx.invitation.findUnique({
      where: { tokenHash },
      select: {
        id: true,
        organizationId: true,
        email: true,
        role: true,
        acceptedAt: true,
        revokedAt: true,
        expiresAt: true,
        organization: { select: { name: true } },
      },
    });
    if (!row) throw notFound("no such invitation");
    const state: InvitationState = row.acceptedAt ? "accepted" : row.revokedAt ? "revoked" : row.expiresAt <= now ? "expired" : "pending";
    if (state !== "pending") throw conflict(STATE_MESSAGES[state]);
    if (!addresses.includes(row.email)) throw forbidden(`this invitation is for ${row.email}: sign in with that address to accept it`);
    const claimed = await tx.invitation.updateMany({
      where: { id: row.id, acceptedAt: null, revokedAt: null },
      data: { acceptedAt: now, acceptedById: userId },
    });
    if (claimed.count === 0) throw conflict(STATE_MESSAGES.accepted);
    const member = await tx.membership.findUnique({ where: { organizationId_userId: { organizationId: row.organizationId, userId } }, select: { role: true } });
    if (!member) await tx.membership.create({ data: { organizationId: row.organizationId, userId, role: row.role } });
    logger.info("invitation.accepted", { organizationId: row.organizationId, invitationId: row.id });
    return { organizationId: row.organizationId, organizationName: row.organization.name, role: member?.role ?? row.role };
  });
}
