import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

import { REPO_ROOT, ensureTool } from '../../scripts/act/tools';

const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows');
const BROKEN_FIXTURE = join(__dirname, 'fixtures', 'broken-deploy.yml');
const EXAMPLES_DIR = join(__dirname, 'fixtures', 'examples');
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** One finding as actionlint's `{{json .}}` format prints it. */
interface LintFinding {
  message: string;
  filepath: string;
  line: number;
  kind: string;
}

interface LintRun {
  status: number | null;
  findings: LintFinding[];
  stderr: string;
}

type Mapping = Record<string, unknown>;

function runActionlint(files: string[]): LintRun {
  const actionlint = ensureTool('actionlint');
  const run = spawnSync(actionlint, ['-format', '{{json .}}', ...files], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  const stdout = run.stdout.trim();
  const findings = stdout === '' ? [] : (JSON.parse(stdout) as LintFinding[]);
  return { status: run.status, findings, stderr: run.stderr };
}

function describeFindings(findings: LintFinding[]): string {
  return findings.map((f) => `${f.filepath}:${f.line} [${f.kind}] ${f.message}`).join('\n');
}

function mapping(value: unknown, where: string): Mapping {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${where} is not a mapping: ${JSON.stringify(value)}`);
  }
  return value as Mapping;
}

function loadWorkflow(name: string): Mapping {
  return mapping(parse(readFileSync(join(WORKFLOWS_DIR, name), 'utf8')), name);
}

function workflowFiles(): string[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .map((file) => join(WORKFLOWS_DIR, file));
}

beforeAll(() => {
  ensureTool('actionlint');
}, INSTALL_TIMEOUT_MS);

describe('actionlint', () => {
  it('finds the workflows to lint', () => {
    const names = workflowFiles().map((file) => file.slice(WORKFLOWS_DIR.length + 1));
    expect(names).toEqual(expect.arrayContaining(['ci.yml', 'deploy.yml']));
  });

  it('reports nothing for every workflow in .github/workflows', () => {
    const run = runActionlint(workflowFiles());

    expect(describeFindings(run.findings)).toBe('');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('reports nothing for the example workflows the README shows', () => {
    const examples = readdirSync(EXAMPLES_DIR).map((file) => join(EXAMPLES_DIR, file));
    const run = runActionlint(examples);

    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(describeFindings(run.findings)).toBe('');
    expect(run.status).toBe(0);
  });

  it('rejects a deliberately broken workflow, so this check can fail', () => {
    const run = runActionlint([BROKEN_FIXTURE]);
    const messages = run.findings.map((f) => `[${f.kind}] ${f.message}`);

    expect(run.status).toBe(1);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[permissions\] unknown permission scope "id-tokens"/),
        expect.stringMatching(/^\[expression\] property "enviroment" is not defined/),
        expect.stringMatching(/^\[action\] input "role-chains" is not defined in action/),
        expect.stringMatching(/^\[action\] missing input "role-chain" which is required/),
      ]),
    );
  });
});

describe.each(['ci.yml', 'deploy.yml'])('%s', (name) => {
  it('pins every third-party action by full commit SHA with a version comment', () => {
    const text = readFileSync(join(WORKFLOWS_DIR, name), 'utf8');
    const remote = [...text.matchAll(/^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/gm)].filter(
      ([, ref]) => ref !== './',
    );

    expect(remote.length).toBeGreaterThan(0);
    for (const [, ref, rest] of remote) {
      expect(`${ref}${rest}`).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
    }
  });
});

describe('deploy.yml', () => {
  const workflow = loadWorkflow('deploy.yml');
  const triggers = mapping(workflow.on, 'on');
  const job = mapping(mapping(workflow.jobs, 'jobs').deploy, 'jobs.deploy');
  const steps = job.steps as Mapping[];

  it.each(['workflow_dispatch', 'workflow_call'])('takes the same inputs on %s', (trigger) => {
    const inputs = mapping(mapping(triggers[trigger], trigger).inputs, `${trigger}.inputs`);

    expect(Object.keys(inputs).sort()).toEqual(['dry-run', 'environment', 'image']);
    expect(mapping(inputs.image, 'image')).toMatchObject({ type: 'string', required: true });
    expect(mapping(inputs['dry-run'], 'dry-run')).toMatchObject({
      type: 'boolean',
      default: false,
    });
    expect(mapping(inputs.environment, 'environment').required).toBe(true);
  });

  it('has no other triggers', () => {
    expect(Object.keys(triggers).sort()).toEqual(['workflow_call', 'workflow_dispatch']);
  });

  it('binds the job to the environment, with an OIDC token and read-only contents', () => {
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(job.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    expect(workflow.permissions).toEqual({});
  });

  it('runs one deploy per environment and never cancels one in progress', () => {
    expect(job.concurrency).toEqual({
      group: 'deploy-${{ inputs.environment }}',
      'cancel-in-progress': false,
    });
  });

  it('checks out, then runs the action from the repository root', () => {
    const uses = steps.map((step) => step.uses);

    expect(uses).toEqual([expect.stringMatching(/^actions\/checkout@[0-9a-f]{40}$/), './']);
  });

  it('passes the role chain, target and image from the environment variables', () => {
    const action = steps.find((step) => step.uses === './');
    const inputs = mapping(action?.with, 'the action step with');

    expect(inputs).toEqual({
      'role-chain': '${{ vars.TOOLING_ROLE_ARN }}\n${{ vars.DEPLOY_ROLE_ARN }}\n',
      'aws-region': '${{ vars.AWS_REGION }}',
      cluster: '${{ vars.ECS_CLUSTER }}',
      service: '${{ vars.ECS_SERVICE }}',
      images: '${{ vars.ECS_CONTAINER }}=${{ inputs.image }}',
      'dry-run': '${{ inputs.dry-run }}',
      'credential-source': "${{ env.ECS_DEPLOY_CREDENTIAL_SOURCE || 'oidc' }}",
    });
  });

  it('only passes inputs that action.yml declares', () => {
    const action = mapping(parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')), 'action');
    const declared = Object.keys(mapping(action.inputs, 'action.yml inputs'));
    const step = steps.find((s) => s.uses === './');

    expect(declared).toEqual(expect.arrayContaining(Object.keys(mapping(step?.with, 'with'))));
  });
});

describe('ci.yml', () => {
  const workflow = loadWorkflow('ci.yml');

  it('runs on pushes and pull requests', () => {
    expect(Object.keys(mapping(workflow.on, 'on')).sort()).toEqual(['pull_request', 'push']);
  });

  it('runs every gate the issue names', () => {
    const text = readFileSync(join(WORKFLOWS_DIR, 'ci.yml'), 'utf8');

    for (const command of [
      'npm ci',
      'npm run lint',
      'npm run typecheck',
      'npm test',
      'npm run build',
      'npm run synth',
      'git status --porcelain -- dist/',
      'actions/upload-artifact@',
      'actionlint',
      'pip install -r sandbox/requirements.txt',
    ]) {
      expect(text).toContain(command);
    }
  });
});
