import { parseArgs } from 'node:util';
import { compareConfigs, parseBody } from '../src/drift/drift-compare.js';
import { SecretRedactor, type ConfigEntry } from '../src/redaction/secret-redactor.js';
import { SecretRules } from '../src/redaction/secret-rules.js';

/**
 * node dist/bench/effective-config-cost.js [--agents 10000] [--connect-cpu-ms 0.84]
 * What redaction and drift add to an agent's connect, measured in process on the code the
 * inventory runs: each of N agents reports a ~1.4 KB Collector config carrying its own
 * credentials (so nothing can be cached across agents). A reconnect with an unchanged config
 * costs the keyed fingerprint only; a new or changed config costs fingerprint + redaction + the
 * drift comparison. The ratio is taken against the server's CPU per connect (first message
 * included) from bench/RESULTS.md, or the value given.
 */
const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10000' },
    'connect-cpu-ms': { type: 'string', default: '0.84' },
  },
});
const agents = Number(values.agents);
const connectCpuMs = Number(values['connect-cpu-ms']);

const config = (token: string, password: string): string =>
  [
    'receivers:',
    '  otlp:',
    '    protocols:',
    '      grpc: { endpoint: 0.0.0.0:4317 }',
    '      http: { endpoint: 0.0.0.0:4318 }',
    '  hostmetrics:',
    '    collection_interval: 30s',
    '    scrapers: { cpu: {}, memory: {}, disk: {}, filesystem: {}, network: {}, load: {} }',
    'processors:',
    '  memory_limiter: { check_interval: 1s, limit_percentage: 80, spike_limit_percentage: 20 }',
    '  batch: { send_batch_size: 8192, timeout: 5s }',
    '  attributes/env: { actions: [{ key: deployment.environment, value: production, action: upsert }] }',
    'exporters:',
    '  otlphttp:',
    '    endpoint: https://otel-gateway.example.internal:4318',
    '    compression: gzip',
    `    headers: { Authorization: "Bearer ${token}", x-scope-orgid: tenant-a }`,
    '  debug: { verbosity: basic, sampling_initial: 5, sampling_thereafter: 200 }',
    'extensions:',
    '  health_check: { endpoint: 0.0.0.0:13133 }',
    `  basicauth/client: { client_auth: { username: collector, password: "${password}" } }`,
    'service:',
    '  extensions: [health_check, basicauth/client]',
    '  pipelines:',
    '    metrics: { receivers: [otlp, hostmetrics], processors: [memory_limiter, batch], exporters: [otlphttp] }',
    '    traces: { receivers: [otlp], processors: [memory_limiter, attributes/env, batch], exporters: [otlphttp] }',
    '    logs: { receivers: [otlp], processors: [memory_limiter, attributes/env, batch], exporters: [otlphttp, debug] }',
    '  telemetry: { logs: { level: info }, metrics: { level: normal, address: 0.0.0.0:8888 } }',
    '',
  ].join('\n');

const redactor = new SecretRedactor(Buffer.from('bench-key-bench-key-bench-key-00'), new SecretRules());
const reports: Array<Record<string, ConfigEntry>> = Array.from({ length: agents }, (_, i) => ({
  '': { body: config(`tok-${i}-${Math.random().toString(36).slice(2)}`, `pw-${i}`), content_type: 'text/yaml' },
}));
const desiredBody = redactor.redactBody(config('${env:TOKEN}', '${env:PASSWORD}'), 'text/yaml');
// The service caches the desired version parsed; each effective config is parsed once, by the redaction.
const desired = {
  fileName: '',
  contentType: 'text/yaml',
  body: desiredBody,
  parsed: parseBody(desiredBody, 'text/yaml'),
};

function cpuMicrosPerAgent(work: (report: Record<string, ConfigEntry>) => unknown): number {
  const start = process.cpuUsage();
  for (const report of reports) {
    work(report);
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / agents;
}

// Warm the JIT on a slice first so the figures are the steady state of a storm.
reports.slice(0, 500).forEach((r) => {
  const { redacted, parsed } = redactor.redactMapParsed(r);
  compareConfigs(desired, redacted, parsed);
});
const fingerprint = cpuMicrosPerAgent((r) => redactor.fingerprint(r));
const results: Array<ReturnType<SecretRedactor['redactMapParsed']>> = [];
const redaction = cpuMicrosPerAgent((r) => results.push(redactor.redactMapParsed(r)));
let i = 0;
const drift = cpuMicrosPerAgent(() => {
  const { redacted, parsed } = results[i++];
  const differences = compareConfigs(desired, redacted, parsed);
  if (differences.length > 0) {
    throw new Error(`the bench config should be in sync with its desired config: ${JSON.stringify(differences)}`);
  }
});
const changed = fingerprint + redaction + drift;
const pct = (micros: number): string => `${((micros / 1000 / connectCpuMs) * 100).toFixed(1)}%`;

console.log(`effective config: ${Buffer.byteLength(reports[0][''].body)} bytes, ${agents} agents`);
console.log(`  fingerprint (every report)        ${fingerprint.toFixed(1)} µs/agent`);
console.log(`  redaction (changed config only)   ${redaction.toFixed(1)} µs/agent`);
console.log(`  drift comparison (changed only)   ${drift.toFixed(1)} µs/agent`);
console.log(
  `  reconnect, config unchanged: +${fingerprint.toFixed(1)} µs = +${pct(fingerprint)} of ${connectCpuMs} ms/connect`,
);
console.log(
  `  connect with a new/changed config: +${changed.toFixed(1)} µs = +${pct(changed)} of ${connectCpuMs} ms/connect`,
);
