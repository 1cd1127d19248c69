import * as core from '@actions/core';
import { watchCancel } from './cancel';
import { formatError } from './errors';
import { readRequest, runDeploy } from './run';
import { writeOutputs, writeSummary, type RunReport } from './report/write';

async function report(result: RunReport): Promise<void> {
  writeOutputs(result);
  try {
    await writeSummary(result);
  } catch (error) {
    core.warning(`Could not write the job summary: ${String(error)}`);
  }
  const line = result.services.map((s) => `${s.service}: ${s.result ?? 'failed'}`).join(', ');
  core.info(`Result: ${result.result}${line ? ` (${line})` : ''}`);
}

/** The action: read inputs, run, report, fail once. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const cancel = watchCancel();
  try {
    const request = readRequest(env);
    const result = await runDeploy(request, { env, signal: cancel.signal });
    await report(result);
    if (result.error) core.setFailed(formatError(result.error));
  } catch (error) {
    core.setOutput('result', 'failed');
    core.setFailed(formatError(error));
  } finally {
    cancel.dispose();
  }
}
