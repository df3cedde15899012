import { Injectable, OnModuleDestroy } from '@nestjs/common';
import crypto from 'node:crypto';
import type { Page } from '../common/pagination.js';
import type { AgentKeyEntity } from './agent-key.entity.js';
import { AgentKeysRepository } from './agent-keys.repository.js';
import { AgentKeyNotFound } from './auth.errors.js';

/** A verified enrollment key: what the OpAMP transports learn about the caller. */
export interface AgentKeyIdentity {
  keyId: string;
  name: string;
}

const POSITIVE_TTL_MS = 30_000;
const NEGATIVE_TTL_MS = 5_000;
const MAX_CACHE_ENTRIES = 10_000;

export function hashAgentKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

/**
 * Enrollment keys for agents. Keys are 256-bit random tokens, so SHA-256 is enough to store them
 * and cheap enough to check on every connection of a reconnect storm. Verified hashes are cached
 * briefly; a revoke clears this instance's cache at once and others within POSITIVE_TTL_MS.
 */
@Injectable()
export class AgentKeysService implements OnModuleDestroy {
  private readonly cache = new Map<string, { identity?: AgentKeyIdentity; expiresAt: number }>();
  private readonly usedIds = new Set<string>();
  private readonly flushTimer: NodeJS.Timeout;

  constructor(private readonly keys: AgentKeysRepository) {
    // last_used_at is coalesced: one UPDATE per minute for all keys used, not one per connection.
    this.flushTimer = setInterval(() => void this.flushUsage(), 60_000);
    this.flushTimer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.flushUsage();
  }

  async create(name: string, createdBy: string | null): Promise<{ entity: AgentKeyEntity; key: string }> {
    const secret = crypto.randomBytes(32).toString('base64url');
    const key = `opk_${secret}`;
    const entity = await this.keys.create({ name, keyHash: hashAgentKey(key), prefix: key.slice(0, 10), createdBy });
    return { entity, key };
  }

  async list(offset: number, limit: number): Promise<Page<AgentKeyEntity>> {
    const [items, total] = await this.keys.list(offset, limit);
    return { items, total };
  }

  async revoke(id: string): Promise<void> {
    const key = await this.keys.findById(id);
    if (!key) {
      throw new AgentKeyNotFound(id);
    }
    await this.keys.revoke(id);
    this.cache.delete(key.keyHash);
  }

  /** Checks a presented key; undefined when unknown or revoked. */
  async verify(key: string): Promise<AgentKeyIdentity | undefined> {
    const hash = hashAgentKey(key);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > now) {
      this.markUsed(cached.identity);
      return cached.identity;
    }
    const entity = await this.keys.findActiveByHash(hash);
    const identity = entity ? { keyId: entity.id, name: entity.name } : undefined;
    if (this.cache.size >= MAX_CACHE_ENTRIES) {
      this.cache.clear();
    }
    this.cache.set(hash, { identity, expiresAt: now + (identity ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS) });
    this.markUsed(identity);
    return identity;
  }

  private markUsed(identity: AgentKeyIdentity | undefined): void {
    if (identity) {
      this.usedIds.add(identity.keyId);
    }
  }

  private async flushUsage(): Promise<void> {
    const ids = [...this.usedIds];
    this.usedIds.clear();
    await this.keys.touchUsed(ids).catch(() => undefined);
  }
}
