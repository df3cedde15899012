import { DownloadUrlSigner } from './download-url-signer.js';

describe('DownloadUrlSigner', () => {
  const sut = new DownloadUrlSigner(Buffer.from('k'.repeat(32)));
  const future = Math.floor(Date.now() / 1000) + 60;

  it('accepts its own signature until the expiry', () => {
    expect(sut.verify(7, String(future), sut.sign(7, future))).toBe(true);
    expect(sut.verify(7, String(future), sut.sign(7, future), (future + 1) * 1000)).toBe(false);
  });

  it('refuses another package, another expiry, another key and missing parts', () => {
    const sig = sut.sign(7, future);
    expect(sut.verify(8, String(future), sig)).toBe(false);
    expect(sut.verify(7, String(future + 1), sig)).toBe(false);
    expect(new DownloadUrlSigner(Buffer.from('x'.repeat(32))).verify(7, String(future), sig)).toBe(false);
    expect(sut.verify(7, null, sig)).toBe(false);
    expect(sut.verify(7, String(future), null)).toBe(false);
    expect(sut.verify(7, 'soon', sig)).toBe(false);
  });
});
