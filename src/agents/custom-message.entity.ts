import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';
import { AgentEntity } from './agent.entity.js';

/**
 * One custom message to or from an agent. Read and written with SQL (CustomMessagesRepository);
 * declared here so the schema test holds the migrations to it.
 */
@Entity('agent_custom_messages')
@Check('agent_custom_messages_direction_check', `direction IN ('received', 'sent')`)
// An agent's latest first: a DESC column, which TypeORM cannot state.
@Index('agent_custom_messages_agent_idx', { synchronize: false })
export class CustomMessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid' })
  @ForeignKey(() => AgentEntity, { name: 'agent_custom_messages_instance_uid_fkey', onDelete: 'CASCADE' })
  instanceUid: string;

  @Column({ type: 'varchar', length: 8 })
  direction: 'received' | 'sent';

  @Column({ type: 'varchar', length: 255 })
  capability: string;

  @Column({ type: 'varchar', length: 255 })
  type: string;

  @Column({ type: 'bytea' })
  data: Buffer;

  @Column({ type: 'integer' })
  size: number;

  @Column({ type: 'boolean', default: false })
  truncated: boolean;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sentBy: string | null;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
