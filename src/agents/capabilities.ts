import { AgentCapabilities } from '../opamp/proto/opamp.types.js';
import { lowBits } from '../opamp/uint64.js';

/** The names of the defined capability bits set in `mask` (a uint64, exact), for people reading the API. */
export function capabilityNames(mask: string | bigint): string[] {
  const bits = lowBits(mask);
  return Object.entries(AgentCapabilities)
    .filter(([, bit]) => (bits & bit) !== 0)
    .map(([name]) => name);
}

/** True when the capability `bit` is set in a stored uint64 mask (decimal text) or its low-bits view. */
export function hasCapability(mask: string | number, bit: number): boolean {
  return (lowBits(mask) & bit) !== 0;
}
