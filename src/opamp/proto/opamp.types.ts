/**
 * The OpAMP message types, generated from proto/ (see opamp.generated.ts), plus the few
 * conveniences the server adds on top. Absent fields are `undefined`: that is how status
 * compression says "unchanged". 64-bit integers an agent sends are `bigint` (exact up to
 * 2^64-1); the ones only the server sends are `number`.
 */
import { PackageStatusEnum, RemoteConfigStatuses, type AgentToServer, type ServerToAgent } from './opamp.generated.js';

export * from './opamp.generated.js';

/** Everything of a ServerToAgent but the instance_uid, which the transport fills in. */
export type ServerToAgentDraft = Omit<ServerToAgent, 'instance_uid'>;

/**
 * What an encoder accepts for a message type: a 64-bit field may be given as a number (exact
 * below 2^53) or a bigint.
 */
export type Encodable<T> = T extends bigint
  ? bigint | number
  : T extends Uint8Array
    ? T
    : T extends ReadonlyArray<infer U>
      ? Encodable<U>[]
      : T extends object
        ? { [K in keyof T]: Encodable<T[K]> }
        : T;

/** An AgentToServer as test and benchmark agents build it (numbers are fine below 2^53). */
export type AgentToServerInput = Encodable<AgentToServer>;

/** RemoteConfigStatuses by number, as the API and the apply history name them. */
export const REMOTE_CONFIG_STATUS_NAMES = ['UNSET', 'APPLIED', 'APPLYING', 'FAILED'] as const;
export type RemoteConfigStatusName = (typeof REMOTE_CONFIG_STATUS_NAMES)[number];

/** PackageStatusEnum by number, in the API's snake_case. */
export const PACKAGE_STATUS_NAMES = [
  'installed',
  'install_pending',
  'installing',
  'install_failed',
  'downloading',
] as const;
export type PackageStatusName = (typeof PACKAGE_STATUS_NAMES)[number];

// The name lists index by enum value: a new value in the .proto must be named here too.
const namesMatch = (names: readonly string[], values: Record<string, number>): boolean =>
  names.length === Object.keys(values).length;
if (
  !namesMatch(REMOTE_CONFIG_STATUS_NAMES, RemoteConfigStatuses) ||
  !namesMatch(PACKAGE_STATUS_NAMES, PackageStatusEnum)
) {
  throw new Error('opamp.types.ts: a status enum of the .proto has a value without a name here');
}
