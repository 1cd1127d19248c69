import {
  decodeClaims,
  explainWebIdentityDenial,
  trustConditionFor,
} from '../../../action/credentials/claims';
import { jwt } from '../support/jwt';

const PAYLOAD = {
  sub: 'repo:octo-org/checkout-api:environment:production',
  aud: 'sts.amazonaws.com',
  repository: 'octo-org/checkout-api',
  repository_id: '892345671',
  repository_owner_id: 71234567,
  ref: 'refs/heads/main',
  environment: 'production',
  job_workflow_ref: 'octo-org/checkout-api/.github/workflows/deploy.yml@refs/heads/main',
  actor: 'octocat',
};

describe('decodeClaims', () => {
  it('keeps the claims a trust policy matches on, and nothing else', () => {
    expect(decodeClaims(jwt(PAYLOAD))).toEqual({
      sub: PAYLOAD.sub,
      aud: 'sts.amazonaws.com',
      repository: 'octo-org/checkout-api',
      repository_id: '892345671',
      repository_owner_id: '71234567',
      ref: 'refs/heads/main',
      environment: 'production',
      job_workflow_ref: PAYLOAD.job_workflow_ref,
    });
  });

  it('joins an audience list and survives broken tokens', () => {
    expect(decodeClaims(jwt({ aud: ['a', 'b'] }))).toEqual({ aud: 'a,b' });
    expect(decodeClaims('no-dots')).toBeUndefined();
    expect(decodeClaims('a.!!!.c')).toBeUndefined();
    expect(decodeClaims(`a.${Buffer.from('7').toString('base64url')}.c`)).toBeUndefined();
  });
});

describe('explainWebIdentityDenial', () => {
  it('prints the claims and the condition that would admit them, never the token', () => {
    const token = jwt(PAYLOAD);
    const text = explainWebIdentityDenial(decodeClaims(token), 'sts.amazonaws.com');
    expect(text).toContain('  sub: repo:octo-org/checkout-api:environment:production');
    expect(text).toContain(
      '  job_workflow_ref: octo-org/checkout-api/.github/workflows/deploy.yml@refs/heads/main',
    );
    expect(text).toContain(
      '"token.actions.githubusercontent.com:sub": "repo:octo-org/checkout-api:environment:production"',
    );
    expect(text).toContain('"token.actions.githubusercontent.com:repository_id": "892345671"');
    expect(text).not.toContain(token);
    expect(text).not.toContain('octocat');
  });

  it('points out the immutable subject form and an audience mismatch', () => {
    const claims = {
      sub: 'repo:octo-org@71234567/checkout-api@892345671:environment:production',
      aud: 'other',
    };
    const text = explainWebIdentityDenial(claims, 'sts.amazonaws.com');
    expect(text).toMatch(/immutable form/);
    expect(text).toMatch(/aud \(other\) differs from the 'audience' input \(sts.amazonaws.com\)/);
  });

  it('says so when the token cannot be decoded', () => {
    expect(explainWebIdentityDenial(undefined, 'sts.amazonaws.com')).toMatch(
      /could not be decoded/,
    );
  });

  it('builds a StringEquals condition from the claims present', () => {
    expect(JSON.parse(trustConditionFor({ aud: 'sts.amazonaws.com' }))).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    });
  });
});
