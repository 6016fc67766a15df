"use client";

import "./globals.css";

// The root layout itself failed (the signed-in area has app/(app)/error.tsx). It
// replaces the whole document, so it brings its own <html> and no providers: plain
// links only, which work whatever broke.
export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans">
        <main id="main" className="mx-auto flex min-h-screen max-w-lg flex-col justify-center px-4 py-16 text-center">
          <p className="text-sm font-semibold text-brand-700">calsync</p>
          <h1 className="mt-2 text-2xl font-bold tracking-tight text-slate-900">Something went wrong</h1>
          <p className="mt-3 text-sm leading-6 text-slate-700">
            calsync could not show this page. Try again in a moment; if it keeps happening, tell your administrator
            {error.digest ? (
              <>
                {" "}
                and mention reference <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">{error.digest}</code>
              </>
            ) : null}
            .
          </p>
          <div className="mt-8 flex justify-center gap-3">
            <button type="button" onClick={reset} className="h-9 rounded-md bg-brand-600 px-4 text-sm font-medium text-white hover:bg-brand-700">
              Try again
            </button>
            {/* A full page load on purpose: the client router may be what failed. */}
            {/* eslint-disable-next-line @next/next/no-html-link-for-pages */}
            <a
              href="/"
              className="inline-flex h-9 items-center rounded-md border border-slate-300 bg-white px-4 text-sm font-medium text-slate-700 hover:bg-slate-50"
            >
              Go to the home page
            </a>
          </div>
        </main>
      </body>
    </html>
  );
}
