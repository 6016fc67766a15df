export { inngest } from "@/inngest/client";
export { functions } from "@/inngest/functions";
