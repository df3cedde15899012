import type { AgentSession } from './agent-session.js';
import type { ServerToAgentDraft } from './proto/opamp.types.js';

/** The endpoint an agent reached us at and the Authorization header it presented. */
export interface PresentedConnection {
  endpoint: string;
  authorization?: string;
}

// A WeakMap, not a session field: the header (an enrollment key) must never be serialised,
// logged or stored along with a session, and goes away with it.
const presented = new WeakMap<AgentSession, PresentedConnection>();

/** Keeps `connection` itself (not a copy, one per agent): callers never change it after. */
export function rememberPresented(session: AgentSession, connection: PresentedConnection): void {
  presented.set(session, connection);
}

export function presentedBy(session: AgentSession): PresentedConnection | undefined {
  return presented.get(session);
}

/**
 * Completes an `opamp` connection-settings offer at send time, in memory. Agents built on
 * opamp-go reconnect with an offer's endpoint and headers, and offered headers REPLACE their own:
 * an offer without the Authorization header the agent connected with would lock it out. So the
 * offer carries the endpoint and header of the live connection, and neither is ever part of what
 * features compute, hash, store or queue.
 */
export function completeOpampOffer(
  draft: ServerToAgentDraft,
  connection: PresentedConnection | undefined,
): ServerToAgentDraft {
  const settings = draft.connection_settings;
  if (!settings?.opamp || !connection) {
    return draft;
  }
  const headers = connection.authorization ? [{ key: 'Authorization', value: connection.authorization }] : [];
  return {
    ...draft,
    connection_settings: {
      ...settings,
      opamp: {
        ...settings.opamp,
        destination_endpoint: settings.opamp.destination_endpoint || connection.endpoint,
        headers: { headers },
      },
    },
  };
}
