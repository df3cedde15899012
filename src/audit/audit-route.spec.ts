import { redactForAudit, REDACTED } from './audit-redaction.js';
import { auditTarget } from './audit-route.js';

describe('auditTarget', () => {
  it.each([
    ['POST', '/api/v1/configurations', {}, { resource: 'configurations', action: 'create', resourceId: undefined }],
    [
      'PUT',
      '/api/v1/configurations/:name',
      { name: 'c1' },
      { resource: 'configurations', action: 'update', resourceId: 'c1' },
    ],
    ['DELETE', '/api/v1/agent-keys/:id', { id: '7' }, { resource: 'agent-keys', action: 'delete', resourceId: '7' }],
    ['POST', '/api/v1/agents/:id/restart', { id: 'u' }, { resource: 'agents', action: 'restart', resourceId: 'u' }],
    ['PUT', '/api/v1/agents/:id/labels', { id: 'u' }, { resource: 'agents', action: 'labels.update', resourceId: 'u' }],
    [
      'POST',
      '/api/v1/configurations/:name/rollback/:version',
      { name: 'c', version: '2' },
      { resource: 'configurations', action: 'rollback', resourceId: 'c' },
    ],
    [
      'PUT',
      '/api/v1/users/me/password',
      {},
      { resource: 'users', action: 'me.password.update', resourceId: undefined },
    ],
    ['POST', '/api/v1/auth/login', {}, { resource: 'auth', action: 'login', resourceId: undefined }],
  ])('%s %s', (method, path, params, expected) => {
    expect(auditTarget(method, path, params as Record<string, string>)).toEqual(expected);
  });
});

describe('redactForAudit', () => {
  it('redacts secret-looking keys at any depth and keeps the rest', () => {
    const sut = redactForAudit({
      username: 'u',
      password: 'p',
      new_password: 'n',
      current_password: 'c',
      nested: { apiKey: 'k', token: 't', Authorization: 'a', secret: 's', key_hash: 'h', name: 'x' },
      list: [{ client_secret: 'z', ok: 1 }],
    });
    expect(sut).toEqual({
      username: 'u',
      password: REDACTED,
      new_password: REDACTED,
      current_password: REDACTED,
      nested: {
        apiKey: REDACTED,
        token: REDACTED,
        Authorization: REDACTED,
        secret: REDACTED,
        key_hash: REDACTED,
        name: 'x',
      },
      list: [{ client_secret: REDACTED, ok: 1 }],
    });
  });

  it('cuts long strings and deep nesting', () => {
    const deep = redactForAudit({ a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } });
    expect(JSON.stringify(deep)).toContain('<elided>');
    expect((redactForAudit('x'.repeat(10_000)) as string).length).toBeLessThan(4100);
  });
});
