import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { discoverHooks } from '../common/discovered-hooks.js';
import type { AssignmentChange } from './assignment.store.js';
import type { ConfigurationEntity } from './configuration.entity.js';

/** The result of a configuration write, and whether it changed anything at all. */
export interface WriteResult {
  configuration: ConfigurationEntity;
  created: boolean;
  newVersion: boolean;
  assignmentChanges: AssignmentChange[];
}

/** Something that reacts to committed configuration and assignment changes (caches, auto push). */
export interface ConfigChangeListener {
  configurationWritten?(result: WriteResult): Promise<void>;
  assignmentsChanged?(changes: AssignmentChange[]): Promise<void>;
}

/**
 * Where each listener runs, lower first, in one place so the dependencies between them are
 * visible. Each is awaited before the next.
 */
export const ConfigListenerOrder = {
  /** First: the desired-config cache the others read (RemoteConfigHandler). */
  DesiredConfig: 0,
  /** Offers changed assignments to the agents connected here. */
  Push: 10,
  /** Recomputes drift of the agents whose desired config changed. */
  Drift: 20,
  /** Tells the console and subscribers that a configuration was created or changed. */
  LiveEvents: 30,
  /** Starts the rollout a configuration's policy asks for. */
  Rollouts: 40,
} as const;

export type ConfigListenerOrder = (typeof ConfigListenerOrder)[keyof typeof ConfigListenerOrder];

const LISTENER = DiscoveryService.createDecorator<{ order: ConfigListenerOrder }>();

/** Marks a provider that ConfigChangeNotifier tells about committed changes, at its place in ConfigListenerOrder. */
export const ConfigChangeListener = (order: ConfigListenerOrder): ClassDecorator => LISTENER({ order });

/**
 * Tells listeners about changes after their transaction committed, so a listener never acts on a
 * write that was rolled back. Keeps the services free of the push machinery that builds on them.
 * The listeners are the @ConfigChangeListener providers, found once at bootstrap.
 */
@Injectable()
export class ConfigChangeNotifier implements OnModuleInit {
  private listeners: readonly ConfigChangeListener[] = [];

  constructor(private readonly discovery?: DiscoveryService) {}

  /** A notifier outside Nest (tests that build the services by hand): these listeners, in this order. */
  static of(...listeners: ConfigChangeListener[]): ConfigChangeNotifier {
    const notifier = new ConfigChangeNotifier();
    notifier.listeners = listeners;
    return notifier;
  }

  onModuleInit(): void {
    if (!this.discovery) {
      return;
    }
    const found = discoverHooks<ConfigChangeListener, { order: ConfigListenerOrder }>(
      this.discovery,
      LISTENER,
      'Configuration change listener',
    );
    // Equal orders run by class name, so the order never depends on how modules happen to be imported.
    found.sort((a, b) => a.options.order - b.options.order || a.className.localeCompare(b.className));
    this.listeners = found.map((listener) => listener.instance);
  }

  async changed(result: WriteResult): Promise<void> {
    await this.assignmentsChanged(result.assignmentChanges);
    for (const listener of this.listeners) {
      await listener.configurationWritten?.(result);
    }
  }

  async assignmentsChanged(changes: AssignmentChange[]): Promise<void> {
    if (changes.length === 0) {
      return;
    }
    for (const listener of this.listeners) {
      await listener.assignmentsChanged?.(changes);
    }
  }
}
