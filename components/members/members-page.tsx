"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { toast } from "sonner";
import type { InvitationCreated, MemberSummary, MembersResponse, MembershipRole } from "@/lib/api/types";
import { fetchJson, messageOf } from "@/components/api-client";
import { PageHeader } from "@/components/page-header";
import { QueryErrorPanel } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { formatShortDateTime } from "@/components/format/time";
import { ROLE_LABEL } from "./roles";

export const membersQueryKey = ["members"] as const;

const ROLE_HINT: Record<MembershipRole, string> = {
  owner: "everything, including owners and the organization itself",
  admin: "invites and manages members and admins, and the admin console",
  member: "connects calendars and sees the dashboard",
};
const canInvite = (role: MembershipRole) => role === "owner" || role === "admin";

function InviteForm({ role }: { role: MembershipRole }) {
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [inviteRole, setInviteRole] = useState<MembershipRole>("member");
  const [created, setCreated] = useState<InvitationCreated | null>(null);
  const roles: MembershipRole[] = role === "owner" ? ["member", "admin", "owner"] : ["member", "admin"];
  const invite = useMutation({
    mutationFn: () => fetchJson<InvitationCreated>("/api/invitations", { method: "POST", body: JSON.stringify({ email, role: inviteRole }) }),
    onSuccess: (result) => {
      setCreated(result);
      setEmail("");
      toast.success(result.delivery === "sent" ? `Invitation sent to ${result.invitation.email}` : `Invitation created for ${result.invitation.email}`, {
        description: result.delivery === "sent" ? "The link is valid for 7 days." : "Mail is not set up here: pass the link below on yourself.",
      });
      void queryClient.invalidateQueries({ queryKey: membersQueryKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate();
  };
  return (
    <Card className="p-5 sm:p-6">
      <h2 className="text-base font-semibold text-slate-900">Invite someone</h2>
      <p className="mt-1 text-sm text-slate-600">They get a link valid for 7 days, usable once, and only when signed in with this address.</p>
      <form className="mt-4 flex flex-col gap-3 sm:flex-row sm:items-end" onSubmit={submit}>
        <label className="flex min-w-0 flex-1 flex-col gap-1 text-sm font-medium text-slate-700">
          Email address
          <input
            type="email"
            required
            maxLength={320}
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            data-testid="invite-email"
            className="rounded-md border border-slate-300 px-3 py-2 text-sm font-normal text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600"
          />
        </label>
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Role
          <select
            value={inviteRole}
            onChange={(event) => setInviteRole(event.target.value as MembershipRole)}
            data-testid="invite-role"
            className="rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-normal text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            {roles.map((option) => (
              <option key={option} value={option}>
                {ROLE_LABEL[option]}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" loading={invite.isPending} loadingText="Inviting…" data-testid="invite-submit">
          Invite
        </Button>
      </form>
      <p className="mt-2 text-xs text-slate-600">
        {ROLE_LABEL[inviteRole]}: {ROLE_HINT[inviteRole]}.
      </p>
      {invite.isError ? (
        <p role="alert" className="mt-3 text-sm text-red-700" data-testid="invite-error">
          {messageOf(invite.error)}
        </p>
      ) : null}
      {created?.link ? (
        <div className="mt-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" role="status">
          <p>
            {created.delivery === "failed" ? "The mail server refused the message." : "No mail is sent from this server."} Send this link to{" "}
            <span className="font-medium">{created.invitation.email}</span>:
          </p>
          <input
            readOnly
            value={created.link}
            data-testid="invitation-link"
            aria-label={`Invitation link for ${created.invitation.email}`}
            onFocus={(event) => event.currentTarget.select()}
            className="mt-2 w-full rounded-md border border-amber-300 bg-white px-2 py-1.5 font-mono text-xs text-slate-900"
          />
        </div>
      ) : null}
    </Card>
  );
}

function MemberRow({ member }: { member: MemberSummary }) {
  const queryClient = useQueryClient();
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: membersQueryKey });
  const changeRole = useMutation({
    mutationFn: (role: MembershipRole) => fetchJson(`/api/members/${member.id}`, { method: "PATCH", body: JSON.stringify({ role }) }),
    onSuccess: (_result, role) => {
      toast.success(`${member.name ?? member.email} is now ${ROLE_LABEL[role].toLowerCase()}`);
      // One's own role changed: the header and the navigation follow.
      if (member.you) router.refresh();
    },
    onError: (error) => toast.error("Could not change the role", { description: messageOf(error) }),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: () => fetchJson(`/api/members/${member.id}`, { method: "DELETE" }),
    onSuccess: () => {
      setConfirming(false);
      if (member.you) {
        queryClient.clear();
        router.push("/dashboard");
        router.refresh();
        return;
      }
      toast.success(`${member.name ?? member.email} was removed`);
    },
    onSettled: refresh,
  });
  return (
    <li className="flex flex-col gap-3 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="member-row" data-email={member.email}>
      <div className="min-w-0">
        <p className="truncate text-sm font-medium text-slate-900">
          {member.name ?? member.email}
          {member.you ? <span className="ml-2 text-xs font-normal text-slate-600">(you)</span> : null}
        </p>
        <p className="truncate text-xs text-slate-600">{member.email}</p>
      </div>
      <div className="flex flex-wrap items-center gap-2">
        {member.assignableRoles.length > 0 ? (
          <select
            aria-label={`Role of ${member.email}`}
            data-testid="member-role"
            value={member.role}
            disabled={changeRole.isPending}
            onChange={(event) => changeRole.mutate(event.target.value as MembershipRole)}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600"
          >
            {(member.assignableRoles.includes(member.role) ? member.assignableRoles : [member.role, ...member.assignableRoles]).map((role) => (
              <option key={role} value={role}>
                {ROLE_LABEL[role]}
              </option>
            ))}
          </select>
        ) : (
          <Badge tone={member.role === "member" ? "neutral" : "brand"} data-testid="member-role-badge">
            {ROLE_LABEL[member.role]}
          </Badge>
        )}
        {member.removable ? (
          <Button
            variant="ghost"
            size="sm"
            className="text-red-700 hover:bg-red-50 hover:text-red-800"
            data-testid={member.you ? "leave" : "remove-member"}
            onClick={() => setConfirming(true)}
          >
            {member.you ? "Leave" : "Remove"}
          </Button>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        title={member.you ? "Leave this organization?" : `Remove ${member.name ?? member.email}?`}
        confirmLabel={member.you ? "Leave" : "Remove"}
        pendingLabel={member.you ? "Leaving…" : "Removing…"}
        pending={remove.isPending}
        error={remove.isError ? messageOf(remove.error) : null}
        onConfirm={() => remove.mutate()}
        onCancel={() => setConfirming(false)}
        confirmTestId="confirm-remove"
        cancelTestId="cancel-remove"
      >
        <p>
          {member.you
            ? "You lose access to its calendars and dashboard at once. Someone must invite you again to come back."
            : `${member.email} loses access at their next request. The calendars they connected stay with the organization.`}
        </p>
      </ConfirmDialog>
    </li>
  );
}

export function MembersPage() {
  const queryClient = useQueryClient();
  const members = useQuery({ queryKey: membersQueryKey, queryFn: ({ signal }) => fetchJson<MembersResponse>("/api/members", { signal }) });
  const withdraw = useMutation({
    mutationFn: (id: string) => fetchJson(`/api/invitations/${id}`, { method: "DELETE" }),
    onSuccess: () => toast.success("Invitation withdrawn"),
    onError: (error) => toast.error("Could not withdraw the invitation", { description: messageOf(error) }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: membersQueryKey }),
  });
  const data = members.data;
  return (
    <>
      <PageHeader title="Members" description="The people in this organization and what each may do." />
      {members.isPending ? (
        <p role="status" className="text-sm text-slate-600">
          Loading members…
        </p>
      ) : members.isError && !data ? (
        <QueryErrorPanel error={members.error} what="the members" onRetry={() => void members.refetch()} retrying={members.isFetching} />
      ) : data ? (
        <div className="flex flex-col gap-6">
          {canInvite(data.role) ? <InviteForm role={data.role} /> : null}
          <Card className="p-5 sm:p-6">
            <h2 className="text-base font-semibold text-slate-900">
              {data.members.length} {data.members.length === 1 ? "member" : "members"}
            </h2>
            <ul className="mt-2 divide-y divide-slate-100" data-testid="members-list">
              {data.members.map((member) => (
                <MemberRow key={member.id} member={member} />
              ))}
            </ul>
          </Card>
          {canInvite(data.role) ? (
            <Card className="p-5 sm:p-6">
              <h2 className="text-base font-semibold text-slate-900">Pending invitations</h2>
              {data.invitations.length === 0 ? (
                <p className="mt-2 text-sm text-slate-600">None.</p>
              ) : (
                <ul className="mt-2 divide-y divide-slate-100" data-testid="invitations-list">
                  {data.invitations.map((invitation) => (
                    <li key={invitation.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between" data-testid="invitation-row">
                      <div className="min-w-0">
                        <p className="truncate text-sm font-medium text-slate-900">{invitation.email}</p>
                        <p className="text-xs text-slate-600">
                          {ROLE_LABEL[invitation.role]} · expires {formatShortDateTime(invitation.expiresAt)}
                          {invitation.invitedBy ? ` · invited by ${invitation.invitedBy}` : ""}
                        </p>
                      </div>
                      <Button
                        variant="ghost"
                        size="sm"
                        data-testid="withdraw-invitation"
                        loading={withdraw.isPending && withdraw.variables === invitation.id}
                        onClick={() => withdraw.mutate(invitation.id)}
                      >
                        Withdraw
                      </Button>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
