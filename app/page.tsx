import Link from "next/link";
import { unstable_rethrow } from "next/navigation";
import { connection } from "next/server";
import { getViewer } from "@/lib/auth/viewer";
import { Logo } from "@/components/logo";

const features = [
  {
    title: "Push, verified",
    body: "Google watch channels and Microsoft Graph subscriptions deliver changes; every notification is checked against its own secret and stored before it is acknowledged.",
  },
  {
    title: "Incremental sync",
    body: "Google sync tokens and Graph delta links fetch only what changed, with a full resync whenever the provider says the cursor is gone.",
  },
  {
    title: "Nothing missed",
    body: "A poll backs up push (every 5 minutes where push is missing), and channels are renewed before they expire, so a lost notification costs minutes, not data.",
  },
  {
    title: "Your database",
    body: "Events land in your own PostgreSQL, scoped to your organization, with tokens encrypted at rest and every sync run on record.",
  },
];

const CONNECT_PATH = "/onboarding/connect-calendar";

async function signedIn(): Promise<boolean> {
  // Rendered per request: a build-time render would bake in "signed out".
  await connection();
  // The front page must render even when sign-in cannot be checked (database down,
  // auth misconfigured): it then offers sign-in, which reports the problem itself.
  try {
    return (await getViewer()) !== null;
  } catch (err) {
    // Next signals "this page reads cookies, render it per request" by throwing;
    // swallowing that would freeze the signed-out version into a static page.
    unstable_rethrow(err);
    return false;
  }
}

export default async function HomePage() {
  const isSignedIn = await signedIn();
  const connectHref = isSignedIn ? CONNECT_PATH : `/signin?callbackUrl=${encodeURIComponent(CONNECT_PATH)}`;
  return (
    <div className="flex min-h-screen flex-col">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-5xl items-center justify-between px-6 py-4">
          <Logo className="text-lg" />
          <nav aria-label="Main" className="flex items-center gap-4 text-sm">
            <Link href="/status" className="text-slate-600 hover:text-slate-900">
              System status
            </Link>
            <Link
              href={isSignedIn ? "/dashboard" : "/signin"}
              className="rounded-md bg-brand-600 px-3 py-1.5 font-medium text-white hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
            >
              {isSignedIn ? "Open dashboard" : "Sign in"}
            </Link>
          </nav>
        </div>
      </header>

      <main className="flex-1">
        <section className="mx-auto max-w-5xl px-6 py-16">
          <h1 className="max-w-2xl text-4xl font-bold tracking-tight text-slate-900 sm:text-5xl">
            Every calendar in your organization, mirrored into your own database.
          </h1>
          <p className="mt-5 max-w-2xl text-lg text-slate-600">
            calsync connects your team&apos;s Google and Microsoft calendars and keeps a copy in your PostgreSQL, seconds behind the source, for the tools you
            build on top of it.
          </p>
          <div className="mt-8 flex gap-3">
            <Link
              href={connectHref}
              className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white shadow-sm hover:bg-brand-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-brand-600"
            >
              Connect a calendar
            </Link>
            <Link href="/status" className="rounded-md border border-slate-300 bg-white px-4 py-2 font-medium text-slate-700 hover:bg-slate-100">
              System status
            </Link>
          </div>
        </section>

        <section aria-labelledby="features" className="border-t border-slate-200 bg-white">
          <div className="mx-auto max-w-5xl px-6 py-14">
            <h2 id="features" className="text-sm font-semibold uppercase tracking-wide text-brand-600">
              How it stays in sync
            </h2>
            <ul className="mt-6 grid gap-6 sm:grid-cols-2">
              {features.map((feature) => (
                <li key={feature.title} className="rounded-lg border border-slate-200 p-5">
                  <h3 className="font-semibold text-slate-900">{feature.title}</h3>
                  <p className="mt-2 text-sm leading-6 text-slate-600">{feature.body}</p>
                </li>
              ))}
            </ul>
          </div>
        </section>
      </main>

      <footer className="border-t border-slate-200 py-6 text-center text-xs text-slate-500">
        calsync is open source. Google Calendar and Microsoft Outlook are trademarks of their owners.
      </footer>
    </div>
  );
}
