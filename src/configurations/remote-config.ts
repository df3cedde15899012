import type { AgentRemoteConfig } from '../opamp/proto/opamp.types.js';

/** The immutable content of one configuration version, as offered to agents. */
export interface VersionContent {
  configurationId: string;
  version: number;
  configHash: string;
  fileName: string;
  contentType: string;
  rawConfig: string;
}

/**
 * The OpAMP AgentRemoteConfig for a version: a one-entry AgentConfigMap keyed by file_name, and
 * the hash as raw bytes (the agent echoes them in RemoteConfigStatus.last_remote_config_hash).
 */
export function toAgentRemoteConfig(content: VersionContent): AgentRemoteConfig {
  return {
    config: {
      config_map: {
        [content.fileName]: { body: Buffer.from(content.rawConfig, 'utf8'), content_type: content.contentType },
      },
    },
    config_hash: Buffer.from(content.configHash, 'hex'),
  };
}
