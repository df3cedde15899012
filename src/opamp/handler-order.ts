/**
 * Where each feature's message handler runs for every message, lower first, in one place so the
 * dependencies between them are visible. Features name their entry in @AgentMessageHandler(order);
 * equal orders run by handler name.
 */
export const HandlerOrder = {
  /** First: it persists the message and loads the server-side labels later handlers match on. */
  Inventory: 0,
  /** Offers connection settings (heartbeat interval, own telemetry) when they change. */
  ConnectionSettings: 5,
  /** Delivers queued custom messages and records the agent's custom capabilities. */
  CustomMessages: 5,
  /** Offers the assigned remote config and records RemoteConfigStatus. */
  Configurations: 10,
  /** Compares the effective config with the desired one (after configurations set it). */
  Drift: 15,
  /** Offers packages and records PackageStatuses. */
  Packages: 20,
} as const;

export type HandlerOrder = (typeof HandlerOrder)[keyof typeof HandlerOrder];
