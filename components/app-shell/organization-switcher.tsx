"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { toast } from "sonner";
import type { OrganizationSummary } from "@/lib/api/types";
import { fetchJson, messageOf } from "@/components/api-client";

/**
 * The organizations a person belongs to, in the header. Choosing one sets the
 * server's cookie, drops every cached answer and renders the dashboard again, so no
 * screen keeps showing the previous organization's data.
 */
export function OrganizationSwitcher({ organizations, currentId, testId }: { organizations: OrganizationSummary[]; currentId: string; testId: string }) {
  const id = useId();
  const [pending, setPending] = useState(false);
  // Follows the choice at once; the server's answer (currentId) wins once the page renders again.
  const [selected, setSelected] = useState(currentId);
  const [renderedFor, setRenderedFor] = useState(currentId);
  if (renderedFor !== currentId) {
    setRenderedFor(currentId);
    setSelected(currentId);
  }
  const router = useRouter();
  const queryClient = useQueryClient();
  if (organizations.length < 2) return null;
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="sr-only">
        Organization
      </label>
      <select
        id={id}
        data-testid={testId}
        value={selected}
        disabled={pending}
        onChange={async (event) => {
          const organizationId = event.target.value;
          setSelected(organizationId);
          setPending(true);
          try {
            await fetchJson("/api/organizations/current", { method: "PUT", body: JSON.stringify({ organizationId }) });
            // Nothing of the previous organization may stay on screen: drop every cached answer.
            queryClient.clear();
            router.push("/dashboard");
            router.refresh();
            setPending(false);
          } catch (error) {
            setPending(false);
            setSelected(currentId);
            toast.error("Could not switch organizations", { description: messageOf(error) });
          }
        }}
        className="max-w-[14rem] truncate rounded-md border border-slate-300 bg-white py-1.5 pr-8 pl-2 text-sm text-slate-900 shadow-sm focus-visible:outline-2 focus-visible:outline-brand-600"
      >
        {organizations.map((organization) => (
          <option key={organization.id} value={organization.id}>
            {organization.name}
          </option>
        ))}
      </select>
    </div>
  );
}
