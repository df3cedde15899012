import { ValidateBy, type ValidationOptions } from 'class-validator';

const MAX_PAIRS = 64;

/** A label map: at most 64 pairs of non-empty string keys (≤ 256 chars) and string values (≤ 1024 chars). */
export function IsLabelMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLabelMap',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Object.keys(value).length <= MAX_PAIRS &&
          Object.entries(value).every(
            ([key, v]) => key.length > 0 && key.length <= 256 && typeof v === 'string' && v.length <= 1024,
          ),
        defaultMessage: (args) =>
          `${args?.property ?? 'selector'} must be an object of at most ${MAX_PAIRS} string keys to string values`,
      },
    },
    options,
  );
}
