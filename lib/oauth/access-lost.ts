// Its own small module: the composition root registers the listener in every
// process, webhook functions included, and importing lib/oauth/tokens for that
// would carry the provider SDKs into each of them.

/** Told when a connection's grant is gone, after the connection says so. */
export type AccessLostListener = (lost: { organizationId: string; connectionId: string }) => Promise<void>;

// On globalThis: the composition root installs it once per process, and Next.js may
// evaluate this module in several bundles.
const accessLost = globalThis as unknown as { __calsyncAccessLost?: AccessLostListener };

/**
 * What else must happen when access is lost (the composition root stops the
 * connection's push). A callback rather than an import: lib/subscriptions calls
 * providers through lib/oauth/tokens, so it sits above it. Returns the undo.
 */
export function onAccessLost(listener: AccessLostListener): () => void {
  const previous = accessLost.__calsyncAccessLost;
  accessLost.__calsyncAccessLost = listener;
  return () => {
    accessLost.__calsyncAccessLost = previous;
  };
}

/** Tells the listener (lib/oauth/tokens calls it); false when none is installed. */
export async function accessWasLost(lost: { organizationId: string; connectionId: string }): Promise<boolean> {
  const listener = accessLost.__calsyncAccessLost;
  if (!listener) return false;
  await listener(lost);
  return true;
}
