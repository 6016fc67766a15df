import { Badge } from "@/components/ui/badge";
import { Tooltip } from "@/components/ui/tooltip";

export const SANDBOX_EXPLANATION = "Providers are simulated by the local emulator; no real accounts are touched.";

/** Marks a server running against the provider emulator, so nobody mistakes it for production. */
export function SandboxBadge({ align = "center" }: { align?: "center" | "start" | "end" }) {
  return (
    <Tooltip content={SANDBOX_EXPLANATION} align={align}>
      <Badge tone="warning" dot data-testid="sandbox-badge">
        Sandbox
      </Badge>
    </Tooltip>
  );
}
