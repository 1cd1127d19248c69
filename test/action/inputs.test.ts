import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ActionError } from '../../action/errors';
import {
  parseBoolean,
  parseImages,
  parseRequest,
  parseRoleChain,
  sanitizeSessionName,
  splitList,
} from '../../action/inputs';

const TOOLING = 'arn:aws:iam::111111111111:role/github-ecs-tooling';
const DEPLOY = 'arn:aws:iam::222222222222:role/github-ecs-deploy';
const FIXTURES = join(__dirname, 'fixtures');

const GOOD: Record<string, string> = {
  'role-chain': `${TOOLING}\n${DEPLOY}`,
  'aws-region': 'eu-west-1',
  cluster: 'checkout',
  service: 'checkout-api',
  images: 'app=repo/app:2',
};

function reader(overrides: Record<string, string>) {
  const inputs = { ...GOOD, ...overrides };
  return (name: string) => inputs[name] ?? '';
}

const readFixture = (path: string) => readFileSync(join(FIXTURES, path), 'utf8');

function parse(overrides: Record<string, string>) {
  return parseRequest(reader(overrides), readFixture);
}

function inputFailure(overrides: Record<string, string>): ActionError {
  try {
    parse(overrides);
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error('expected an input error');
}

describe('parseRequest', () => {
  it('parses the good inputs with the contract defaults', () => {
    expect(parse({})).toEqual({
      roleChain: [TOOLING, DEPLOY],
      region: 'eu-west-1',
      audience: 'sts.amazonaws.com',
      roleSessionName: undefined,
      durationSeconds: 3600,
      cluster: 'checkout',
      services: ['checkout-api'],
      images: [{ container: 'app', image: 'repo/app:2' }],
      taskDefinition: undefined,
      forceNewDeployment: false,
      wait: true,
      waitTimeoutMs: 30 * 60_000,
      rollback: true,
      dryRun: false,
      exportCredentials: false,
      credentialSource: 'oidc',
    });
  });

  it('accepts commas in role-chain, several services, booleans and a session name', () => {
    const request = parse({
      'role-chain': `${TOOLING}, ${DEPLOY}`,
      service: 'checkout-api\ncheckout-worker\n',
      'dry-run': 'TRUE',
      wait: 'False',
      'role-session-name': 'deploy by octo/cat',
      'wait-timeout-minutes': '0.5',
      'credential-source': 'ambient',
    });
    expect(request.roleChain).toEqual([TOOLING, DEPLOY]);
    expect(request.services).toEqual(['checkout-api', 'checkout-worker']);
    expect(request.dryRun).toBe(true);
    expect(request.wait).toBe(false);
    expect(request.roleSessionName).toBe('deploy-by-octo-cat');
    expect(request.waitTimeoutMs).toBe(30_000);
    expect(request.credentialSource).toBe('ambient');
  });

  it('reads a task definition file, and takes a task definition ARN as it is', () => {
    const file = parse({ images: '', 'task-definition': 'task-definition-file.json' });
    expect(file.taskDefinition).toMatchObject({
      kind: 'file',
      document: { family: 'checkout-api' },
    });
    const arn = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:9';
    expect(parse({ images: '', 'task-definition': arn }).taskDefinition).toEqual({
      kind: 'arn',
      taskDefinitionArn: arn,
    });
  });

  it('allows neither images nor task-definition only with force-new-deployment', () => {
    expect(parse({ images: '', 'force-new-deployment': 'true' }).images).toEqual([]);
  });

  const badInputs: Array<[string, Record<string, string>, RegExp]> = [
    ['role-chain missing', { 'role-chain': '' }, /^Input 'role-chain' is required/],
    [
      'role-chain not an ARN',
      { 'role-chain': 'github-ecs-tooling' },
      /^Input 'role-chain': 'github-ecs-tooling' is not an IAM role ARN/,
    ],
    [
      'role-chain user ARN',
      { 'role-chain': 'arn:aws:iam::111111111111:user/bob' },
      /not an IAM role ARN/,
    ],
    [
      'role-chain short account',
      { 'role-chain': 'arn:aws:iam::1111:role/x' },
      /not an IAM role ARN/,
    ],
    [
      'role-chain six hops',
      { 'role-chain': Array(6).fill(TOOLING).join('\n') },
      /needs 1 to 5 role ARNs/,
    ],
    [
      'region',
      { 'aws-region': 'Ireland' },
      /^Input 'aws-region': must be a region code such as eu-west-1/,
    ],
    ['cluster', { cluster: 'my cluster' }, /^Input 'cluster': must be an ECS cluster name/],
    ['service wildcard', { service: 'checkout-*' }, /^Input 'service':/],
    ['service twice', { service: 'a\na' }, /each once/],
    ['images without =', { images: 'app' }, /^Input 'images': each line must be container=image/],
    ['images space in image', { images: 'app=repo/app 2' }, /container=image/],
    ['images empty container', { images: '=repo/app:2' }, /container=image/],
    ['images twice', { images: 'app=a:1\napp=a:2' }, /names container 'app' more than once/],
    ['images empty', { images: '' }, /^Input 'images': is empty/],
    [
      'both sources',
      { 'task-definition': 'task-definition-file.json' },
      /cannot be used together with images/,
    ],
    [
      'task def bad ARN',
      { images: '', 'task-definition': 'arn:aws:ecs:eu-west-1:1:task-definition/x' },
      /task definition ARN/,
    ],
    [
      'task def missing file',
      { images: '', 'task-definition': 'nope.json' },
      /must name a readable JSON file/,
    ],
    [
      'duration text',
      { 'role-duration-seconds': 'an hour' },
      /^Input 'role-duration-seconds': must be a whole number/,
    ],
    ['duration short', { 'role-duration-seconds': '60' }, /from 900 to 43200/],
    [
      'duration chained',
      { 'role-duration-seconds': '7200' },
      /exceeds 3600: STS limits roles assumed by role chaining/,
    ],
    ['boolean', { 'dry-run': 'yes' }, /^Input 'dry-run': must be true or false/],
    ['timeout zero', { 'wait-timeout-minutes': '0' }, /^Input 'wait-timeout-minutes'/],
    ['timeout text', { 'wait-timeout-minutes': 'ten' }, /^Input 'wait-timeout-minutes'/],
    ['session name', { 'role-session-name': 'x' }, /^Input 'role-session-name'/],
    ['audience', { audience: 'two words' }, /^Input 'audience'/],
    [
      'credential source',
      { 'credential-source': 'keys' },
      /^Input 'credential-source': must be oidc or ambient/,
    ],
  ];

  it.each(badInputs)('refuses %s, naming the input', (_name, overrides, message) => {
    const error = inputFailure(overrides);
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toMatch(message);
  });

  it.each([
    ['cluster', 'arn:aws:ecs:eu-west-1:222222222222:cluster/checkout', true],
    ['cluster', 'arn:aws-cn:ecs:cn-north-1:222222222222:cluster/checkout', true],
    ['cluster', 'arn:aws:ecs:eu-west-1:2222:cluster/checkout', false],
    ['cluster', 'arn:aws:ecs:eu-west-1:222222222222:service/checkout', false],
    ['service', 'arn:aws:ecs:eu-west-1:222222222222:service/checkout/checkout-api', true],
    ['service', 'arn:aws:ecs:eu-west-1:222222222222:service/checkout-api', true],
    ['service', 'arn:aws:ecs:eu-west-1:222222222222:service/a/b/c', false],
    ['task-definition', 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:9', true],
    ['task-definition', 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api', false],
  ])('%s %s: accepted %s', (input, value, accepted) => {
    const overrides =
      input === 'task-definition' ? { images: '', [input]: value } : { [input]: value };
    if (accepted) expect(() => parse(overrides)).not.toThrow();
    else expect(inputFailure(overrides).message).toMatch(new RegExp(`^Input '${input}'`));
  });

  it('shows the bad value in the error', () => {
    expect(inputFailure({ 'aws-region': 'Ireland' }).message).toContain('Got: "Ireland"');
  });

  it('allows a long duration for a single hop (no chaining)', () => {
    expect(parse({ 'role-chain': TOOLING, 'role-duration-seconds': '7200' }).durationSeconds).toBe(
      7200,
    );
  });
});

describe('small parsers', () => {
  it('splits lists on lines, and on commas when asked', () => {
    expect(splitList(' a \n\n b,c ', false)).toEqual(['a', 'b,c']);
    expect(splitList(' a \n\n b,c ', true)).toEqual(['a', 'b', 'c']);
  });

  it('parses booleans with a default', () => {
    expect(parseBoolean('wait', '', true)).toBe(true);
    expect(parseBoolean('wait', 'false', true)).toBe(false);
  });

  it('sanitizes session names to the STS alphabet and 64 characters', () => {
    expect(sanitizeSessionName('octo/repo run#1')).toBe('octo-repo-run-1');
    expect(sanitizeSessionName('a'.repeat(80))).toHaveLength(64);
  });
});

function onlyInputErrors(run: () => unknown): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return ['INPUT_INVALID', 'TASK_DEFINITION_FILE_INVALID'].includes(error.code);
  }
}

const ARN_PIECES = ['arn:aws:iam::', '111111111111', ':role/', 'x', '\n', ',', ' ', '/', '*', 'é'];
const nearArn = fc
  .array(fc.oneof(fc.constantFrom(...ARN_PIECES), fc.string()), { maxLength: 12 })
  .map((parts) => parts.join(''));

describe('fuzzing the parsers', () => {
  it('role-chain: parses or throws the typed input error, nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), nearArn), (text) =>
        onlyInputErrors(() => parseRoleChain(text)),
      ),
      {
        numRuns: 2000,
      },
    );
  });

  it('role-chain: whatever parses is a list of role ARNs', () => {
    fc.assert(
      fc.property(nearArn, (text) => {
        try {
          return parseRoleChain(text).every(
            (arn) => arn.startsWith('arn:aws') && arn.includes(':role/'),
          );
        } catch (error) {
          return error instanceof ActionError;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('images: parses or throws the typed input error, and parsed pairs round-trip', () => {
    const line = fc
      .tuple(fc.string(), fc.constantFrom('=', '==', ''), fc.string())
      .map((p) => p.join(''));
    const text = fc.array(line, { maxLength: 6 }).map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(fc.oneof(text, fc.string()), (value) => {
        try {
          return parseImages(value).every(
            (o) => value.includes(`${o.container}`) && value.includes(o.image),
          );
        } catch (error) {
          return onlyInputErrors(() => {
            throw error;
          });
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('task definition files: parse or throw the typed file error, for any JSON or text', () => {
    const container = fc.record(
      {
        name: fc.oneof(fc.string(), fc.constant('app')),
        image: fc.oneof(fc.string(), fc.integer()),
      },
      { requiredKeys: [] },
    );
    const document = fc.record(
      {
        family: fc.oneof(fc.string(), fc.constant('checkout-api'), fc.integer()),
        containerDefinitions: fc.oneof(fc.array(container, { maxLength: 3 }), fc.jsonValue()),
        taskDefinition: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const text = fc.oneof(
      fc.string(),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      document.map((d) => JSON.stringify(d)),
    );
    fc.assert(
      fc.property(text, (content) =>
        onlyInputErrors(() =>
          parseRequest(reader({ images: '', 'task-definition': 'f.json' }), () => content),
        ),
      ),
      { numRuns: 2000 },
    );
  });
});
