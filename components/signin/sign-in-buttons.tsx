"use client";

import { signIn } from "next-auth/react";
import { useEffect, useState } from "react";
import { toast } from "sonner";
import { sameOriginPath } from "@/lib/auth/redirect";
import type { ProviderName } from "@/lib/providers/port";
import { ProviderLogo, providerMeta } from "@/components/provider-meta";
import { Button } from "@/components/ui/button";

/**
 * One button per configured provider. A click hands over to next-auth, which
 * navigates away to the provider; until then the button spins and the others wait,
 * so a second click cannot start a second sign-in.
 */
export function SignInButtons({ providers, callbackUrl }: { providers: ProviderName[]; callbackUrl: string | null }) {
  const [pending, setPending] = useState<ProviderName | null>(null);

  // Coming back with the browser's Back button restores this page from the
  // back/forward cache, spinner and all; it must be clickable again.
  useEffect(() => {
    const reset = (event: PageTransitionEvent) => {
      if (event.persisted) setPending(null);
    };
    window.addEventListener("pageshow", reset);
    return () => window.removeEventListener("pageshow", reset);
  }, []);

  const start = async (provider: ProviderName) => {
    setPending(provider);
    try {
      await signIn(provider, { callbackUrl: sameOriginPath(callbackUrl, window.location.origin) });
    } catch {
      setPending(null);
      toast.error("Could not start signing in", { description: "calsync did not answer. Check your network connection and try again." });
    }
  };

  if (providers.length === 0) {
    return (
      <p role="alert" className="rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-900">
        No sign-in provider is configured on this server. Set Google or Microsoft OAuth credentials (see README), then reload.
      </p>
    );
  }

  return (
    <div className="flex flex-col gap-3" aria-busy={pending !== null}>
      {providers.map((provider) => {
        const name = providerMeta(provider).shortName;
        return (
          <Button
            key={provider}
            variant="secondary"
            size="lg"
            className="w-full"
            data-testid={`signin-${provider}`}
            icon={<ProviderLogo provider={provider} />}
            loading={pending === provider}
            loadingText={`Redirecting to ${name}…`}
            disabled={pending !== null && pending !== provider}
            onClick={() => void start(provider)}
          >
            Sign in with {name}
          </Button>
        );
      })}
      <p aria-live="polite" className="sr-only">
        {pending ? `Redirecting to ${providerMeta(pending).shortName} to sign in.` : ""}
      </p>
    </div>
  );
}
