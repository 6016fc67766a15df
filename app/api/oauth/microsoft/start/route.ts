import { startConnect } from "@/lib/oauth/flow";

export const dynamic = "force-dynamic";
export const GET = (request: Request) => startConnect(request, "microsoft");
