import type { HealthReport } from "@/lib/api/types";
import { authorize } from "@/lib/auth/viewer";
import { healthReport } from "@/lib/health/organization";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Push and sync health of the organization: figures, hourly series, cards, and whether it needs attention. */
export const GET = apiRoute("admin.health", async (request: Request) => {
  const viewer = await authorize(request, "admin");
  const body: HealthReport = await healthReport({ organizationId: viewer.organizationId });
  return json(body);
});
