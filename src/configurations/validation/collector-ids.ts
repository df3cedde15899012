/** The component sections of a Collector config. */
export type ComponentKind = 'receivers' | 'processors' | 'exporters' | 'connectors' | 'extensions';

// The Collector's own rules for ids: a type of letters, digits and underscores starting with a
// letter, then optionally "/" and a name without spaces, control characters or symbols.
const TYPE = /^[a-zA-Z][0-9a-zA-Z_]{0,62}$/;
const NAME = /^[^\p{Z}\p{C}\p{S}]+$/u;
const NAME_MAX = 1024;
const SIGNALS = ['traces', 'metrics', 'logs'];

/** Why `type[/name]` is not a valid component id, or undefined when it is. */
export function checkComponentId(id: string): string | undefined {
  const slash = id.indexOf('/');
  const type = (slash < 0 ? id : id.slice(0, slash)).trim();
  const name = slash < 0 ? undefined : id.slice(slash + 1).trim();
  if (!TYPE.test(type)) {
    return 'the type must start with a letter and hold only letters, digits and "_" (at most 63 characters)';
  }
  if (name === undefined) {
    return undefined;
  }
  if (name === '') {
    return 'the name after "/" must not be empty';
  }
  if (name.length > NAME_MAX || !NAME.test(name)) {
    return `the name after "/" must be at most ${NAME_MAX} characters without spaces, control characters or symbols`;
  }
  return undefined;
}

/** Why a pipeline id is not `traces|metrics|logs[/name]`, or undefined when it is. */
export function checkPipelineId(id: string): string | undefined {
  const slash = id.indexOf('/');
  const signal = slash < 0 ? id : id.slice(0, slash);
  if (!SIGNALS.includes(signal)) {
    return 'a pipeline id is traces, metrics or logs, optionally followed by /name';
  }
  return slash < 0 ? undefined : checkComponentId(id);
}
