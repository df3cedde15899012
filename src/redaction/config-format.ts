/** How a config body is read: by its content type, YAML when none is given (the Collector's case). */
export type ConfigFormat = 'yaml' | 'json' | 'text';

export function configFormat(contentType: string): ConfigFormat {
  const type = contentType.toLowerCase();
  if (type.includes('json')) {
    return 'json';
  }
  if (type === '' || type.includes('yaml') || type.includes('yml')) {
    return 'yaml';
  }
  return 'text';
}
