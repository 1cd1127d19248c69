import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { checkCredentialSource, planChain, readRunContext } from './credentials/plan';
import { SessionCredentials } from './credentials/provider';
import { assumeChain, type ChainResult } from './credentials/sts';
import { deployServices, settleUnfinished } from './ecs/deploy';
import { createEcsGateway } from './ecs/gateway';
import { overallResult } from './ecs/outcome';
import { abortableSleep } from './ecs/wait';
import { ActionError } from './errors';
import { parseRequest, type DeployRequest } from './inputs';
import type { RunProgress, RunReport } from './report/write';

/** What a run needs from the process: its environment and the cancel signal. */
export interface RunEnvironment {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Kept current as the run goes, for a report when a cancel runs out of time. */
  progress?: RunProgress;
}

/** Reads and validates every input; task definition files resolve from the workspace. */
export function readRequest(env: NodeJS.ProcessEnv): DeployRequest {
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const readFile = (path: string) =>
    readFileSync(isAbsolute(path) ? path : resolve(workspace, path), 'utf8');
  return parseRequest((name) => core.getInput(name), readFile);
}

function exportCredentials(session: ChainResult, region: string): void {
  core.exportVariable('AWS_ACCESS_KEY_ID', session.accessKeyId);
  core.exportVariable('AWS_SECRET_ACCESS_KEY', session.secretAccessKey);
  core.exportVariable('AWS_SESSION_TOKEN', session.sessionToken);
  core.exportVariable('AWS_REGION', region);
  core.exportVariable('AWS_DEFAULT_REGION', region);
  core.info('Exported the last hop credentials (masked) to later steps.');
}

function failedReport(request: DeployRequest, error: ActionError): RunReport {
  return {
    services: [],
    result: 'failed',
    error,
    cluster: request.cluster,
    region: request.region,
    session: undefined,
  };
}

/**
 * Assumes the chain, deploys, and returns what the report needs; throws only input
 * errors.
 */
export async function runDeploy(request: DeployRequest, run: RunEnvironment): Promise<RunReport> {
  checkCredentialSource(request, run.env);
  const progress = run.progress;
  if (progress) Object.assign(progress, { cluster: request.cluster, region: request.region });
  const plan = planChain(request, readRunContext(run.env));
  let first: ChainResult;
  try {
    first = await assumeChain(plan, { env: run.env, grouped: true });
  } catch (error) {
    if (!(error instanceof ActionError)) throw error;
    return failedReport(request, error);
  }
  const session = new SessionCredentials(first, () =>
    assumeChain(plan, { env: run.env, grouped: false }),
  );
  const identity = { assumedRoleArn: first.assumedRoleArn, accountId: first.accountId };
  if (progress) progress.session = identity;
  if (request.exportCredentials) exportCredentials(first, request.region);
  const gateway = await createEcsGateway(request.region, session.provider, (reason) =>
    session.refresh(reason),
  );
  const outcome = settleUnfinished(
    await deployServices({
      request,
      gateway,
      signal: run.signal,
      now: Date.now,
      sleep: abortableSleep,
      onServices: (services) => {
        if (progress) progress.services = services;
      },
    }),
  );
  return {
    services: outcome.services,
    result: overallResult(outcome.services, outcome.error),
    error: outcome.error,
    cluster: request.cluster,
    region: request.region,
    session: identity,
  };
}
