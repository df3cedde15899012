import { SseParser } from './sse-parser.js';

describe('SseParser', () => {
  it('returns events as their blank line arrives, across chunk boundaries', () => {
    const sut = new SseParser();
    expect(sut.push('event: agent\ndata: {"a"')).toEqual([]);
    expect(sut.push(':1}\n\ndata: two\n')).toEqual([{ event: 'agent', data: '{"a":1}' }]);
    expect(sut.push('\n')).toEqual([{ event: 'message', data: 'two' }]);
  });

  it('joins data lines, strips one leading space only, and accepts CRLF', () => {
    const sut = new SseParser();
    expect(sut.push('data:  x\r\ndata:y\r\n\r\n')).toEqual([{ event: 'message', data: ' x\ny' }]);
  });

  it('skips comments and keep-alives that carry no data', () => {
    const sut = new SseParser();
    expect(sut.push(': keep-alive\n\nevent: ping\n\ndata: 1\n\n')).toEqual([{ event: 'message', data: '1' }]);
  });
});
