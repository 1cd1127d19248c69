import { attributeByPhase, resolveByScript } from '../../bench/profile';
import type { CpuProfile } from '../../bench/profile';

function frame(url: string, functionName = '') {
  return { functionName, url, lineNumber: 0, columnNumber: 0 };
}

const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('file:///w/dist/index.js', 'main') },
    { id: 2, callFrame: frame('node:internal/modules/cjs/loader', 'wrapSafe') },
    { id: 3, callFrame: frame('', '(garbage collector)') },
    { id: 4, callFrame: frame('/w/dist/aws-sdk.js', 'send') },
  ],
  samples: [2, 1, 3, 4, 4, 99],
  timeDeltas: [1000, 2000, 3000, 500, 1500, 250],
};

describe('resolveByScript', () => {
  it('names shipped scripts by file, node code and VM states by kind', () => {
    expect(PROFILE.nodes.map((node) => resolveByScript(node.callFrame))).toEqual([
      'dist/index.js',
      '(node: compiling scripts)',
      '(garbage collector)',
      'dist/aws-sdk.js',
    ]);
    expect(resolveByScript(frame('node:fs', 'readFileSync'))).toBe('(node itself)');
    expect(resolveByScript(frame('', '(openFileHandle)'))).toBe('(node itself)');
    expect(resolveByScript(frame('', '(idle)'))).toBe('(idle)');
    expect(resolveByScript(frame('/tmp/wrapper.js', 'x'))).toBe('(profiler wrapper)');
  });
});

describe('attributeByPhase', () => {
  it('adds up each sample time (µs) under its name, largest first', () => {
    const byPhase = attributeByPhase(PROFILE, resolveByScript, () => 'all');
    expect(byPhase.get('all')).toEqual([
      { name: '(garbage collector)', ms: 3 },
      { name: 'dist/index.js', ms: 2 },
      { name: 'dist/aws-sdk.js', ms: 2 },
      { name: '(node: compiling scripts)', ms: 1 },
      { name: '(unknown)', ms: 0.25 },
    ]);
  });

  it('puts each sample in the phase its time since the profile start falls in', () => {
    // sample ends at 1, 3, 6, 6.5, 8, 8.25 ms
    const byPhase = attributeByPhase(PROFILE, resolveByScript, (ms) => (ms <= 3 ? 'a' : 'b'));
    expect(byPhase.get('a')).toEqual([
      { name: 'dist/index.js', ms: 2 },
      { name: '(node: compiling scripts)', ms: 1 },
    ]);
    expect(byPhase.get('b')?.map((row) => row.name)).toEqual([
      '(garbage collector)',
      'dist/aws-sdk.js',
      '(unknown)',
    ]);
  });
});
