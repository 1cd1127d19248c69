import { groupByPackage, packageOf } from '../../bench/bundle';

describe('packageOf', () => {
  it('names the package of a bundled input, scoped or not, nested or not', () => {
    expect(packageOf('node_modules/@aws-sdk/client-ecs/dist-cjs/index.js')).toBe(
      '@aws-sdk/client-ecs',
    );
    expect(packageOf('node_modules/a/node_modules/tslib/tslib.js')).toBe('tslib');
    expect(packageOf('action/main.ts')).toBe('(project)');
  });
});

describe('groupByPackage', () => {
  it('adds up bytes by package, largest first', () => {
    const grouped = groupByPackage({
      'action/main.ts': { bytesInOutput: 100 },
      'node_modules/@smithy/core/a.js': { bytesInOutput: 300 },
      'node_modules/@smithy/core/b.js': { bytesInOutput: 50 },
      'node_modules/undici/index.js': { bytesInOutput: 200 },
    });
    expect(grouped).toEqual([
      { name: '@smithy/core', bytes: 350 },
      { name: 'undici', bytes: 200 },
      { name: '(project)', bytes: 100 },
    ]);
  });
});
