/** CDK entry point: `npm run synth -- -c config=infra/config/example.json`. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addDeployStacks } from '../lib/app';
import { ConfigError, loadConfig, type DeployConfig } from '../lib/config';

function readConfig(app: App): DeployConfig {
  const path: unknown = app.node.tryGetContext('config');
  if (typeof path !== 'string' || path === '') {
    throw new ConfigError('config', 'context is missing: pass -c config=infra/config/example.json');
  }
  return loadConfig(path);
}

function main(): void {
  const app = new App();
  addDeployStacks(app, readConfig(app));
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // A refused config is the user's to fix: its message says what and where, a stack would not.
  console.error(`Refused config (${error.code}): ${error.message}`);
  process.exitCode = 1;
}
