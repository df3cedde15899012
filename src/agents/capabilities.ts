import { AgentCapabilities } from '../opamp/proto/opamp.types.js';

/** The names of the capability bits set in `mask`, for people reading the API. */
export function capabilityNames(mask: number): string[] {
  return Object.entries(AgentCapabilities)
    .filter(([, bit]) => (mask & bit) !== 0)
    .map(([name]) => name);
}

export function hasCapability(mask: number, bit: number): boolean {
  return (mask & bit) !== 0;
}
