"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { fetchJson, messageOf } from "@/components/api-client";
import { Button } from "@/components/ui/button";

export function AcceptInvitation({ token, organizationName }: { token: string; organizationName: string }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const accept = useMutation({
    mutationFn: () => fetchJson<{ organizationId: string }>("/api/invitations/accept", { method: "POST", body: JSON.stringify({ token }) }),
    // The header, the navigation and every cache belong to the new organization now.
    onSuccess: () => {
      queryClient.clear();
      router.push("/dashboard");
      router.refresh();
    },
  });
  return (
    <div className="mt-6 flex flex-col gap-3">
      <Button loading={accept.isPending || accept.isSuccess} loadingText="Joining…" onClick={() => accept.mutate()} data-testid="accept-invitation">
        Join {organizationName}
      </Button>
      {accept.isError ? (
        <p role="alert" className="text-sm text-red-700" data-testid="accept-error">
          {messageOf(accept.error)}
        </p>
      ) : null}
    </div>
  );
}
