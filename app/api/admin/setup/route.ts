import { authorize } from "@/lib/auth/viewer";
import { apiRoute, json } from "@/lib/http/route";
import { setupReport, type SetupReport } from "@/lib/setup/report";

export const dynamic = "force-dynamic";

/** The deployment's settings checked (no secret values) and what to register with the providers; installation-wide, no tenant data. */
export const GET = apiRoute("admin.setup", async (request: Request) => {
  await authorize(request, "admin");
  const body: SetupReport = await setupReport();
  return json(body);
});
