import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type Pair, type YAMLMap } from 'yaml';
import { checkComponentId, checkPipelineId, type ComponentKind } from './collector-ids.js';

/** One finding, located the way an editor shows it (1-based line and column). */
export interface ConfigIssue {
  /** Where in the document, e.g. `service.pipelines.traces.exporters[1]`. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/** What the Collector would refuse (errors) and what it would silently ignore (warnings). */
export interface CollectorValidation {
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

const KINDS: readonly ComponentKind[] = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'];
const SINGULAR: Record<ComponentKind, string> = {
  receivers: 'receiver',
  processors: 'processor',
  exporters: 'exporter',
  connectors: 'connector',
  extensions: 'extension',
};
const SERVICE_KEYS = ['extensions', 'pipelines', 'telemetry'];
const PIPELINE_KEYS = ['receivers', 'processors', 'exporters'] as const;
type PipelineKey = (typeof PIPELINE_KEYS)[number];

interface Defined {
  node: Node;
  path: string;
}

/**
 * Checks an OpenTelemetry Collector config for what the Collector refuses at start-up: references
 * to undefined components, components listed under the wrong kind, pipelines without receivers or
 * exporters, unknown keys, malformed ids, connectors used on one side only. Returns undefined for
 * content that is not a whole Collector config: only YAML with a top-level `service` is judged, because
 * a config map may carry fragments (`receivers:` only) that the Collector merges with other files.
 * YAML syntax errors are left to the content-type check, which reports them first.
 */
export function validateCollectorConfig(raw: string): CollectorValidation | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(raw, { lineCounter, uniqueKeys: true });
  if (document.errors.length > 0 || !isMap(document.contents) || !document.contents.has('service')) {
    return undefined;
  }
  return new CollectorConfigCheck(document.contents, lineCounter).run();
}

class CollectorConfigCheck {
  private readonly result: CollectorValidation = { errors: [], warnings: [] };
  private readonly defined = new Map<ComponentKind, Map<string, Defined>>();
  /** Kinds whose components come from a `${...}` provider: their ids cannot be known here. */
  private readonly opaque = new Set<ComponentKind>();
  private readonly used = new Map<ComponentKind, Set<string>>();
  private readonly connectorSides = new Map<string, { asExporter: boolean; asReceiver: boolean }>();
  /** Connector ids also defined as a receiver or exporter: already an error, not judged further. */
  private readonly ambiguous = new Set<string>();

  constructor(
    private readonly root: YAMLMap,
    private readonly lines: LineCounter,
  ) {}

  run(): CollectorValidation {
    for (const pair of this.root.items) {
      const key = keyText(pair);
      if (key === 'service' || (KINDS as readonly string[]).includes(key)) {
        continue;
      }
      this.error(
        pair.key,
        key,
        `unknown top-level key "${key}": the Collector accepts receivers, processors, exporters, connectors, extensions and service`,
      );
    }
    for (const kind of KINDS) {
      this.readComponents(kind);
    }
    this.checkAmbiguousConnectors();
    this.checkService();
    this.checkConnectorSides();
    this.warnUnused();
    return this.result;
  }

  private readComponents(kind: ComponentKind): void {
    const components = new Map<string, Defined>();
    this.defined.set(kind, components);
    this.used.set(kind, new Set());
    const section = this.root.get(kind, true) as Node | null | undefined;
    if (section === undefined || section === null || (isScalar(section) && section.value === null)) {
      return;
    }
    if (isProvider(section)) {
      this.opaque.add(kind);
      return;
    }
    if (!isMap(section)) {
      this.error(section, kind, `${kind} must be a map of component ids to their settings`);
      return;
    }
    for (const pair of section.items) {
      const id = keyText(pair);
      const path = `${kind}.${id}`;
      const problem = checkComponentId(id);
      if (problem) {
        this.error(pair.key, path, `invalid ${SINGULAR[kind]} id "${id}": ${problem}`);
        continue;
      }
      components.set(id, { node: pair.key as Node, path });
    }
  }

