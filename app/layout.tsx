import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { MissingSettingsPage } from "@/components/missing-settings-page";
import { missingRequiredSettings } from "@/lib/setup/required";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "calsync", template: "%s · calsync" },
  description: "Your organization's Google and Microsoft calendars, mirrored into your own PostgreSQL in near real time.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request, every page (not-found included): Next.js puts the CSP nonce
  // the proxy chose on its scripts only while rendering, so a prerendered page's
  // scripts would carry none and the browser would refuse to run them.
  await connection();
  // A production deployment without its key or session secret: say which, instead of a 500 on sign-in.
  const missing = missingRequiredSettings(process.env);
  if (missing.length > 0) {
    return (
      <html lang="en">
        <body className="min-h-screen font-sans">
          <MissingSettingsPage missing={missing} />
        </body>
      </html>
    );
  }
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
