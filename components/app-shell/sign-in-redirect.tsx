"use client";

import { redirect, usePathname, useSearchParams } from "next/navigation";

/**
 * Sends a signed-out visitor to sign-in and back to the page they asked for. It is a
 * client component because only the client side knows the requested path inside a
 * layout; during the server render `redirect` still answers with a plain HTTP redirect.
 */
export function SignInRedirect(): never {
  const pathname = usePathname();
  const search = useSearchParams().toString();
  const returnTo = `${pathname}${search ? `?${search}` : ""}`;
  redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
}
