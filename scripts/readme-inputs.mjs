// Writes the README's inputs and outputs tables from action.yml, so the two never disagree.
// `node scripts/readme-inputs.mjs --check` exits 1 when the README is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { parse } from 'yaml';

const START = '<!-- action.yml:start -->';
const END = '<!-- action.yml:end -->';

const cell = (text) =>
  String(text ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();

export function renderTables(actionYml) {
  const action = parse(actionYml);
  const inputs = Object.entries(action.inputs).map(([name, spec]) => {
    const fallback = spec.default === undefined ? '' : `\`${cell(spec.default)}\``;
    const required = spec.required ? 'yes' : 'no';
    return `| \`${name}\` | ${required} | ${fallback} | ${cell(spec.description)} |`;
  });
  const outputs = Object.entries(action.outputs).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`,
  );
  return [
    START,
    '| input | required | default | description |',
    '| --- | --- | --- | --- |',
    ...inputs,
    '',
    '| output | description |',
    '| --- | --- |',
    ...outputs,
    END,
  ].join('\n');
}

export function updateReadme(readme, actionYml) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START} ... ${END} block`);
  return readme.slice(0, start) + renderTables(actionYml) + readme.slice(end + END.length);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync('README.md', 'utf8');
  // Formatted as `npm run lint` checks it, so the generated tables and prettier agree.
  const options = (await prettier.resolveConfig('README.md')) ?? {};
  const next = await prettier.format(updateReadme(readme, readFileSync('action.yml', 'utf8')), {
    ...options,
    filepath: 'README.md',
  });
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md inputs table is stale: run node scripts/readme-inputs.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync('README.md', next);
  }
}
