import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CfnTemplate,
  loadConfig,
  rolePolicies,
  synthesizeTemplates,
} from '../../infra/testing/template-policies';

const ROOT = join(__dirname, '../..');
const EXAMPLE = join(ROOT, 'infra/config/example.json');
const SYNTH_TIMEOUT_MS = 120_000;
const A = { account: '111111111111', region: 'eu-west-1' };
const B = { account: '222222222222', region: 'eu-west-1' };

/** Runs `npm run synth` as a user would, into a fresh output folder. */
function synth(configPath: string): { status: number | null; output: string; outdir: string } {
  const outdir = mkdtempSync(join(tmpdir(), 'infra-synth-'));
  const args = ['run', '--silent', 'synth', '--', '-c', `config=${configPath}`, '-o', outdir];
  const run = spawnSync('npm', args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true' },
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}`, outdir };
}

function readTemplate(outdir: string, stackName: string): CfnTemplate {
  const text = readFileSync(join(outdir, `${stackName}.template.json`), 'utf8');
  return JSON.parse(text) as CfnTemplate;
}

describe('npm run synth', () => {
  it(
    'synthesizes both stacks offline, with no warning, as the tests and the sandbox see them',
    () => {
      const run = synth(EXAMPLE);
      const expected = synthesizeTemplates(loadConfig(EXAMPLE));
      const tooling = readTemplate(run.outdir, 'GitHubEcsTooling');
      const deploy = readTemplate(run.outdir, 'GitHubEcsDeploy');

      expect(run.output).not.toMatch(/warn|notice|feature flags|telemetry|version/i);
      expect(run.status).toBe(0);
      // The CLI adds construct paths as resource metadata; roles, policies and outputs match.
      expect(rolePolicies(tooling, A)).toEqual(rolePolicies(expected.tooling, A));
      expect(rolePolicies(deploy, B)).toEqual(rolePolicies(expected.deploy, B));
      expect(Object.keys(tooling.Resources ?? {})).toEqual(
        Object.keys(expected.tooling.Resources ?? {}),
      );
      expect(tooling.Outputs).toEqual(expected.tooling.Outputs);
      expect(deploy.Outputs).toEqual(expected.deploy.Outputs);
    },
    SYNTH_TIMEOUT_MS,
  );

  it(
    'refuses a dangerous config, naming the field, and writes no template',
    () => {
      const text = readFileSync(EXAMPLE, 'utf8');
      const config = JSON.parse(text) as { deploy: { services: string[] } };
      config.deploy.services = ['*'];
      const path = join(mkdtempSync(join(tmpdir(), 'infra-config-')), 'wild.json');
      writeFileSync(path, JSON.stringify(config));
      const run = synth(path);

      expect(run.status).not.toBe(0);
      expect(run.output).toContain('deploy.services[0]: "*" holds a wildcard');
      expect(() => readTemplate(run.outdir, 'GitHubEcsDeploy')).toThrow();
    },
    SYNTH_TIMEOUT_MS,
  );
});
