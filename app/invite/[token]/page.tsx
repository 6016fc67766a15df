import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { sessionUserId } from "@/lib/auth/viewer";
import { addressesOf, invitationByToken } from "@/lib/organizations/invitations";
import { Logo } from "@/components/logo";
import { AcceptInvitation } from "@/components/members/accept-invitation";
import { ROLE_LABEL } from "@/components/members/roles";
import { SignOutButton } from "@/components/app-shell/sign-out-button";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer" };

const TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

const UNUSABLE = {
  accepted: "This invitation was already used. If that was not you, ask for a new one.",
  expired: "This invitation has expired. Ask the person who invited you for a new one.",
  revoked: "This invitation was withdrawn. Ask the person who invited you for a new one.",
} as const;

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  await connection();
  const { token } = await params;
  const invitation = TOKEN.test(token) ? await invitationByToken(token) : null;
  const userId = await sessionUserId();
  const addresses = userId ? await addressesOf(userId) : [];
  const returnTo = `/invite/${token}`;

  let body;
  if (!invitation) {
    body = (
      <p className="mt-2 text-sm text-slate-600" data-testid="invitation-state">
        This invitation link is not valid. Check that you copied all of it.
      </p>
    );
  } else if (invitation.state !== "pending") {
    body = (
      <p className="mt-2 text-sm text-slate-600" data-testid="invitation-state">
        {UNUSABLE[invitation.state]}
      </p>
    );
  } else {
    const intro = (
      <p className="mt-2 text-sm leading-6 text-slate-600">
        {invitation.invitedBy ?? "Someone"} invited <span className="font-medium text-slate-900">{invitation.email}</span> to join{" "}
        <span className="font-medium text-slate-900" data-testid="invitation-organization">
          {invitation.organizationName}
        </span>{" "}
        as {ROLE_LABEL[invitation.role].toLowerCase()}.
      </p>
    );
    if (!userId) {
      body = (
        <>
          {intro}
          <Link
            href={`/signin?callbackUrl=${encodeURIComponent(returnTo)}`}
            className={buttonClasses({ className: "mt-6 w-full" })}
            data-testid="invitation-sign-in"
          >
            Sign in as {invitation.email} to accept
          </Link>
        </>
      );
    } else if (!addresses.includes(invitation.email)) {
      body = (
        <>
          {intro}
          <div
            role="alert"
            className="mt-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900"
            data-testid="invitation-wrong-account"
          >
            You are signed in as {addresses[0] ?? "another account"}. This invitation is for {invitation.email}: sign out, then sign in with that address.
          </div>
          <SignOutButton className="mt-4" testId="invitation-sign-out" />
        </>
      );
    } else {
      body = (
        <>
          {intro}
          <AcceptInvitation token={token} organizationName={invitation.organizationName} />
        </>
      );
    }
  }

  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <main className="w-full max-w-md">
        <div className="mb-8 flex justify-center">
          <Link
            href="/"
            aria-label="calsync home"
            className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-brand-600"
          >
            <Logo className="text-2xl" />
          </Link>
        </div>
        <Card className="p-6 sm:p-8">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">Invitation to calsync</h1>
          {body}
        </Card>
      </main>
    </div>
  );
}
