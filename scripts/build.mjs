// Bundles the action into one CommonJS file, so `node dist/index.js` runs with no node_modules.
import { build } from 'esbuild';

await build({
  entryPoints: ['action/index.ts'],
  outfile: 'dist/index.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  metafile: false,
  logLevel: 'warning',
});
