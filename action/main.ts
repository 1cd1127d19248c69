import * as core from '@actions/core';
import { watchCancel } from './cancel';
import { formatError } from './errors';
import { readRequest, runDeploy } from './run';
import {
  reportUnfinished,
  writeOutputs,
  writeSummary,
  type RunProgress,
  type RunReport,
} from './report/write';

function report(result: RunReport, progress: RunProgress): void {
  if (progress.reported) return;
  progress.reported = true;
  writeOutputs(result);
  try {
    writeSummary(result);
  } catch (error) {
    core.warning(`Could not write the job summary: ${String(error)}`);
  }
  const line = result.services.map((s) => `${s.service}: ${s.result ?? 'failed'}`).join(', ');
  core.info(`Result: ${result.result}${line ? ` (${line})` : ''}`);
  if (result.error) core.setFailed(formatError(result.error));
}

/** The action: read inputs, run, report, fail once. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const progress: RunProgress = {
    cluster: '',
    region: '',
    services: [],
    session: undefined,
    reported: false,
  };
  const cancel = watchCancel(() => reportUnfinished(progress));
  try {
    const request = readRequest(env);
    const result = await runDeploy(request, { env, signal: cancel.signal, progress });
    report(result, progress);
  } catch (error) {
    core.setOutput('result', 'failed');
    core.setFailed(formatError(error));
  } finally {
    cancel.dispose();
  }
}
