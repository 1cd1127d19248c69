import { attributeSamples, type CpuProfile } from '../../bench/profile';

function frame(url: string, functionName = '') {
  return { functionName, url, lineNumber: 0, columnNumber: 0 };
}

describe('attributeSamples', () => {
  it('adds up each sample time (µs) under the name its frame resolves to, largest first', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('file:///b/index.js', 'a') },
        { id: 2, callFrame: frame('node:internal/modules/cjs/loader', 'wrapSafe') },
        { id: 3, callFrame: frame('', '(garbage collector)') },
      ],
      samples: [1, 2, 2, 3, 1, 99],
      timeDeltas: [1000, 2000, 3000, 500, 1500, 250],
    };
    const byKind = attributeSamples(profile, (f) => (f.url.startsWith('node:') ? 'node' : f.url));
    expect(byKind).toEqual([
      { name: 'node', ms: 5 },
      { name: 'file:///b/index.js', ms: 2.5 },
      { name: '', ms: 0.5 },
      { name: '(unknown)', ms: 0.25 },
    ]);
  });
});
