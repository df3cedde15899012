/**
 * OpAMP's uint64 fields (sequence_num, capabilities, flags) can hold 2^64-1: more than a JS
 * number holds exactly (2^53) and more than PostgreSQL's bigint holds (2^63-1). The server keeps
 * them as bigint in memory and as numeric(20,0) in PostgreSQL, sent as decimal text.
 */
export const UINT64_MAX = (1n << 64n) - 1n;

/**
 * The sequence number that follows `previous`. An agent's counter is a uint64 that wraps (Go's
 * uint64 + 1 overflows to 0), so 0 follows 2^64-1 without a gap.
 */
export function nextSequence(previous: bigint): bigint {
  return previous >= UINT64_MAX ? 0n : previous + 1n;
}

/**
 * The low 32 bits of a capability or flag mask, as a number for bit tests with the enum
 * constants. Every bit the specification defines is below 2^16, so no defined bit is lost; a
 * plain Number() of a mask past 2^53 would round and ToInt32 would then drop real bits.
 */
export function lowBits(mask: bigint | string | number | undefined): number {
  if (mask === undefined) {
    return 0;
  }
  return Number(BigInt.asUintN(32, BigInt(mask)));
}

/** True when `bit` (an enum constant) is set in a uint64 mask. */
export function hasBit(mask: bigint | undefined, bit: number): boolean {
  return mask !== undefined && (mask & BigInt(bit)) !== 0n;
}
