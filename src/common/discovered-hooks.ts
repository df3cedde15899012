import type { DiscoverableDecorator, DiscoveryService } from '@nestjs/core';

/** A provider that carries a hook decorator, with what the decorator said. */
export interface DiscoveredHook<T, O> {
  instance: T;
  options: O;
  /** The provider's class name, for error messages. */
  className: string;
}

/**
 * The providers of the whole application that carry `decorator`, in module order, each with the
 * decorator's options. Called once at bootstrap by the registry that owns the decorator; a wiring
 * mistake stops the start with a message naming the class, never a hook that silently runs twice
 * (a class provided by two modules is two instances) or never (a request-scoped provider has no
 * instance when the registry is built).
 */
export function discoverHooks<T, O>(
  discovery: DiscoveryService,
  decorator: DiscoverableDecorator<O>,
  what: string,
): DiscoveredHook<T, O>[] {
  const hostOf = new Map<unknown, string>();
  return discovery.getProviders({ metadataKey: decorator.KEY }).map((wrapper) => {
    const host = wrapper.host?.metatype.name ?? 'an unknown module';
    const instance = wrapper.instance as T | undefined;
    if (!wrapper.isDependencyTreeStatic() || !instance) {
      throw new Error(
        `${what} ${wrapper.name} (in ${host}) must be a singleton provider, not request-scoped or transient`,
      );
    }
    const type = (instance as object).constructor;
    const earlier = hostOf.get(type);
    if (earlier) {
      throw new Error(`${what} ${type.name} is provided by both ${earlier} and ${host}: provide it in one module only`);
    }
    hostOf.set(type, host);
    const options = discovery.getMetadataByDecorator(decorator, wrapper) as O;
    return { instance, options, className: type.name };
  });
}
