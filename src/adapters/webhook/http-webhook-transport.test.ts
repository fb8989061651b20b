import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../../../test/http/webhook-receiver.js';
import { HttpWebhookTransport } from './http-webhook-transport.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver.close());

const port = () => new URL(receiver.url('/')).port;
const post = (transport: HttpWebhookTransport, url: string) =>
  transport.post(url, { 'content-type': 'application/json' }, '{"id":"evt_1"}', AbortSignal.timeout(5000));

describe('HttpWebhookTransport', () => {
  it('connects to the address it checked, not to what the name resolves to later (DNS rebinding)', async () => {
    // The stand-in DNS answers loopback once, then a metadata address; the system resolver knows no such name.
    const answers = ['127.0.0.1', '169.254.169.254'];
    const transport = new HttpWebhookTransport({ allowPrivate: true, resolve: async () => [{ address: answers.shift() ?? '169.254.169.254', family: 4 }] });
    const result = await post(transport, `http://rebind.invalid:${port()}/pinned`);
    expect(result).toMatchObject({ status: 200, error: null });
    const [request] = receiver.at('/pinned');
    expect(request!.headers.host).toBe(`rebind.invalid:${port()}`);
    expect(request!.raw).toBe('{"id":"evt_1"}');
  });

  it('refuses a name with any non-public address, at save and at delivery, unless private addresses are allowed', async () => {
    const resolve = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    const strict = new HttpWebhookTransport({ allowPrivate: false, resolve });
    await expect(strict.checkDestination('https://mixed.example/')).rejects.toThrow(
      /^url: mixed\.example resolves to 10\.0\.0\.7, which is not a public address/,
    );
    expect(await post(strict, 'https://mixed.example/')).toMatchObject({ status: null, error: expect.stringMatching(/not a public address/) });
    await expect(new HttpWebhookTransport({ allowPrivate: true, resolve }).checkDestination('https://mixed.example/')).resolves.toBeUndefined();
    await expect(strict.checkDestination(receiver.url('/'))).rejects.toThrow(/^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1/);
  });

  it('reports a redirect as the answer, without following it, and a hang as timed out', async () => {
    const transport = new HttpWebhookTransport({ allowPrivate: true });
    receiver.answer('/moved', 301);
    expect(await post(transport, receiver.url('/moved'))).toMatchObject({ status: 301, error: null });
    expect(receiver.at('/elsewhere')).toEqual([]);
    receiver.answer('/slow', 'hang');
    const result = await transport.post(receiver.url('/slow'), {}, '{}', AbortSignal.timeout(200));
    expect(result).toMatchObject({ status: null, error: 'timed out' });
  });
});
