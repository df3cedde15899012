import protobuf from 'protobufjs';
import { loadOpampRoot, OPAMP_PACKAGE } from './opamp-root.js';

/** Where the generated types live, relative to the project root. */
export const GENERATED_TYPES_PATH = 'src/opamp/proto/opamp.generated.ts';

const SCALARS: Record<string, string> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  bool: 'boolean',
  string: 'string',
  bytes: 'Uint8Array',
};
const LONGS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

/**
 * Emits the TypeScript shapes of the OpAMP messages as OpampCodec hands them out (protobufjs
 * `toObject` with `keepCase`): every field optional (proto3: absent means default/unchanged),
 * bytes as Uint8Array, enums as numbers, maps as records. 64-bit integers are `bigint` in every
 * message an agent sends (the server must hold 2^64-1 exactly), and `number` in messages only the
 * server sends (it never sends a value past 2^53). Enums become `as const` objects without the
 * `EnumName_` prefix the specification puts on every value.
 *
 * protobufjs's own pbts emits classes and `number|Long` for 64-bit fields, which is not what the
 * codec returns; this reads the same reflection protobufjs builds and prints what the codec returns.
 */
export function generateProtoTypes(protoRoot?: string): string {
  const root = loadOpampRoot(protoRoot);
  const pkg = root.lookup(OPAMP_PACKAGE) as protobuf.Namespace;
  const types = pkg.nestedArray.filter((n): n is protobuf.Type => n instanceof protobuf.Type);
  const enums = pkg.nestedArray.filter((n): n is protobuf.Enum => n instanceof protobuf.Enum);
  const inbound = reachable(pkg.lookupType('AgentToServer'));
  const out: string[] = [
    '// Generated from proto/opamp/v1/*.proto by scripts/generate-proto-types.ts (src/opamp/proto/proto-typegen.ts).',
    '// Do not edit: change the .proto files and run `npm run generate:proto`; `npm run check` fails when stale.',
    '',
    `/** The protobuf package of the OpAMP specification. */`,
    `export const OPAMP_PROTO_PACKAGE = '${OPAMP_PACKAGE}';`,
    '',
  ];
  for (const type of types) {
    if (type.fieldsArray.length === 0) {
      out.push(
        `/** ${OPAMP_PACKAGE}.${type.name} (no fields) */`,
        `export type ${type.name} = Record<string, never>;`,
        '',
      );
      continue;
    }
    out.push(`/** ${OPAMP_PACKAGE}.${type.name} */`, `export interface ${type.name} {`);
    for (const field of type.fieldsArray) {
      out.push(`  /** ${describeField(field)} */`, `  ${field.name}?: ${tsType(field, inbound.has(type))};`);
    }
    out.push('}', '');
  }
  for (const e of enums) {
    out.push(`/** ${OPAMP_PACKAGE}.${e.name} */`, `export const ${e.name} = {`);
    for (const [name, value] of Object.entries(e.values)) {
      out.push(`  ${name.startsWith(`${e.name}_`) ? name.slice(e.name.length + 1) : name}: ${hex(value)},`);
    }
    out.push('} as const;', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function tsType(field: protobuf.Field, inbound: boolean): string {
  const value = valueType(field, inbound);
  if (field instanceof protobuf.MapField) {
    return `Record<string, ${value}>`;
  }
  return field.repeated ? `${value.includes('|') ? `(${value})` : value}[]` : value;
}

function valueType(field: protobuf.Field, inbound: boolean): string {
  if (LONGS.has(field.type)) {
    return inbound ? 'bigint' : 'number';
  }
  if (SCALARS[field.type]) {
    return SCALARS[field.type];
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    return 'number';
  }
  if (resolved instanceof protobuf.Type) {
    return resolved.name;
  }
  throw new Error(`unsupported field type ${field.type} of ${field.fullName}`);
}

function describeField(field: protobuf.Field): string {
  const map = field instanceof protobuf.MapField ? `map<${field.keyType}, ${field.type}>` : undefined;
  const label = map ?? `${field.repeated ? 'repeated ' : ''}${field.type}`;
  const oneof = field.partOf ? ` (oneof ${field.partOf.name})` : '';
  return `${label} ${field.name} = ${field.id}${oneof}`;
}

/** Every message type reachable from `start` through message and map fields. */
function reachable(start: protobuf.Type): Set<protobuf.Type> {
  const seen = new Set<protobuf.Type>();
  const visit = (type: protobuf.Type): void => {
    if (seen.has(type)) {
      return;
    }
    seen.add(type);
    for (const field of type.fieldsArray) {
      if (field.resolvedType instanceof protobuf.Type) {
        visit(field.resolvedType);
      }
    }
  };
  visit(start);
  return seen;
}

function hex(value: number): string {
  return value >= 16 ? `0x${value.toString(16).padStart(8, '0')}` : String(value);
}
