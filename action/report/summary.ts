import type { ServiceDeploy } from '../ecs/outcome';

/** A table cell as @actions/core's summary takes it. */
export type SummaryCell = string | { data: string; header?: boolean };

/** What the summary shows besides the services. */
export interface SummaryContext {
  cluster: string;
  region: string;
  result: string;
  roleArn: string | undefined;
  error: string | undefined;
}

const HEADERS = ['Service', 'Previous', 'New', 'Images changed', 'Result', 'Duration', 'Console'];

/** The `family:revision` part of a task definition ARN. */
export function revisionLabel(taskDefinitionArn: string): string {
  if (taskDefinitionArn === '') return '-';
  return taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
}

/** The AWS console page of a service's deployments. */
export function consoleUrl(region: string, cluster: string, service: string): string {
  const clusterName = cluster.split('/').pop() ?? cluster;
  const serviceName = service.split('/').pop() ?? service;
  return (
    `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(clusterName)}` +
    `/services/${encodeURIComponent(serviceName)}/deployments?region=${region}`
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function imagesCell(deploy: ServiceDeploy): string {
  if (deploy.imageChanges.length === 0) return '-';
  const lines = deploy.imageChanges.map((c) => `${c.container}: ${escapeHtml(c.to)}`);
  return lines.join('<br>');
}

/** The summary table's rows, header first: one row per service. */
export function summaryRows(services: ServiceDeploy[], ctx: SummaryContext): SummaryCell[][] {
  const header = HEADERS.map((data) => ({ data, header: true }));
  const rows = services.map((s) => [
    escapeHtml(s.service),
    revisionLabel(s.previousTaskDefinitionArn),
    s.taskDefinitionArn === s.previousTaskDefinitionArn ? '-' : revisionLabel(s.taskDefinitionArn),
    imagesCell(s),
    `${s.result ?? 'failed'}${s.detail ? `: ${escapeHtml(s.detail.split('\n')[0] ?? '')}` : ''}`,
    `${(s.durationMs / 1000).toFixed(1)} s`,
    `<a href="${consoleUrl(ctx.region, ctx.cluster, s.service)}">open</a>`,
  ]);
  return [header, ...rows];
}

/** The changed fields of every service, for a dry run's summary. */
export function dryRunDiff(services: ServiceDeploy[]): string {
  const lines = services.flatMap((s) =>
    s.changedFields.length === 0
      ? [`${s.service}: nothing would change`]
      : [`${s.service}:`, ...s.changedFields.map((f) => `  ${f}`)],
  );
  return lines.join('\n');
}

/** Names the unused revisions lost register answers left behind, or '' when there are none. */
export function unusedRevisionsLine(services: ServiceDeploy[]): string {
  const arns = [...new Set(services.flatMap((s) => s.unusedRevisions ?? []))];
  if (arns.length === 0) return '';
  const labels = arns.map(revisionLabel).join(', ');
  return `Also registered, unused (a register whose answer was lost landed late): ${labels}.`;
}
