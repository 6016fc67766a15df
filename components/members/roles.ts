import type { MembershipRole } from "@/lib/api/types";

/** How a role is named on every screen. */
export const ROLE_LABEL: Record<MembershipRole, string> = { owner: "Owner", admin: "Admin", member: "Member" };
