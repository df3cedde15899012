import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** The protobuf package of the OpAMP specification's .proto files (and ours). */
export const OPAMP_PACKAGE = 'opamp.proto.v1';

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

/**
 * Loads proto/opamp/v1/*.proto with snake_case field names kept (the code and the REST API use
 * the specification's names), every reference resolved.
 */
export function loadOpampRoot(protoRoot = findProtoRoot()): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoRoot, target.replace(/^.*?opamp\/v1\//, 'opamp/v1/'));
  root.loadSync('opamp/v1/opamp.proto', { keepCase: true });
  root.resolveAll();
  return root;
}
