/** CDK entry point: `npm run synth -- -c config=infra/config/example.json`. */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addDeployStacks } from '../lib/app';
import { loadConfig } from '../lib/config';

const app = new App();
const configPath: unknown = app.node.tryGetContext('config');
if (typeof configPath !== 'string' || configPath === '') {
  throw new Error('context "config" is missing: pass -c config=infra/config/example.json');
}

addDeployStacks(app, loadConfig(configPath));
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
