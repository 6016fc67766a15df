import { missingSettingsMessage } from "@/lib/setup/required";
import { Logo } from "./logo";

/** Every page of a production deployment that lacks a required secret: which ones (names, never values) and how to make them. */
export function MissingSettingsPage({ missing }: { missing: readonly string[] }) {
  return (
    <main id="main" className="mx-auto flex min-h-screen max-w-xl flex-col justify-center px-4 py-16" data-testid="missing-settings">
      <Logo className="text-lg text-slate-900" />
      <h1 className="mt-6 text-2xl font-bold tracking-tight text-slate-900">calsync is not set up yet</h1>
      <p className="mt-3 text-sm leading-6 text-slate-700">{missingSettingsMessage(missing)}</p>
      <ul className="mt-4 list-disc space-y-1 pl-5 text-sm text-slate-900">
        {missing.map((name) => (
          <li key={name}>
            <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">{name}</code>
          </li>
        ))}
      </ul>
      <p className="mt-4 text-sm leading-6 text-slate-700">
        Set them in the deployment&apos;s environment and restart it. This page names the settings only; no value is ever shown.
      </p>
    </main>
  );
}
