/** runAction plays the runner's protocol, and its secret scan can fail a run. */
import { join } from 'node:path';
import {
  actionDefaults,
  inputEnvName,
  parseCommandFile,
  runAction,
  scanForSecrets,
  SecretLeakError,
} from '../../sandbox/run-action';
import { kindOf } from '../../sandbox/secret-scan';

jest.setTimeout(30_000);

const FAKE_ACTION = join(__dirname, 'fixtures', 'fake-action.js');
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function fake(mode: string, inputs: Record<string, string> = {}, secrets?: string[]) {
  return runAction({
    entry: FAKE_ACTION,
    inputs: { mode, ...inputs },
    env: { FAKE_SECRET: SECRET },
    ...(secrets ? { secrets: () => secrets } : {}),
  });
}

describe('the runner protocol', () => {
  it('names inputs INPUT_<NAME> upper-cased, spaces to _, hyphens kept', () => {
    expect(inputEnvName('role-chain')).toBe('INPUT_ROLE-CHAIN');
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT');
  });

  it("fills in action.yml's defaults like the runner", () => {
    expect(actionDefaults()).toMatchObject({
      audience: 'sts.amazonaws.com',
      'role-duration-seconds': '3600',
      wait: 'true',
      'export-credentials': 'false',
    });
  });

  it('passes inputs and runner variables, and reads outputs, env and summary back', async () => {
    const run = await fake('echo', { 'role-chain': 'a\nb' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      'role-chain': 'a\nb',
      audience: 'sts.amazonaws.com',
      'github-actions': 'true',
      'has-runner-temp': 'true',
    });
    expect(run.exportedEnv).toEqual({ FROM_ACTION: 'yes' });
    expect(run.summary).toBe('### summary\n');
    expect(run.log).toContain('hello from the fake action');
  });

  it('parses heredoc and key=value command files', () => {
    const text = 'a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=plain\nc<<EOF\n\nEOF\n';
    expect(parseCommandFile(text)).toEqual({ a: 'line 1\nline 2', b: 'plain', c: '' });
    expect(() => parseCommandFile('x<<END\nno end\n')).toThrow('unterminated value for x');
  });

  it('consumes ::add-mask:: and masks the value in later lines, as the runner does', async () => {
    const run = await fake('mask');
    expect(run.masks).toEqual([SECRET]);
    expect(run.log).not.toContain('::add-mask::');
    expect(run.log).toContain('key=***');
    expect(run.log).not.toContain(SECRET);
  });

  it('delivers SIGINT when the log matches and the action can clean up', async () => {
    const run = await runAction({
      entry: FAKE_ACTION,
      inputs: { mode: 'wait-for-signal' },
      env: {},
      signal: { name: 'SIGINT', whenLogMatches: /waiting for a signal/ },
    });
    expect(run.exitCode).toBe(3);
    expect(run.outputs.cancelled).toBe('SIGINT');
  });
});

describe('the secret scan', () => {
  it('fails a run that prints a handed-out credential in clear text', async () => {
    const attempt = fake('leak', {}, [SECRET]);
    await expect(attempt).rejects.toBeInstanceOf(SecretLeakError);
    await expect(fake('leak', {}, [SECRET])).rejects.toThrow(
      'secret access key wJal… (40 chars) in log',
    );
  });

  it('never quotes the secret in its error', async () => {
    const error = await fake('leak', {}, [SECRET]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretLeakError);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('passes a run that masked the secret first', async () => {
    await expect(fake('mask', {}, [SECRET])).resolves.toMatchObject({ exitCode: 0 });
  });

  it('checks outputs, summary and exported env; the env only without export-credentials', () => {
    const run = { log: '', outputs: { a: SECRET }, summary: SECRET, exportedEnv: { K: SECRET } };
    const where = (allow: boolean) =>
      scanForSecrets(run, [SECRET], { allowExportedEnv: allow }).map((l) => l.where);
    expect(where(false)).toEqual(['outputs', 'summary', 'exported env']);
    expect(where(true)).toEqual(['outputs', 'summary']);
  });

  it('names what leaked from its shape', () => {
    expect(kindOf('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe('OIDC token');
    expect(kindOf('ASIAQWERTYUIOPASDFGH')).toBe('access key id');
    expect(kindOf(SECRET)).toBe('secret access key');
    expect(kindOf('F'.repeat(300))).toBe('session token');
  });
});
