import { finishConnect } from "@/lib/connections/flow";

export const dynamic = "force-dynamic";
export const GET = (request: Request) => finishConnect(request, "google");
