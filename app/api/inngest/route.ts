import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";
import { envFlag, isProduction } from "@/lib/config";
import { errorResponse, notFound, unavailable } from "@/lib/http/errors";
import { jobDriverName } from "@/lib/jobs/driver";
import { logger } from "@/lib/log";

// Inngest calls this endpoint to register and run the functions; the SDK verifies
// each request's signature against INNGEST_SIGNING_KEY in its cloud mode. Two things
// it would not refuse on its own: a call while this process runs jobs inline (there
// is nothing to register: 404, like any unknown path), and a production process left
// in dev mode (INNGEST_DEV) or without a signing key, where the SDK would run any
// unsigned call. Production therefore serves only cloud mode with a key.

const served = serve({ client: inngest, functions });

type Method = keyof typeof served;

function guarded(method: Method) {
  return async (request: Request, context: unknown): Promise<Response> => {
    if (jobDriverName() === "inline") return errorResponse(notFound());
    if (isProduction() && (envFlag(process.env, "INNGEST_DEV") || !process.env.INNGEST_SIGNING_KEY?.trim())) {
      logger.error("inngest.misconfigured", { reason: "production needs INNGEST_SIGNING_KEY and INNGEST_DEV off; unsigned calls are refused" });
      return errorResponse(unavailable("background jobs are not configured"));
    }
    return served[method](request as never, context as never);
  };
}

export const GET = guarded("GET");
export const POST = guarded("POST");
export const PUT = guarded("PUT");
