import { SecretRedactor } from '../redaction/secret-redactor.js';
import { SecretRules } from '../redaction/secret-rules.js';
import { compareConfigs, unifiedDiff } from './drift-compare.js';

const redactor = new SecretRedactor(Buffer.from('drift-unit-key'), new SecretRules());
const BASE = `receivers:
  otlp:
    protocols:
      grpc: {}
exporters:
  otlphttp:
    endpoint: https://ingest.example.com
    headers:
      Authorization: \${env:INGEST_TOKEN}
      X-Tenant-Token: Bearer \${env:TENANT_TOKEN}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp]
`;
const desired = { fileName: 'collector.yaml', contentType: 'text/yaml', body: redactor.redactBody(BASE, 'text/yaml') };
const effective = (body: string, key = '') => ({
  [key]: { body: redactor.redactBody(body, 'text/yaml'), content_type: 'text/yaml' },
});

describe('compareConfigs', () => {
  it('finds no drift in the same config, reformatted and reordered, with the placeholder substituted', () => {
    const reported = `service:
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp]}
exporters:
  otlphttp:
    headers:
      Authorization: Bearer real-token-value-1
      X-Tenant-Token: Bearer real-tenant-value-2
    endpoint: "https://ingest.example.com"
receivers:
  otlp:
    protocols:
      grpc: {}
`;
    expect(compareConfigs(desired, effective(reported))).toEqual([]);
  });

  it('names the path of an extra exporter and of a changed pipeline', () => {
    const reported = BASE.replace('exporters:\n  otlphttp:', 'exporters:\n  debug: {}\n  otlphttp:').replace(
      'exporters: [otlphttp]',
      'exporters: [otlphttp, debug]',
    );
    const differences = compareConfigs(desired, effective(reported));
    expect(differences.map((d) => d.path)).toEqual(['exporters.debug', 'service.pipelines.traces.exporters[1]']);
    expect(differences[1]).toEqual({
      file: 'collector.yaml',
      path: 'service.pipelines.traces.exporters[1]',
      desired: null,
      effective: 'debug',
    });
  });

  it('sees a changed literal secret through its marker, and not the same one', () => {
    const withSecret = { ...desired, body: redactor.redactBody('exporters:\n  x:\n    api_key: one\n', 'text/yaml') };
    expect(compareConfigs(withSecret, effective('exporters:\n  x:\n    api_key: one\n'))).toEqual([]);
    expect(compareConfigs(withSecret, effective('exporters:\n  x:\n    api_key: two\n')).map((d) => d.path)).toEqual([
      'exporters.x.api_key',
    ]);
  });

  it('reports a missing file when several files are reported and none has the desired key', () => {
    const reported = { a: { body: 'x: 1', content_type: 'text/yaml' }, b: { body: 'y: 1', content_type: 'text/yaml' } };
    expect(compareConfigs(desired, reported)).toEqual([
      { file: 'collector.yaml', path: '', desired: desired.body, effective: null },
    ]);
  });

  it('compares text that does not parse as a whole', () => {
    const text = { fileName: 'x', contentType: 'text/plain', body: 'a b c' };
    expect(compareConfigs(text, { x: { body: 'a b c\n', content_type: 'text/plain' } })).toEqual([]);
    expect(compareConfigs(text, { x: { body: 'a b d', content_type: 'text/plain' } })).toHaveLength(1);
  });

  it('writes a unified diff of the two documents', () => {
    const patch = unifiedDiff(desired, effective(BASE.replace('grpc: {}', 'http: {}')));
    expect(patch).toContain('--- desired/collector.yaml');
    expect(patch).toContain('-      grpc: {}');
    expect(patch).toContain('+      http: {}');
  });
});
