import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../infra/lib/config';
import badConfigs from './fixtures/bad-configs.json';

const EXAMPLE_PATH = join(__dirname, '../../infra/config/example.json');

interface BadConfig {
  case: string;
  set?: Record<string, unknown>;
  delete?: string;
  field: string;
}

function example(): Record<string, unknown> {
  return JSON.parse(readFileSync(EXAMPLE_PATH, 'utf8')) as Record<string, unknown>;
}

/** Sets or deletes `a.b.c` in a copy of the example. */
function edited(bad: BadConfig): Record<string, unknown> {
  const config = example();
  const edits: Array<[string, unknown]> = Object.entries(bad.set ?? {});
  if (bad.delete !== undefined) edits.push([bad.delete, undefined]);
  for (const [path, value] of edits) {
    const keys = path.split('.');
    const last = keys.pop() as string;
    let target = config;
    for (const key of keys) target = target[key] as Record<string, unknown>;
    if (value === undefined) delete target[last];
    else target[last] = value;
  }
  return config;
}

describe('loadConfig', () => {
  it('loads the example with every field typed', () => {
    const config = loadConfig(EXAMPLE_PATH);

    expect(config.github).toEqual({
      repository: 'octo-org/checkout-api',
      repositoryId: '892345671',
      ownerId: '71234567',
      environments: ['production'],
      refs: [],
      subjectForm: 'legacy',
    });
    expect(config.tooling).toEqual({ account: '111111111111', roleName: 'github-ecs-tooling' });
    expect(config.deploy.services).toEqual(['checkout-api', 'checkout-worker']);
    expect(config.deploy.executionRoleArns).toEqual([
      'arn:aws:iam::222222222222:role/checkout-execution',
    ]);
  });

  it('accepts refs alone, numeric ids, an existing provider and a tooling region', () => {
    const config = parseConfig({
      ...example(),
      github: {
        repository: 'octo-org/checkout-api',
        repositoryId: 892345671,
        ownerId: 71234567,
        refs: ['refs/heads/main', 'refs/tags/v1.2.3'],
        subjectForm: 'immutable',
      },
      tooling: {
        account: '111111111111',
        roleName: 'github-ecs-tooling',
        region: 'us-east-1',
        oidcProviderArn:
          'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
      },
    });

    expect(config.github.repositoryId).toBe('892345671');
    expect(config.github.ownerId).toBe('71234567');
    expect(config.github.environments).toEqual([]);
    expect(config.github.refs).toEqual(['refs/heads/main', 'refs/tags/v1.2.3']);
    expect(config.tooling.oidcProviderArn).toMatch(/:oidc-provider\/token\.actions\./);
  });

  it.each((badConfigs as BadConfig[]).map((bad) => [bad.case, bad] as const))(
    'refuses %s, naming the field',
    (_name, bad) => {
      let error: unknown;
      try {
        parseConfig(edited(bad));
      } catch (caught) {
        error = caught;
      }

      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(bad.field);
      expect((error as ConfigError).code).toBe('InvalidConfig');
      expect((error as ConfigError).message.startsWith(`${bad.field}: `)).toBe(true);
    },
  );

  it('names the file when it is not JSON, keeping the parse error as the cause', () => {
    const dir = mkdtempSync(join(tmpdir(), 'infra-config-'));
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{ "github": ');

    expect(() => loadConfig(path)).toThrow(`${path} is not valid JSON`);
    try {
      loadConfig(path);
    } catch (error) {
      expect((error as ConfigError).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadConfig('/nonexistent/config.json')).toThrow(
      'cannot read /nonexistent/config.json',
    );
  });
});
