/**
 * OpAMP over WebSocket prefixes each protobuf with a varint header; the only defined value is 0,
 * so every frame starts with one 0x00 byte.
 */
export function frameMessage(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(payload.length + 1);
  frame[0] = 0;
  frame.set(payload, 1);
  return frame;
}

export class FrameHeaderError extends Error {}

/** The protobuf inside a frame; throws FrameHeaderError for a missing or non-zero header. */
export function unframeMessage(frame: Buffer): Buffer {
  if (frame.length === 0) {
    throw new FrameHeaderError('empty frame');
  }
  // A varint whose first byte has the continuation bit, or any non-zero value, is not header 0.
  if (frame[0] !== 0) {
    throw new FrameHeaderError(`unsupported header 0x${frame[0].toString(16).padStart(2, '0')}`);
  }
  return frame.subarray(1);
}
