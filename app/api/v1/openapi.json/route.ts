import { openApiDocument } from "@/lib/api/v1/openapi";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Public: the document describes the API, it holds no tenant data. */
export const GET = apiRoute("v1.openapi", async () => json(openApiDocument()));
