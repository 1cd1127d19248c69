import { join } from 'node:path';
import {
  type CfnTemplate,
  loadConfig,
  rolePolicies,
  synthesizeTemplates,
  templateOutputs,
} from '../../infra/testing/template-policies';
import handWritten from './fixtures/intrinsics-template.json';

const config = loadConfig(join(__dirname, '../../infra/config/example.json'));
const templates = synthesizeTemplates(config);
const A = { account: '111111111111', region: 'eu-west-1' };
const B = { account: '222222222222', region: 'eu-west-1' };

describe('rolePolicies over the synthesized templates', () => {
  it('gives the tooling role with its provider ARN and the deploy role ARN resolved', () => {
    const [tooling, ...others] = rolePolicies(templates.tooling, A);

    expect(others).toEqual([]);
    expect(tooling?.roleName).toBe('github-ecs-tooling');
    expect(tooling?.trustPolicy.Statement[0]?.Principal).toEqual({
      Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    });
    expect(tooling?.identityPolicies).toHaveLength(1);
    expect(tooling?.identityPolicies[0]?.Statement[0]?.Resource).toBe(
      'arn:aws:iam::222222222222:role/github-ecs-deploy',
    );
  });

  it('gives the deploy role trusting the tooling role ARN, with no token left anywhere', () => {
    const [deploy] = rolePolicies(templates.deploy, B);
    const text = JSON.stringify(deploy);

    expect(deploy?.roleName).toBe('github-ecs-deploy');
    expect(deploy?.trustPolicy.Statement[0]?.Principal).toEqual({
      AWS: 'arn:aws:iam::111111111111:role/github-ecs-tooling',
    });
    expect(text).not.toMatch(/Fn::|"Ref"|\$\{Token/);
    expect(text).toContain('arn:aws:ecs:eu-west-1:222222222222:service/checkout/checkout-api');
  });

  it('resolves the outputs, role-chain included', () => {
    const outputs = templateOutputs(templates.deploy, B);

    expect(outputs.RoleChain).toBe(
      'arn:aws:iam::111111111111:role/github-ecs-tooling,' +
        'arn:aws:iam::222222222222:role/github-ecs-deploy',
    );
    expect(templateOutputs(templates.tooling, A).RoleChain).toBe(outputs.RoleChain);
  });
});

describe('rolePolicies over a hand-written template', () => {
  const template = handWritten as unknown as CfnTemplate;

  it('resolves Sub, Select, Split, GetAtt with a path and attached policies', () => {
    const [role] = rolePolicies(template, A);

    expect(role?.roleName).toBe('RoleWithoutName');
    expect(role?.identityPolicies.map((p) => p.Statement[0]?.Resource)).toEqual([
      'arn:aws:s3:::bucket-111111111111-eu-west-1',
      'arn:aws:iam::111111111111:role/team/RoleWithoutName',
      'token.actions.githubusercontent.com',
    ]);
  });

  it('resolves the partition it is given', () => {
    const [role] = rolePolicies(template, { ...A, partition: 'aws-cn' });

    expect(role?.identityPolicies[0]?.Statement[0]?.Resource).toBe(
      'arn:aws-cn:s3:::bucket-111111111111-eu-west-1',
    );
    expect(role?.trustPolicy.Statement[0]?.Principal).toEqual({
      Federated: 'arn:aws-cn:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    });
  });

  it('refuses an intrinsic it does not know instead of guessing', () => {
    const broken = JSON.parse(JSON.stringify(template)) as CfnTemplate;
    const role = broken.Resources?.RoleWithoutName;
    (role?.Properties as Record<string, unknown>).AssumeRolePolicyDocument = {
      'Fn::ImportValue': 'elsewhere',
    };

    expect(() => rolePolicies(broken, A)).toThrow('cannot resolve Fn::ImportValue');
  });
});
