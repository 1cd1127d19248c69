import { ActionError, awsErrorDetails, formatError, inputError } from '../../action/errors';

function sdkError(name: string, requestId: string, status: number): Error {
  const error = new Error('denied by policy');
  error.name = name;
  Object.assign(error, { $metadata: { requestId, httpStatusCode: status } });
  return error;
}

describe('ActionError', () => {
  it('keeps the cause, and reads the SDK error name and request id from it', () => {
    const cause = sdkError('AccessDenied', 'req-123', 403);
    const error = new ActionError({ code: 'HOP_ACCESS_DENIED', message: 'no', hint: 'fix', cause });
    expect(error.cause).toBe(cause);
    expect(error.aws).toEqual({
      name: 'AccessDenied',
      message: 'denied by policy',
      requestId: 'req-123',
      httpStatusCode: 403,
    });
  });

  it('formats code, message, AWS origin and the next step', () => {
    const cause = sdkError('AccessDenied', 'req-9', 403);
    const text = formatError(
      new ActionError({
        code: 'HOP_ACCESS_DENIED',
        message: 'Hop 2 denied.',
        hint: 'Trust it.',
        cause,
      }),
    );
    expect(text).toBe(
      '[HOP_ACCESS_DENIED] Hop 2 denied. (AWS: AccessDenied, request id req-9)\nWhat to do: Trust it.',
    );
  });

  it('formats errors that are not ActionErrors as INTERNAL', () => {
    expect(formatError(new TypeError('x is undefined'))).toBe(
      '[INTERNAL] TypeError: x is undefined',
    );
    expect(formatError('plain')).toBe('[INTERNAL] plain');
  });

  it('has no AWS details for a non-error cause or no cause', () => {
    expect(new ActionError({ code: 'INTERNAL', message: 'm' }).aws).toBeUndefined();
    expect(awsErrorDetails('text')).toBeUndefined();
    expect(awsErrorDetails(new Error('plain'))).toEqual({ name: 'Error', message: 'plain' });
  });

  it('builds input errors that name the input, show the value and the rule', () => {
    const error = inputError('images', 'app', 'must be container=image.');
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toBe(`Input 'images': must be container=image. Got: "app".`);
    expect(inputError('images', 'x'.repeat(500), 'r').message.length).toBeLessThan(260);
  });
});

describe('formatError origin', () => {
  it('names a cause that did not come from AWS as such', () => {
    const cause = new TypeError('fetch failed');
    const text = formatError(
      new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'No token.', cause }),
    );
    expect(text).toBe('[OIDC_TOKEN_FAILED] No token. (cause: TypeError: fetch failed)');
  });
});
