import { clientConfig, REQUEST_TIMEOUT_MS } from '../../../action/aws/client-config';

describe('clientConfig', () => {
  it('turns off the SDK retries and makes the request timeout an error', () => {
    expect(clientConfig('eu-west-1')).toEqual({
      region: 'eu-west-1',
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: 3_000,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  });

  it('adds the credentials provider when given', () => {
    const credentials = async () => ({ accessKeyId: 'a', secretAccessKey: 'b' });
    expect(clientConfig('eu-west-1', credentials).credentials).toBe(credentials);
  });
});
