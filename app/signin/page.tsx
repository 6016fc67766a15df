import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { sameOriginPath } from "@/lib/auth/redirect";
import { getViewer } from "@/lib/auth/viewer";
import { publicBaseUrl } from "@/lib/config";
import { isConfigured, providerSettings } from "@/lib/providers/config";
import { PROVIDERS } from "@/lib/providers/port";
import { Logo } from "@/components/logo";
import { SANDBOX_EXPLANATION, SandboxBadge } from "@/components/sandbox-badge";
import { SignInButtons } from "@/components/signin/sign-in-buttons";
import { signInErrorMessage } from "@/components/signin/sign-in-errors";
import { Card } from "@/components/ui/card";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Record<string, string | string[] | undefined>;
const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? null;

export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  await connection();
  const params = await searchParams;
  const callbackUrl = first(params.callbackUrl);
  if (await getViewer()) redirect(sameOriginPath(callbackUrl, publicBaseUrl()));

  const settings = providerSettings();
  const providers = PROVIDERS.filter((provider) => isConfigured(settings, provider));
  const error = signInErrorMessage(first(params.error));

  return (
    <div className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <main className="w-full max-w-sm">
        <div className="mb-8 flex flex-col items-center gap-3 text-center">
          <Link
            href="/"
            className="rounded-md focus-visible:outline-2 focus-visible:outline-offset-4 focus-visible:outline-brand-600"
            aria-label="calsync home"
          >
            <Logo className="text-2xl" />
          </Link>
          {settings.sandbox ? <SandboxBadge /> : null}
        </div>

        <Card className="p-6 sm:p-8">
          <h1 className="text-xl font-semibold tracking-tight text-slate-900">Sign in to calsync</h1>
          <p className="mt-1.5 text-sm leading-6 text-slate-600">
            Use your work Google or Microsoft account. Signing in shares only your name and email address; you choose which calendars to connect next.
          </p>

          {error ? (
            <div role="alert" data-testid="signin-error" className="mt-5 rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm">
              <p className="font-semibold text-red-900">{error.title}</p>
              <p className="mt-0.5 text-red-800">{error.description}</p>
            </div>
          ) : null}

          <div className="mt-6">
            <SignInButtons providers={providers} callbackUrl={callbackUrl} />
          </div>

          {settings.sandbox ? (
            <div className="mt-6 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="sandbox-hint">
              <p className="font-semibold">Sandbox accounts</p>
              <ul className="mt-1 space-y-0.5">
                <li>
                  <span className="font-mono text-[13px]">alice@example.com</span> (Google)
                </li>
                <li>
                  <span className="font-mono text-[13px]">bob@contoso.example</span> (Microsoft)
                </li>
              </ul>
              <p className="mt-2 text-xs text-amber-800">{SANDBOX_EXPLANATION}</p>
            </div>
          ) : null}
        </Card>

        <p className="mt-6 text-center text-xs leading-5 text-slate-500">
          calsync reads calendars only after you connect them, and only to mirror them into your organization&apos;s database.
        </p>
      </main>
    </div>
  );
}
