// What the control API (control.ts) and the sandbox page (web.ts) may do to one
// emulator: a narrow interface that EmulatorCore (server.ts) implements, so those
// modules depend on this list and not on the server that mounts them.

import type { EmulatorServices } from "./context";
import type { FaultInjector } from "./faults";
import type { GoogleChannels } from "./google/channels";
import type { GraphSubscriptions } from "./microsoft/subscriptions";
import type {
  AccountView,
  CalendarView,
  CallCounts,
  EmulatorInfo,
  EventInput,
  EventPatch,
  EventView,
  InstanceChange,
  LifecycleEvent,
  Provider,
  Seed,
  SeedAccount,
  SeedCalendar,
  StateSnapshot,
  SyncInvalidation,
} from "./types";

export interface EmulatorOperations {
  readonly services: EmulatorServices;
  readonly calls: { view(): CallCounts; clear(): void };
  readonly googleChannels: Pick<GoogleChannels, "list" | "expire">;
  readonly graphSubscriptions: Pick<GraphSubscriptions, "list" | "expire">;
  reset(seed?: Seed | "default" | "empty"): Promise<void>;
  info(): EmulatorInfo;
  snapshot(): StateSnapshot;
  seed(seed: Seed): AccountView[];
  addAccount(input: SeedAccount): AccountView;
  addCalendar(input: SeedCalendar & { accountEmail: string; provider?: Provider }): CalendarView;
  removeCalendar(calendarId: string): CalendarView;
  listEvents(calendarId: string): EventView[];
  createEvent(calendarId: string, input: EventInput & { exceptions?: InstanceChange[] }): EventView;
  updateEvent(calendarId: string, eventId: string, patch: EventPatch): EventView;
  deleteEvent(calendarId: string, eventId: string): void;
  changeInstance(calendarId: string, seriesId: string, change: InstanceChange): EventView;
  faultsView(): { endpoints: ReturnType<FaultInjector["pendingEndpointFaults"]>; notifications: FaultInjector["notification"] };
  clearFaults(): void;
  invalidateSync(request: SyncInvalidation): number;
  revoke(request: { refreshToken: string } | { provider: Provider; email: string; clientId?: string }): number;
  expireAccessTokens(request: { email?: string; provider?: Provider }): number;
  sendLifecycle(subscriptionId: string, event: LifecycleEvent, options: { pauseDelivery?: boolean }): boolean;
}
