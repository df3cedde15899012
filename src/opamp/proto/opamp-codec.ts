import type protobuf from 'protobufjs';
import { loadOpampRoot, OPAMP_PACKAGE } from './opamp-root.js';
import type { AgentToServer, Encodable, ServerToAgent } from './opamp.types.js';

export { findProtoRoot } from './opamp-root.js';

/** Thrown when bytes are not a valid AgentToServer. */
export class OpampDecodeError extends Error {}

/**
 * Encodes and decodes OpAMP messages with protobufjs reflection over our .proto files, loaded
 * once. Decoded messages are plain objects (see opamp.types.ts). An AgentToServer keeps its
 * 64-bit integers exact as bigint (sequence_num, capabilities and flags are uint64: 2^64-1 is
 * a valid value); a ServerToAgent decodes them as numbers, since the server never sends one
 * past 2^53 (only test and benchmark agents decode them).
 */
export class OpampCodec {
  private readonly agentToServer: protobuf.Type;
  private readonly serverToAgent: protobuf.Type;

  constructor(protoRoot?: string) {
    const root = loadOpampRoot(protoRoot);
    this.agentToServer = root.lookupType(`${OPAMP_PACKAGE}.AgentToServer`);
    this.serverToAgent = root.lookupType(`${OPAMP_PACKAGE}.ServerToAgent`);
  }

  decodeAgentToServer(bytes: Uint8Array): AgentToServer {
    let message: protobuf.Message;
    try {
      message = this.agentToServer.decode(bytes);
    } catch (error) {
      throw new OpampDecodeError(`malformed AgentToServer: ${(error as Error).message}`);
    }
    return this.agentToServer.toObject(message, { longs: BigInt });
  }

  encodeAgentToServer(message: Encodable<AgentToServer>): Uint8Array {
    return this.agentToServer.encode(this.agentToServer.fromObject(message)).finish();
  }

  encodeServerToAgent(message: ServerToAgent): Uint8Array {
    return this.serverToAgent.encode(this.serverToAgent.fromObject(message)).finish();
  }

  decodeServerToAgent(bytes: Uint8Array): ServerToAgent {
    const message = this.serverToAgent.decode(bytes);
    return this.serverToAgent.toObject(message, { longs: Number });
  }
}
