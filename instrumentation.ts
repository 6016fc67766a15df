/**
 * Next.js start-up hook (Node runtime only). Starts tracing when an OTLP endpoint
 * is configured (before anything else, so start-up work is traced too), opens the
 * database once so the embedded default is migrated before the first request
 * rather than during it, then wires background work at the composition root
 * (inngest/): the job sender, and for the inline driver its crons and catch-up.
 * A failure is reported, not fatal: /api/health then says what is wrong.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Loaded only when configured: without an endpoint the code runs on the API's
  // no-op tracer and the SDK never enters the process.
  const { tracingConfigured } = await import("@/lib/telemetry/tracing");
  if (tracingConfigured()) {
    const { startTracing } = await import("@/lib/telemetry/sdk");
    await startTracing().catch((err: Error) => {
      console.error(`[calsync] tracing not started: ${err.message}`);
    });
  }
  // Fatal: without its key and session secret a production server can serve nobody
  // (every sign-in would be a 500). A server stops here, naming what is missing. On
  // Vercel stopping would only turn every request into a bare 500, so there it is
  // logged and the pages say it instead (app/layout.tsx).
  const { missingRequiredSettings, missingSettingsMessage } = await import("@/lib/setup/required");
  const missing = missingRequiredSettings(process.env);
  if (missing.length > 0) {
    console.error(`[calsync] ${missingSettingsMessage(missing)}`);
    // Next.js logs a throw from this hook and serves on regardless, so a server exits itself.
    if (!process.env.VERCEL) process.exit(1);
  }
  // Fatal, unlike the rest: a webhook allowlist or proxy setting that does not
  // parse must stop the server, not leave the routes open or shut by accident.
  const { webhookSourceSettings } = await import("@/lib/webhooks/source");
  webhookSourceSettings();
  const { db } = await import("@/lib/db/client");
  await db().catch((err: Error) => {
    console.error(`[calsync] database not ready: ${err.message}`);
  });
  // Started even when the database is not ready: the crons are what picks the work
  // up once it is back, and a failed catch-up is logged by startBackgroundWork.
  const { startBackgroundWork } = await import("@/inngest");
  await startBackgroundWork().catch((err: Error) => {
    console.error(`[calsync] background jobs not started: ${err.message}`);
  });
}
