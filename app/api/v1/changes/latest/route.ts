import type { z } from "zod";
import type { LatestCursorSchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { sequenceOf } from "@/lib/changes/log";
import { db } from "@/lib/db/client";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = v1Route("v1.changes.latest", "changes:read", async (_request, caller) => {
  const { lastSeq } = await sequenceOf(await db(), caller.organizationId);
  const body: z.infer<typeof LatestCursorSchema> = { cursor: lastSeq.toString() };
  return json(body);
});
