import protobuf from 'protobufjs';
import { loadOpampRoot, OPAMP_PACKAGE } from './opamp-root.js';
import type { AgentToServer, Encodable, ServerToAgent, ServerToAgentDraft } from './opamp.types.js';

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

  /**
   * Encodes the plain object as typed (numbers for enums and uint64s, Uint8Array for bytes),
   * without protobufjs's fromObject copy: this runs for every reply.
   */
  encodeServerToAgent(message: ServerToAgent): Uint8Array {
    return this.serverToAgent.encode(message).finish();
  }

  /**
   * The WebSocket frame of a message: header byte 0 (a varint 0), then the message, written by one
   * writer into one buffer (framing an encoded message copied every reply once more).
   */
  encodeServerToAgentFrame(message: ServerToAgent): Uint8Array {
    return this.serverToAgent.encode(message, protobuf.Writer.create().uint32(0)).finish();
  }

  /** Encodes a message once for many agents; each gets it with its own instance_uid (see PreparedServerToAgent). */
  prepareServerToAgent(draft: ServerToAgentDraft): PreparedServerToAgent {
    return new PreparedServerToAgent(draft, this.encodeServerToAgent(draft));
  }

  decodeServerToAgent(bytes: Uint8Array): ServerToAgent {
    const message = this.serverToAgent.decode(bytes);
    return this.serverToAgent.toObject(message, { longs: Number });
  }
}

/** The key of ServerToAgent's field 1 (instance_uid): field number 1, wire type 2 (length-delimited). */
const INSTANCE_UID_KEY = 0x0a;

/**
 * A ServerToAgent without its instance_uid, encoded once: a push offers the same config to
 * thousands of agents, and encoding it per agent cost more than sending it. Field 1 comes first in
 * an encoder's output, so prefixing it to the encoded rest gives the bytes encoding the whole
 * message would.
 */
export class PreparedServerToAgent {
  constructor(
    readonly draft: ServerToAgentDraft,
    private readonly rest: Uint8Array,
  ) {}

  /** The WebSocket frame (header byte 0, then the message) for the agent with this uid. */
  frameFor(instanceUid: Uint8Array): Uint8Array {
    const head = protobuf.Writer.create().uint32(0).uint32(INSTANCE_UID_KEY).bytes(instanceUid).finish();
    const frame = Buffer.allocUnsafe(head.length + this.rest.length);
    frame.set(head, 0);
    frame.set(this.rest, head.length);
    return frame;
  }
}
