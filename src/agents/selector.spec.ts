import { InvalidSelector } from './agents.errors.js';
import { parseSelector } from './selector.js';

describe('parseSelector', () => {
  it('parses key=value pairs', () => {
    expect(parseSelector('env=prod, service.name=io.otel.collector')).toEqual({
      env: 'prod',
      'service.name': 'io.otel.collector',
    });
    expect(parseSelector('team=')).toEqual({ team: '' });
  });

  it('treats empty as no selector', () => {
    expect(parseSelector(undefined)).toBeUndefined();
    expect(parseSelector('  ')).toBeUndefined();
  });

  it.each(['env', '=prod', 'a b=c', 'env=prod,,x=y'])('refuses %p', (text) => {
    expect(() => parseSelector(text)).toThrow(InvalidSelector);
  });
});
