// The shape of every setup check: what was looked at, how it stands, and, when it
// is not ok, the one thing to do about it. Details describe secrets ("set, 32
// bytes", "missing"), never their values.

export type CheckStatus = "ok" | "warning" | "failure";

export interface SetupCheck {
  /** Stable key (monitoring, tests): "encryption-key", "database", ... */
  id: string;
  /** What a person calls it: "ENCRYPTION_KEY", "Database". */
  label: string;
  status: CheckStatus;
  detail: string;
  /** One line saying what to do; null when the check is ok. */
  fix: string | null;
}

export const ok = (id: string, label: string, detail: string): SetupCheck => ({ id, label, status: "ok", detail, fix: null });
export const warning = (id: string, label: string, detail: string, fix: string): SetupCheck => ({ id, label, status: "warning", detail, fix });
export const failure = (id: string, label: string, detail: string, fix: string): SetupCheck => ({ id, label, status: "failure", detail, fix });

const RANK: Record<CheckStatus, number> = { ok: 0, warning: 1, failure: 2 };

/** The worst status among the checks (ok when there are none). */
export function overallStatus(checks: readonly SetupCheck[]): CheckStatus {
  return checks.reduce<CheckStatus>((worst, check) => (RANK[check.status] > RANK[worst] ? check.status : worst), "ok");
}

/** Set and not blank. */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

/** A secret described by its size only: `set, 32 bytes`. */
export function describeSecret(bytes: number): string {
  return `set, ${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
}
