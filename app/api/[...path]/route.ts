import { apiRoute } from "@/lib/http/route";
import { notFound } from "@/lib/http/errors";

// Any path under /api that no route handles: the API's own 404, in the one error
// shape, instead of the HTML page Next.js would render for a browser. Writes pass the
// same-origin guard first like every other route, then find nothing either.

export const dynamic = "force-dynamic";

const unknownPath = apiRoute("api.unknown", async (request: Request) => {
  throw notFound(`no API route ${request.method} ${new URL(request.url).pathname}`);
});

export const GET = unknownPath;
export const POST = unknownPath;
export const PUT = unknownPath;
export const PATCH = unknownPath;
export const DELETE = unknownPath;
