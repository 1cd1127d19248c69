import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');
const CONTRACT_PATH = join(ROOT, '..', 'shared', 'CONTRACT.md');

interface ActionSpec {
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as ActionSpec;

/** Rows of the contract's inputs table: name and default as the contract writes them. */
function contractInputs(markdown: string): Array<{ name: string; default: string }> {
  return [...markdown.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)].map((match) => ({
    name: match[1] ?? '',
    default: (match[2] ?? '').trim(),
  }));
}

function contractOutputs(markdown: string): string[] {
  const paragraph = markdown.slice(markdown.indexOf('Outputs:'), markdown.indexOf('and `result`'));
  return [...paragraph.matchAll(/`([a-z-]+)`/g), ['', 'result']].map((match) => match[1] ?? '');
}

// The contract lives beside the repository (../shared); a clone without it has nothing to check.
const describeContract = existsSync(CONTRACT_PATH) ? describe : describe.skip;

describeContract('action.yml keeps the public contract', () => {
  const contract = existsSync(CONTRACT_PATH) ? readFileSync(CONTRACT_PATH, 'utf8') : '';

  test.each(contractInputs(contract))('input $name keeps its name and default', (row) => {
    const input = action.inputs[row.name];
    expect(input).toBeDefined();
    if (row.default === 'required') expect(input?.required).toBe(true);
    else if (row.default.startsWith('`')) expect(`\`${input?.default}\``).toBe(row.default);
    else expect(input?.default).toBeUndefined();
  });

  test('every output the contract names exists', () => {
    const names = contractOutputs(contract);
    expect(names.length).toBeGreaterThanOrEqual(6);
    for (const name of [...names, 'services']) expect(action.outputs).toHaveProperty(name);
  });

  test('the contract lists at least the fifteen inputs it had', () => {
    expect(contractInputs(contract).length).toBeGreaterThanOrEqual(15);
  });
});

describe('README', () => {
  test('its inputs and outputs tables are generated from the current action.yml', () => {
    expect(() =>
      execFileSync(process.execPath, ['scripts/readme-inputs.mjs', '--check'], {
        cwd: ROOT,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
