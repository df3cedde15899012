import { ERROR_CODES } from './error-codes.js';
import { codeForStatus } from './http-exception.filter.js';

describe('ERROR_CODES', () => {
  it('lists each code once, in PascalCase', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      expect(code).toMatch(/^[A-Z][A-Za-z]+$/);
    }
  });

  it('names the statuses Nest answers by itself (router, guards, body limits)', () => {
    expect(codeForStatus(404)).toBe('RouteNotFound');
    expect(codeForStatus(401)).toBe('NotAuthenticated');
    expect(codeForStatus(413)).toBe('PayloadTooLarge');
    expect(codeForStatus(418)).toBe('BadRequest');
    expect(codeForStatus(502)).toBe('InternalError');
  });
});
