import { startConnect } from "@/lib/connections/flow";

export const dynamic = "force-dynamic";
export const GET = (request: Request) => startConnect(request, "microsoft");
