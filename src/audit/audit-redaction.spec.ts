import { REDACTED, redactForAudit } from './audit-redaction.js';

describe('redactForAudit', () => {
  it('drops the values of secret-looking keys at any depth and keeps the rest', () => {
    expect(
      redactForAudit({ name: 'n', password: 'p', nested: { apiKey: 'k', client_secret: 's', port: 4317 } }),
    ).toEqual({ name: 'n', password: REDACTED, nested: { apiKey: REDACTED, client_secret: REDACTED, port: 4317 } });
  });

  it('keeps header names and drops their values, in list and map form', () => {
    const body = {
      own_metrics: {
        headers: [
          { key: 'Authorization', value: 'Bearer backend-secret' },
          { name: 'X-Scope', value: 'tenant-a' },
          'not-a-header',
        ],
        destination_endpoint: 'https://otlp.example.com/v1/metrics',
      },
      request_headers: { 'X-Api-Key': 'abc123' },
    };
    const redacted = redactForAudit(body);
    expect(redacted).toEqual({
      own_metrics: {
        headers: [{ name: 'Authorization', value: REDACTED }, { name: 'X-Scope', value: REDACTED }, REDACTED],
        destination_endpoint: 'https://otlp.example.com/v1/metrics',
      },
      request_headers: { 'X-Api-Key': REDACTED },
    });
    expect(JSON.stringify(redacted)).not.toMatch(/backend-secret|tenant-a|abc123/);
  });

  it('cuts long strings and elides deep nesting', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 12; i += 1) {
      deep = { next: deep };
    }
    expect(JSON.stringify(redactForAudit(deep))).toContain('<elided>');
    expect((redactForAudit('x'.repeat(5000)) as string).length).toBe(4097);
  });
});
