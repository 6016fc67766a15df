import { PROVIDER_LABELS, type ProviderName } from "@/lib/providers/port";
import { cn } from "@/components/ui/cn";

// How each provider is presented: the names people know, a mark, and one line on
// what connecting it brings. Presentation only; behaviour never depends on it.

export interface ProviderMeta {
  /** Short name for buttons and "Redirecting to …". */
  shortName: string;
  /** Product name, when the API does not give one. */
  productName: string;
  syncs: string;
  /** Colour of the dot marking this provider's calendars and events. */
  dotClass: string;
}

export const PROVIDER_META: Record<ProviderName, ProviderMeta> = {
  google: {
    ...PROVIDER_LABELS.google,
    syncs: "Every calendar in the Google account's calendar list, its own and those shared with it. Changes arrive through push channels.",
    dotClass: "bg-emerald-500",
  },
  microsoft: {
    ...PROVIDER_LABELS.microsoft,
    syncs: "Outlook calendars of a Microsoft 365 work account or Outlook.com. Changes arrive through Microsoft Graph subscriptions.",
    dotClass: "bg-sky-600",
  },
};

export function providerMeta(provider: ProviderName): ProviderMeta {
  return PROVIDER_META[provider];
}

function GoogleMark({ className }: { className?: string }) {
  // A "G" drawn as four coloured arcs and a bar, centred in a 24-unit box.
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className={className} fill="none" strokeWidth="3.6">
      <path d="M12 12H20.2" stroke="#4285F4" />
      <path d="M20 12A8 8 0 0 1 17.657 17.657" stroke="#4285F4" />
      <path d="M17.657 17.657A8 8 0 0 1 5.072 16" stroke="#34A853" />
      <path d="M5.072 16A8 8 0 0 1 5.072 8" stroke="#FBBC05" />
      <path d="M5.072 8A8 8 0 0 1 17.8 6.6" stroke="#EA4335" />
    </svg>
  );
}

function MicrosoftMark({ className }: { className?: string }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className={className}>
      <rect x="2" y="2" width="9.5" height="9.5" fill="#F25022" />
      <rect x="12.5" y="2" width="9.5" height="9.5" fill="#7FBA00" />
      <rect x="2" y="12.5" width="9.5" height="9.5" fill="#00A4EF" />
      <rect x="12.5" y="12.5" width="9.5" height="9.5" fill="#FFB900" />
    </svg>
  );
}

/** The provider's mark; decorative, so always pair it with the name in text. */
export function ProviderLogo({ provider, className }: { provider: ProviderName; className?: string }) {
  const size = cn("h-5 w-5 shrink-0", className);
  return provider === "google" ? <GoogleMark className={size} /> : <MicrosoftMark className={size} />;
}

/** A small coloured dot with the provider's name for screen readers. */
export function ProviderDot({ provider, className }: { provider: ProviderName; className?: string }) {
  const meta = providerMeta(provider);
  return (
    <span className={cn("inline-flex items-center", className)}>
      <span aria-hidden="true" className={cn("h-2 w-2 shrink-0 rounded-full", meta.dotClass)} />
      <span className="sr-only">{meta.shortName}</span>
    </span>
  );
}
