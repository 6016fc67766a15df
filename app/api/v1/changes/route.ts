import { ChangesQuerySchema } from "@/lib/api/v1/schemas";
import { v1Route } from "@/lib/api/v1/route";
import { readChanges } from "@/lib/changes/log";
import { json, parseWith } from "@/lib/http/route";
import { searchParamsOf } from "@/lib/admin/query";

export const dynamic = "force-dynamic";
// A long poll waits up to 30 s.
export const maxDuration = 60;

export const GET = v1Route("v1.changes.list", "changes:read", async (request, caller) => {
  const query = parseWith(ChangesQuerySchema, searchParamsOf(request));
  return json(await readChanges(caller.organizationId, { after: BigInt(query.after), limit: query.limit, waitSeconds: query.wait, signal: request.signal }));
});