  /** The Collector refuses an id that is both a connector and a receiver (or exporter): a pipeline could not tell which. */
  private checkAmbiguousConnectors(): void {
    for (const [id, connector] of this.defined.get('connectors')!) {
      for (const kind of ['receivers', 'exporters'] as const) {
        if (this.defined.get(kind)!.has(id)) {
          this.ambiguous.add(id);
          this.error(
            connector.node,
            connector.path,
            `"${id}" is defined both as a connector and as a ${SINGULAR[kind]}: rename one of them`,
          );
        }
      }
    }
  }

  private checkService(): void {
    const service = this.root.get('service', true) as Node | null | undefined;
    if (!isMap(service)) {
      this.error(service ?? this.root, 'service', 'service must be a map with at least one pipeline under pipelines');
      return;
    }
    for (const pair of service.items) {
      const key = keyText(pair);
      if (!SERVICE_KEYS.includes(key)) {
        this.error(
          pair.key,
          `service.${key}`,
          `unknown key "${key}" in service: expected extensions, pipelines or telemetry`,
        );
      }
    }
    this.checkServiceExtensions(service);
    const pipelinesPair = service.items.find((pair) => keyText(pair) === 'pipelines');
    const pipelines = pipelinesPair?.value as Node | null | undefined;
    if (isProvider(pipelines)) {
      return;
    }
    if (!isMap(pipelines) || pipelines.items.length === 0) {
      this.error(
        pipelinesPair?.key ?? service,
        'service.pipelines',
        'service.pipelines must define at least one pipeline',
      );
      return;
    }
    for (const pair of pipelines.items) {
      this.checkPipeline(pair, `service.pipelines.${keyText(pair)}`);
    }
  }

  private checkServiceExtensions(service: YAMLMap): void {
    const list = service.get('extensions', true) as Node | null | undefined;
    const seen = new Set<string>();
    for (const { id, node, path } of this.references(list, 'service.extensions')) {
      if (seen.has(id)) {
        this.error(node, path, `extension "${id}" is listed more than once`);
      }
      seen.add(id);
      this.used.get('extensions')!.add(id);
      if (!this.opaque.has('extensions') && !this.defined.get('extensions')!.has(id)) {
        this.error(
          node,
          path,
          `extension "${id}" is not defined under extensions${this.elsewhere(id, ['extensions'])}`,
        );
      }
    }
  }

  private checkPipeline(pair: Pair, path: string): void {
    const id = keyText(pair);
    const idProblem = checkPipelineId(id);
    if (idProblem) {
      this.error(pair.key, path, `invalid pipeline id "${id}": ${idProblem}`);
    }
    const pipeline = pair.value as Node | null;
    if (isProvider(pipeline)) {
      return;
    }
    if (pipeline !== null && !isMap(pipeline) && !(isScalar(pipeline) && pipeline.value === null)) {
      this.error(pipeline, path, 'a pipeline must be a map with receivers, processors and exporters');
      return;
    }
    const map = isMap(pipeline) ? pipeline : undefined;
    for (const item of map?.items ?? []) {
      const key = keyText(item);
      if (!(PIPELINE_KEYS as readonly string[]).includes(key)) {
        this.error(
          item.key,
          `${path}.${key}`,
          `unknown key "${key}" in a pipeline: expected receivers, processors or exporters`,
        );
      }
    }
    for (const key of PIPELINE_KEYS) {
      const list = map?.get(key, true) as Node | null | undefined;
      const references = this.references(list, `${path}.${key}`);
      // A list that is not a list was reported already: "at least one" would say it twice.
      if (references.length === 0 && key !== 'processors' && !malformedList(list)) {
        this.error(list ?? pair.key, `${path}.${key}`, `pipeline "${id}" must have at least one ${SINGULAR[key]}`);
      }
      const seen = new Set<string>();
      for (const reference of references) {
        if (key === 'processors' && seen.has(reference.id)) {
          this.error(
            reference.node,
            reference.path,
            `processor "${reference.id}" is listed more than once in this pipeline`,
          );
        }
        seen.add(reference.id);
        this.resolve(key, reference);
      }
    }
  }

