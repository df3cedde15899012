import fs from 'node:fs';
import path from 'node:path';
import { findProtoRoot } from './opamp-root.js';
import { generateProtoTypes, GENERATED_TYPES_PATH } from './proto-typegen.js';

describe('generateProtoTypes', () => {
  const sut = generateProtoTypes();

  it('matches the checked-in opamp.generated.ts (run `npm run generate:proto` after changing proto/)', () => {
    const file = path.join(path.dirname(findProtoRoot()), GENERATED_TYPES_PATH);
    expect(fs.readFileSync(file, 'utf8')).toBe(sut);
  });

  it('types what an agent sends in 64 bits as bigint and what only the server sends as number', () => {
    expect(sut).toMatch(/export interface AgentToServer \{[^}]*sequence_num\?: bigint;[^}]*capabilities\?: bigint;/);
    expect(sut).toMatch(/export interface ComponentHealth \{[^}]*start_time_unix_nano\?: bigint;/);
    expect(sut).toMatch(/export interface ServerToAgent \{[^}]*capabilities\?: number;/);
    expect(sut).toMatch(/export interface RetryInfo \{[^}]*retry_after_nanoseconds\?: number;/);
  });

  it('emits maps as records, repeated fields as arrays and enums without their prefix', () => {
    expect(sut).toContain('config_map?: Record<string, AgentConfigFile>;');
    expect(sut).toContain('cipher_suites?: string[];');
    expect(sut).toMatch(/export const AgentCapabilities = \{[^}]*AcceptsRemoteConfig: 2,/);
  });
});
