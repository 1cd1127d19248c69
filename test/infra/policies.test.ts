import { Stack } from 'aws-cdk-lib';
import {
  deployRoleStatements,
  githubSubjects,
  githubTrustConditions,
  roleArn,
  roleChain,
  taskDefinitionArns,
  type EcsScope,
  type SubjectSource,
} from '../../infra/lib/policies';
import { ConfigError } from '../../infra/lib/errors';
import { validateSubjectSource } from '../../infra/lib/subject-rules';

const source: SubjectSource = {
  repository: 'octo-org/checkout-api',
  repositoryId: '892345671',
  ownerId: '71234567',
  environments: ['production'],
  refs: ['refs/heads/main'],
  subjectForm: 'legacy',
};

const scope: EcsScope = {
  partition: 'aws',
  region: 'eu-west-1',
  account: '222222222222',
  cluster: 'checkout',
  services: ['checkout-api'],
  taskRoleArns: ['arn:aws:iam::222222222222:role/checkout-task'],
  executionRoleArns: ['arn:aws:iam::222222222222:role/checkout-task'],
  taskDefinitionFamilies: [],
};

describe('githubSubjects', () => {
  it('gives one exact subject per environment and ref, environments first', () => {
    expect(githubSubjects(source)).toEqual([
      'repo:octo-org/checkout-api:environment:production',
      'repo:octo-org/checkout-api:ref:refs/heads/main',
    ]);
  });

  it('writes the immutable form with the owner and repository ids', () => {
    expect(githubSubjects({ ...source, refs: [], subjectForm: 'immutable' })).toEqual([
      'repo:octo-org@71234567/checkout-api@892345671:environment:production',
    ]);
  });
});

describe('githubTrustConditions', () => {
  it('pins aud, sub and both ids with StringEquals and nothing else', () => {
    expect(githubTrustConditions(source)).toEqual({
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': githubSubjects(source),
        'token.actions.githubusercontent.com:repository_id': '892345671',
        'token.actions.githubusercontent.com:repository_owner_id': '71234567',
      },
    });
  });
});

describe('deployRoleStatements', () => {
  it('passes each role once, only to ecs-tasks', () => {
    const stack = new Stack();
    const passRole = deployRoleStatements(scope)
      .map((statement) => stack.resolve(statement.toStatementJson()))
      .find((statement) => statement.Action === 'iam:PassRole');

    expect(passRole).toEqual({
      Sid: 'PassTaskRolesToEcsTasksOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::222222222222:role/checkout-task',
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  });

  it('names family revisions when families are given', () => {
    expect(taskDefinitionArns({ ...scope, taskDefinitionFamilies: ['api', 'worker'] })).toEqual([
      'arn:aws:ecs:eu-west-1:222222222222:task-definition/api:*',
      'arn:aws:ecs:eu-west-1:222222222222:task-definition/worker:*',
    ]);
  });
});

describe('roleArn and roleChain', () => {
  it('build the ARNs and the comma-separated role-chain input', () => {
    const arns = [roleArn('aws', '111111111111', 'a'), roleArn('aws', '222222222222', 'b')];

    expect(roleChain(arns)).toBe(
      'arn:aws:iam::111111111111:role/a,arn:aws:iam::222222222222:role/b',
    );
  });
});

describe('validateSubjectSource', () => {
  it('accepts the source above', () => {
    expect(() => validateSubjectSource(source, 'github')).not.toThrow();
  });

  it.each([
    ['a subject form it does not know', { subjectForm: 'new' }, 'github.subjectForm'],
    ['a ref that is a pull request', { refs: ['refs/pull/7/head'] }, 'github.refs[0]'],
    ['an environment with a colon', { environments: ['prod:ref'] }, 'github.environments[0]'],
  ])('refuses %s', (_case, change, field) => {
    const bad = { ...source, ...change } as SubjectSource;

    expect(() => validateSubjectSource(bad, 'github')).toThrow(ConfigError);
    expect(() => validateSubjectSource(bad, 'github')).toThrow(`${field}: `);
  });
});
