import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { AgentToServer, ServerToAgent } from './opamp.types.js';

/** Finds `proto/` by walking up from this file: it sits at different depths in src/ and dist/src/. */
export function findProtoRoot(start = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'proto', 'opamp', 'v1', 'opamp.proto'))) {
      return path.join(dir, 'proto');
    }
    if (path.dirname(dir) === dir) {
      throw new Error(`proto/opamp/v1/opamp.proto not found above ${start}`);
    }
  }
}

/** Thrown when bytes are not a valid AgentToServer. */
export class OpampDecodeError extends Error {}

/**
 * Encodes and decodes OpAMP messages with protobufjs reflection over our .proto files,
 * loaded once. Decoded messages are plain objects (see opamp.types.ts).
 */
export class OpampCodec {
  private readonly agentToServer: protobuf.Type;
  private readonly serverToAgent: protobuf.Type;

  constructor(protoRoot = findProtoRoot()) {
    const root = new protobuf.Root();
    root.resolvePath = (_origin, target) => path.join(protoRoot, target.replace(/^.*?opamp\/v1\//, 'opamp/v1/'));
    root.loadSync('opamp/v1/opamp.proto', { keepCase: true });
    root.resolveAll();
    this.agentToServer = root.lookupType('opamp.v1.AgentToServer');
    this.serverToAgent = root.lookupType('opamp.v1.ServerToAgent');
  }

  decodeAgentToServer(bytes: Uint8Array): AgentToServer {
    try {
      const message = this.agentToServer.decode(bytes);
      return this.agentToServer.toObject(message, { longs: Number });
    } catch (error) {
      throw new OpampDecodeError(`malformed AgentToServer: ${(error as Error).message}`);
    }
  }

  encodeAgentToServer(message: AgentToServer): Uint8Array {
    return this.agentToServer.encode(this.agentToServer.fromObject(message)).finish();
  }

  encodeServerToAgent(message: ServerToAgent): Uint8Array {
    return this.serverToAgent.encode(this.serverToAgent.fromObject(message)).finish();
  }

  decodeServerToAgent(bytes: Uint8Array): ServerToAgent {
    const message = this.serverToAgent.decode(bytes);
    return this.serverToAgent.toObject(message, { longs: Number }) as ServerToAgent;
  }
}