  /** A pipeline entry names a component of its own kind or, for receivers and exporters, a connector. */
  private resolve(key: PipelineKey, reference: { id: string; node: Node; path: string }): void {
    const { id, node, path } = reference;
    if (this.defined.get(key)!.has(id) || this.opaque.has(key)) {
      this.used.get(key)!.add(id);
      return;
    }
    if (key !== 'processors' && this.defined.get('connectors')!.has(id)) {
      this.used.get('connectors')!.add(id);
      const sides = this.connectorSides.get(id) ?? { asExporter: false, asReceiver: false };
      sides[key === 'exporters' ? 'asExporter' : 'asReceiver'] = true;
      this.connectorSides.set(id, sides);
      return;
    }
    if (key !== 'processors' && this.opaque.has('connectors')) {
      return;
    }
    const where = key === 'processors' ? key : `${key} or connectors`;
    this.error(
      node,
      path,
      `${SINGULAR[key]} "${id}" is not defined under ${where}${this.elsewhere(id, key === 'processors' ? [key] : [key, 'connectors'])}`,
    );
  }

  /** A connector joins pipelines: it must leave one (as an exporter) and enter another (as a receiver). */
  private checkConnectorSides(): void {
    for (const [id, sides] of this.connectorSides) {
      if (this.ambiguous.has(id)) {
        continue;
      }
      const connector = this.defined.get('connectors')!.get(id)!;
      if (!sides.asReceiver) {
        this.error(
          connector.node,
          connector.path,
          `connector "${id}" is used as an exporter but in no pipeline as a receiver`,
        );
      } else if (!sides.asExporter) {
        this.error(
          connector.node,
          connector.path,
          `connector "${id}" is used as a receiver but in no pipeline as an exporter`,
        );
      }
    }
  }

  private warnUnused(): void {
    for (const kind of KINDS) {
      for (const [id, component] of this.defined.get(kind)!) {
        if (!this.used.get(kind)!.has(id)) {
          const where = kind === 'extensions' ? 'service.extensions' : 'any pipeline';
          this.warning(
            component.node,
            component.path,
            `${SINGULAR[kind]} "${id}" is defined but not used in ${where}; the Collector ignores it`,
          );
        }
      }
    }
  }

  /** The string ids of a list of references (an absent or null list is empty); non-strings are errors. */
  private references(list: Node | null | undefined, path: string): { id: string; node: Node; path: string }[] {
    if (list === undefined || list === null || (isScalar(list) && list.value === null)) {
      return [];
    }
    if (!isSeq(list)) {
      this.error(list, path, `${path.split('.').pop()} must be a list of component ids`);
      return [];
    }
    const references: { id: string; node: Node; path: string }[] = [];
    list.items.forEach((item, index) => {
      const itemPath = `${path}[${index}]`;
      if (isScalar(item) && typeof item.value === 'string') {
        references.push({ id: item.value.trim(), node: item, path: itemPath });
      } else {
        this.error(item, itemPath, 'expected a component id (a string)');
      }
    });
    return references;
  }

  /** A hint when the id exists under another kind: the usual mistake is listing it in the wrong place. */
  private elsewhere(id: string, except: ComponentKind[]): string {
    const kinds = KINDS.filter((kind) => !except.includes(kind) && this.defined.get(kind)!.has(id));
    return kinds.length > 0 ? ` (it is defined under ${kinds.join(' and ')})` : '';
  }

  private error(node: unknown, path: string, message: string): void {
    this.result.errors.push(this.issue(node, path, message));
  }

  private warning(node: unknown, path: string, message: string): void {
    this.result.warnings.push(this.issue(node, path, message));
  }

  private issue(node: unknown, path: string, message: string): ConfigIssue {
    const offset = (node as Node | undefined)?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { path, line, column: col, message };
  }
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** A whole value taken from a config provider (`${file:...}`, `${env:...}`): resolved only by the Collector. */
function isProvider(node: unknown): boolean {
  return isScalar(node) && typeof node.value === 'string' && /^\s*\$\{[^}]+\}\s*$/.test(node.value);
}

/** Present, not null, and not a sequence: `references` has reported it. */
function malformedList(list: Node | null | undefined): boolean {
  return list !== undefined && list !== null && !isSeq(list) && !(isScalar(list) && list.value === null);
}
