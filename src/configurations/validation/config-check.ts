import { contentSyntaxIssue, type ContentType } from '../config-content.js';
import { validateCollectorConfig, type ConfigIssue } from './collector-config.validator.js';

/** The verdict on a body: syntax first, then, for a whole Collector config, what the Collector would refuse. */
export interface ConfigCheck {
  collectorConfig: boolean;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function checkConfig(raw: string, contentType: ContentType): ConfigCheck {
  const syntax = contentSyntaxIssue(raw, contentType);
  if (syntax) {
    return { collectorConfig: false, errors: [{ path: '', ...syntax }], warnings: [] };
  }
  const collector = contentType === 'text/yaml' ? validateCollectorConfig(raw) : undefined;
  return collector
    ? { collectorConfig: true, errors: collector.errors, warnings: collector.warnings }
    : { collectorConfig: false, errors: [], warnings: [] };
}
