import { PermanentError, UnavailableError } from '@linebacker/domain';

/** Where the operator finds the roles, the grants and the SQL that creates them. */
const ROLES_DOC = 'docs/security.md#postgresql-roles';

/** SQLSTATE insufficient_privilege: the role may not do what the statement asks. */
export const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * A statement was refused for want of a privilege. Like bad credentials this is a fault of
 * the deployment, not of the message being handled, so it is `unavailable`: the work waits
 * (without spending its attempt budget) until an operator fixes the grants, instead of
 * filling the dead-letter queues with messages that were never wrong.
 */
export class DatabasePermissionDeniedError extends UnavailableError {
  constructor(message: string, cause: unknown) {
    super(
      'DatabasePermissionDenied',
      `postgresql: ${message} (SQLSTATE ${INSUFFICIENT_PRIVILEGE}): the role in ` +
        `LINEBACKER_DATABASE_URL lacks a privilege linebacker needs (${ROLES_DOC})`,
      { cause, details: { sqlState: INSUFFICIENT_PRIVILEGE } },
    );
    this.name = 'DatabasePermissionDeniedError';
  }
}

/**
 * Migrations ran as a role that may not change the schema, typically an app's role with
 * `LINEBACKER_RUN_MIGRATIONS=true`. Retrying cannot help: only the owner's URL can.
 */
export class MigrationNotPermittedError extends PermanentError {
  constructor(message: string, hint: string | undefined, cause: unknown) {
    super(
      'MigrationNotPermitted',
      `postgresql: migrations refused: ${message}${hint ? ` (${hint})` : ''}. Run them as ` +
        "the schema's owner: the migrate app with the owner's URL; an app's role cannot, so " +
        `LINEBACKER_RUN_MIGRATIONS=true is only for a process that logs in as the owner (${ROLES_DOC})`,
      { cause, details: { sqlState: INSUFFICIENT_PRIVILEGE } },
    );
    this.name = 'MigrationNotPermittedError';
  }
}

/**
 * At start-up an app found that its role lacks privileges its work needs (a reader's URL
 * given to an app, or a table without grants). Refusing to start says so at once, where a
 * running app would only fail message by message.
 */
export class DatabasePrivilegesMissingError extends PermanentError {
  constructor(readonly missing: readonly string[]) {
    super(
      'DatabasePrivilegesMissing',
      `postgresql: the role in LINEBACKER_DATABASE_URL lacks privileges the apps need: ` +
        `${missing.join(', ')}. Make it a member of linebacker_app (${ROLES_DOC})`,
      { details: { missing } },
    );
    this.name = 'DatabasePrivilegesMissingError';
  }
}
