/**
 * The rules that keep a trust policy exact: no wildcard, no pull request, at least one environment
 * or ref, numeric ids. Shared by the config loader and the construct, so both refuse alike.
 */
import { ConfigError } from './errors';
import type { SubjectSource } from './policies';

const NUMERIC_ID = /^[1-9]\d{0,19}$/;
const REPOSITORY = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const ENVIRONMENT = /^[^\s:*?"'<>|\\/][^:*?"'<>|\\/]{0,254}$/;
const REF = /^refs\/(heads|tags)\/[^\s:*?[\]~^\\]{1,250}$/;
const WILDCARD = /[*?]/;

/** Throws a ConfigError naming `<where>.<field>` for the first rule the source breaks. */
export function validateSubjectSource(source: SubjectSource, where: string): void {
  checkExact(source.repository, `${where}.repository`, REPOSITORY, 'OWNER/NAME, e.g. octo-org/app');
  checkId(source.repositoryId, `${where}.repositoryId`, '.id');
  checkId(source.ownerId, `${where}.ownerId`, '.owner.id');
  source.environments.forEach((name, i) => checkEnvironment(name, `${where}.environments[${i}]`));
  source.refs.forEach((ref, i) => checkRef(ref, `${where}.refs[${i}]`));
  if (source.environments.length + source.refs.length === 0) {
    const why = 'no environment and no ref: every job of the repository could deploy';
    throw new ConfigError(`${where}.environments`, `${why}; list at least one of either`);
  }
  if (source.subjectForm !== 'legacy' && source.subjectForm !== 'immutable') {
    const allowed = '"legacy" (repo:OWNER/REPO:...) or "immutable" (repo:OWNER@ID/REPO@ID:...)';
    const value = JSON.stringify(source.subjectForm);
    throw new ConfigError(`${where}.subjectForm`, `${value} is not ${allowed}`);
  }
}

/** Throws unless `value` matches `rule` and holds no `*` or `?`. */
export function checkExact(value: string, field: string, rule: RegExp, allowed: string): void {
  if (WILDCARD.test(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} holds a wildcard; name it exactly`);
  }
  if (!rule.test(value)) {
    throw new ConfigError(field, `${JSON.stringify(value)} is not allowed; expected ${allowed}`);
  }
}

function checkId(value: string, field: string, jq: string): void {
  if (!NUMERIC_ID.test(value)) {
    const hint = `find it with \`gh api repos/OWNER/REPO --jq ${jq}\``;
    throw new ConfigError(field, `${JSON.stringify(value)} is not a numeric id; ${hint}`);
  }
}

function checkEnvironment(name: string, field: string): void {
  if (/pull_request/i.test(name)) {
    throw new ConfigError(
      field,
      'pull_request subjects are refused: any pull request could deploy',
    );
  }
  checkExact(name, field, ENVIRONMENT, 'an environment name without : * ? / or quotes');
}

function checkRef(ref: string, field: string): void {
  if (/pull_request|^refs\/pull\//i.test(ref)) {
    throw new ConfigError(field, 'pull request refs are refused: any pull request could deploy');
  }
  checkExact(ref, field, REF, 'a full ref like refs/heads/main or refs/tags/v1.2.3');
}
