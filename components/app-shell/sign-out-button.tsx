"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";

export function SignOutButton({ className, testId = "sign-out" }: { className?: string; testId?: string }) {
  const [pending, setPending] = useState(false);
  return (
    <Button
      variant="ghost"
      size="sm"
      className={cn(className)}
      loading={pending}
      loadingText="Signing out…"
      data-testid={testId}
      onClick={async () => {
        setPending(true);
        try {
          await signOut({ callbackUrl: "/" });
        } catch {
          setPending(false);
          toast.error("Could not sign out", { description: "calsync did not answer. Check your network connection and try again." });
        }
      }}
    >
      Sign out
    </Button>
  );
}
