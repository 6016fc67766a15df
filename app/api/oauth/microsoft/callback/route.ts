import { finishConnect } from "@/lib/oauth/flow";

export const dynamic = "force-dynamic";
export const GET = (request: Request) => finishConnect(request, "microsoft");
