/**
 * Next.js start-up hook (Node runtime only). Opens the database once so the
 * embedded default is migrated before the first request rather than during it.
 * A failure is reported, not fatal: /api/health then says what is wrong.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { db } = await import("@/lib/db/client");
  await db().catch((err: Error) => {
    console.error(`[calsync] database not ready: ${err.message}`);
  });
}
