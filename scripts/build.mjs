// Bundles the action into one CommonJS file, so `node dist/index.js` runs with no node_modules.
import { build } from 'esbuild';

// @actions/core imports @actions/http-client (and with it undici, ~420 KiB) only for
// core.getIDToken, which the action does not use: it fetches the token itself with the global
// fetch, through its own retry policy. Bundling the real client costs start-up time for nothing,
// so it is replaced by a stub that fails loudly if anything ever calls it.
const STUB = `
class Unavailable {
  constructor() {
    throw new Error('@actions/http-client is not bundled: the action fetches tokens itself.');
  }
}
module.exports = { HttpClient: Unavailable, BearerCredentialHandler: Unavailable };
`;

const stubHttpClient = {
  name: 'stub-actions-http-client',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^@actions\/http-client(\/.*)?$/ }, (args) => ({
      path: args.path,
      namespace: 'stub',
    }));
    pluginBuild.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
      contents: STUB,
      loader: 'js',
    }));
  },
};

// The AWS SDK (about 85% of the code) ships as a second file, dist/aws-sdk.js, that the action
// requires only once its first request is in flight: start-up compiles only the small rest.
const sdkChunk = {
  name: 'aws-sdk-chunk',
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /\/sdk-entry$/ }, () => ({
      path: './aws-sdk.js',
      external: true,
    }));
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS everywhere: the lazy import() of the chunk becomes a plain require().
  supported: { 'dynamic-import': false },
};

await build({
  ...common,
  entryPoints: ['action/index.ts'],
  outfile: 'dist/index.js',
  plugins: [stubHttpClient, sdkChunk],
});

await build({
  ...common,
  entryPoints: ['action/aws/sdk-entry.ts'],
  outfile: 'dist/aws-sdk.js',
  plugins: [stubHttpClient],
});
