import * as core from '@actions/core';
import type { ServiceDeploy } from '../ecs/outcome';
import { formatError, type ActionError } from '../errors';
import { buildOutputs } from './outputs';
import { dryRunDiff, summaryRows, type SummaryContext } from './summary';

/** What the report is written from. */
export interface RunReport {
  services: ServiceDeploy[];
  result: string;
  error: ActionError | undefined;
  cluster: string;
  region: string;
  session: { assumedRoleArn: string; accountId: string } | undefined;
}

/** Sets every output of the step. */
export function writeOutputs(report: RunReport): void {
  const outputs = buildOutputs(report.services, report.result, report.session);
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
}

/**
 * Writes the job summary: the services table, a dry run's diff, and the error if any.
 */
export async function writeSummary(report: RunReport): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const ctx: SummaryContext = {
    cluster: report.cluster,
    region: report.region,
    result: report.result,
    roleArn: report.session?.assumedRoleArn,
    error: report.error ? formatError(report.error) : undefined,
  };
  const summary = core.summary.addHeading(`ECS deploy: ${report.result}`, 3);
  if (report.services.length > 0) summary.addTable(summaryRows(report.services, ctx));
  if (report.result === 'dry-run') summary.addCodeBlock(dryRunDiff(report.services), 'diff');
  if (ctx.error) summary.addCodeBlock(ctx.error, 'text');
  if (ctx.roleArn) summary.addRaw(`Deployed as ${ctx.roleArn} in ${report.region}.`, true);
  await summary.write();
}
