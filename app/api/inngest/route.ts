import { serve } from "inngest/next";
import { inngest } from "@/inngest/client";
import { functions } from "@/inngest/functions";

// Inngest calls this endpoint to register and run the functions. Requests are
// signed with INNGEST_SIGNING_KEY outside dev mode; the SDK verifies them.
export const { GET, POST, PUT } = serve({ client: inngest, functions });
