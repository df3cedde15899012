import crypto from 'node:crypto';
import { signDelivery, verifyDelivery } from './webhook-signer.js';

describe('webhook signatures', () => {
  it('matches the Standard Webhooks reference example', () => {
    // From the Standard Webhooks specification's test vectors.
    const sut = signDelivery(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sut['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own signature and refuses a changed body, id, timestamp or secret', () => {
    const body = JSON.stringify({ type: 'agent.disconnected' });
    const headers = signDelivery('a-plain-secret-1234', crypto.randomUUID(), 1_700_000_000, body);
    expect(verifyDelivery('a-plain-secret-1234', headers, body)).toBe(true);
    expect(verifyDelivery('a-plain-secret-1234', headers, `${body} `)).toBe(false);
    expect(verifyDelivery('another-secret-1234', headers, body)).toBe(false);
    expect(verifyDelivery('a-plain-secret-1234', { ...headers, 'webhook-timestamp': '1700000001' }, body)).toBe(false);
    expect(verifyDelivery('a-plain-secret-1234', { ...headers, 'webhook-id': 'other' }, body)).toBe(false);
  });
});
