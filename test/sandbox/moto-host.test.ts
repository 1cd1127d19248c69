/**
 * sandbox/moto_host.py serves moto faster by remembering two answers moto works out again on every
 * request. These tests hold it to moto's own answers.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../../sandbox';
import { resolveMotoPython } from '../../sandbox/moto';
import { deploy, E2E_TIMEOUT_MS } from '../e2e/helpers';

jest.setTimeout(E2E_TIMEOUT_MS);

const SANDBOX_DIR = resolve(__dirname, '..', '..', 'sandbox');

describe('the moto host', () => {
  it('deploys two services with every cached answer checked against a fresh one', async () => {
    process.env.MOTO_HOST_VERIFY_CACHES = '1';
    let sandbox: Sandbox | undefined;
    try {
      sandbox = await startSandbox({ services: ['checkout-api', 'checkout-worker'] });
      const run = await deploy(sandbox, {
        service: 'checkout-api\ncheckout-worker',
        images: 'app=registry.example/checkout:2.0.0',
      });
      expect(run.exitCode).toBe(0);
      expect(run.outputs.result).toBe('deployed');
      // A mismatch fails moto's request with a 500, which the layer records.
      expect(sandbox.inspect.calls().filter((call) => call.status >= 500)).toEqual([]);
      const worker = await sandbox.inspect.service('checkout-worker');
      const definition = await sandbox.inspect.taskDefinition(worker?.taskDefinition ?? '');
      const images = definition.taskDefinition.containerDefinitions?.map((c) => c.image);
      expect(images).toContain('registry.example/checkout:2.0.0');
    } finally {
      delete process.env.MOTO_HOST_VERIFY_CACHES;
      await sandbox?.stop();
    }
  });

  it('fails a cached answer that no longer matches what moto works out', () => {
    // An object whose explicit serialization alias changes after its names were cached.
    const script = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(SANDBOX_DIR)})`,
      'import moto_host',
      'from moto.core.serialize import AttributePickerContext, XFormedAttributePicker',
      'moto_host.cache_attribute_names(verify=True)',
      'class Thing:',
      '    class Meta:',
      '        serialization_aliases = {"Name": "label"}',
      'picker = XFormedAttributePicker()',
      'context = AttributePickerContext(obj=Thing(), key="Name", shape=None)',
      'first = picker.get_possible_keys(context)',
      'Thing.Meta.serialization_aliases = {"Name": "title"}',
      'try:',
      '    picker.get_possible_keys(context)',
      'except moto_host.CacheMismatch as error:',
      '    print("mismatch", first[0], str(error).split("fresh ")[1])',
    ].join('\n');
    const python = resolveMotoPython(() => {});
    const result = spawnSync(python, ['-c', script], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe("mismatch label ('title', 'title', 'Name', 'name')");
  });
});
