import * as core from '@actions/core';
import { appendFileSync } from 'node:fs';
import { overallResult, type ServiceDeploy } from '../ecs/outcome';
import { ActionError, formatError } from '../errors';
import { buildOutputs } from './outputs';
import { dryRunDiff, summaryRows, unusedRevisionsLine, type SummaryContext } from './summary';

/** What the report is written from. */
export interface RunReport {
  services: ServiceDeploy[];
  result: string;
  error: ActionError | undefined;
  cluster: string;
  region: string;
  session: { assumedRoleArn: string; accountId: string } | undefined;
}

/**
 * What the run has done so far, kept current as it goes, so a cancel that runs out of
 * time can still report where each service stands.
 */
export interface RunProgress {
  cluster: string;
  region: string;
  services: ServiceDeploy[];
  session: RunReport['session'];
  /** Set once a report was written: the step reports once. */
  reported: boolean;
}

/** Sets every output of the step. */
export function writeOutputs(report: RunReport): void {
  const outputs = buildOutputs(report.services, report.result, report.session);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/**
 * Writes the job summary: the services table, a dry run's diff, and the error if any.
 * Synchronous, so it also works in the last moments before a cancelled process exits.
 */
export function writeSummary(report: RunReport): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  const ctx: SummaryContext = {
    cluster: report.cluster,
    region: report.region,
    result: report.result,
    roleArn: report.session?.assumedRoleArn,
    error: report.error ? formatError(report.error) : undefined,
  };
  const heading = `ECS deploy: ${report.result}`;
  const summary = core.summary.emptyBuffer().addHeading(heading, 3);
  if (report.services.length > 0) summary.addTable(summaryRows(report.services, ctx));
  if (report.result === 'dry-run') summary.addCodeBlock(dryRunDiff(report.services), 'text');
  const unused = unusedRevisionsLine(report.services);
  if (unused) summary.addRaw(unused, true);
  if (ctx.error) summary.addCodeBlock(ctx.error, 'text');
  // Only a deployed run deployed anything; a failed, rolled-back or dry run only ran as the role.
  const verb = report.result === 'deployed' ? 'Deployed' : 'Ran';
  if (ctx.roleArn) summary.addRaw(`${verb} as ${ctx.roleArn} in ${report.region}.`, true);
  appendFileSync(file, summary.stringify());
  summary.emptyBuffer();
}

/**
 * Reports a cancelled run that is out of time: services still moving, or whose rollback
 * is not confirmed, count as failed; the step fails with CANCELLED.
 */
export function reportUnfinished(progress: RunProgress): void {
  if (progress.reported) return;
  progress.reported = true;
  for (const deploy of progress.services) {
    if (deploy.result !== undefined) continue;
    deploy.result = 'failed';
    deploy.detail ||= 'Still in progress when the run was cancelled.';
  }
  const error = new ActionError({
    code: 'CANCELLED',
    message: 'The run was cancelled and ran out of time before it finished.',
    hint: 'Check each service in the summary; re-run the deploy to settle them.',
  });
  const result = overallResult(progress.services, error);
  const report: RunReport = { ...progress, result, error };
  writeOutputs(report);
  writeSummary(report);
  core.setFailed(formatError(error));
}
