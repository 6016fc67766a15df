"use client";

import Link from "next/link";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";

// A page of the signed-in area failed to render on the server (database down, a bug).
// Say so, offer the retry, and keep the header and navigation around it usable.
export default function AppError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <Card role="alert" className="mx-auto max-w-lg p-8 text-center">
      <h1 className="text-lg font-semibold text-slate-900">This page could not be loaded</h1>
      <p className="mt-2 text-sm leading-6 text-slate-600">
        calsync ran into a problem while preparing it. Try again in a moment; if it keeps happening, tell your administrator
        {error.digest ? (
          <>
            {" "}
            and mention reference <code className="rounded bg-slate-100 px-1 py-0.5 text-xs">{error.digest}</code>
          </>
        ) : null}
        .
      </p>
      <div className="mt-6 flex justify-center gap-3">
        <Button onClick={reset}>Try again</Button>
        <Link href="/dashboard" className={buttonClasses({ variant: "secondary" })}>
          Go to dashboard
        </Link>
      </div>
    </Card>
  );
}
