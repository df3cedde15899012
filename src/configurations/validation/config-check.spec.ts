import { checkConfig } from './config-check.js';

const PIPELINE = 'service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n';

describe('checkConfig', () => {
  it('reports a YAML syntax error with its line and column, and judges nothing else', () => {
    const sut = checkConfig('receivers:\n  otlp:\n    protocols: [grpc\nservice: {}\n', 'text/yaml');
    expect(sut.collectorConfig).toBe(false);
    expect(sut.errors).toHaveLength(1);
    expect(sut.errors[0]).toMatchObject({ path: '', line: expect.any(Number) as number });
    expect(sut.errors[0].line).toBeGreaterThan(1);
  });

  it('does not judge JSON, plain text, or YAML without a service', () => {
    const json = JSON.stringify({ service: { pipelines: { traces: { receivers: ['nope'] } } } });
    expect(checkConfig(json, 'application/json')).toEqual({ collectorConfig: false, errors: [], warnings: [] });
    expect(checkConfig(PIPELINE, 'text/plain')).toEqual({ collectorConfig: false, errors: [], warnings: [] });
    expect(checkConfig('receivers:\n  otlp: {}\n', 'text/yaml').collectorConfig).toBe(false);
    expect(checkConfig('just a string\n', 'text/yaml').collectorConfig).toBe(false);
  });

  it('judges a whole Collector config', () => {
    const sut = checkConfig(`receivers:\n  otlp:\nexporters:\n  debug:\n${PIPELINE}`, 'text/yaml');
    expect(sut).toEqual({ collectorConfig: true, errors: [], warnings: [] });
  });

  it('does not guess the components of a section that a config provider fills in', () => {
    const sut = checkConfig(
      `receivers: \${file:/etc/otel/receivers.yaml}\nexporters:\n  debug:\n${PIPELINE}`,
      'text/yaml',
    );
    expect(sut.errors).toEqual([]);
  });

  it('names the section a misplaced component is defined under, and refuses sections that are not maps', () => {
    const sut = checkConfig(`receivers: [otlp]\nexporters:\n  debug:\nprocessors:\n  otlp:\n${PIPELINE}`, 'text/yaml');
    expect(sut.errors.map((e) => e.message)).toEqual([
      'receivers must be a map of component ids to their settings',
      'receiver "otlp" is not defined under receivers or connectors (it is defined under processors)',
    ]);
    expect(sut.errors[1]).toMatchObject({ path: 'service.pipelines.traces.receivers[0]', line: 9, column: 19 });
    expect(sut.warnings.map((w) => w.path)).toEqual(['processors.otlp']);
  });

  it('refuses a service without pipelines and entries that are not ids', () => {
    expect(checkConfig('receivers:\n  otlp:\nservice:\n', 'text/yaml').errors[0]).toMatchObject({
      path: 'service',
      message: 'service must be a map with at least one pipeline under pipelines',
    });
    const sut = checkConfig(
      'receivers:\n  otlp:\nexporters:\n  debug:\nservice:\n  pipelines:\n    logs:\n      receivers: [otlp, {a: 1}]\n      exporters: debug\n',
      'text/yaml',
    );
    expect(sut.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'service.pipelines.logs.receivers[1]: expected a component id (a string)',
      'service.pipelines.logs.exporters: exporters must be a list of component ids',
    ]);
  });
});
