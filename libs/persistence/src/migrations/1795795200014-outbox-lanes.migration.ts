import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gives every outbox row the lane of the process that wrote it (ADR 0412): the session's
 * `linebacker.outbox_lane`, which each app sets on its connections, or 0 where a session sets
 * none. A relay takes its own lane in sequence order through `ix_outbox_lane_sequence`, so the
 * relays of many processes no longer scan past each other's locked rows at the table's head.
 * The default is read per row. Rows already there get the migrating session's lane (0 from
 * the migrate step); every relay's sweep takes them once they are a few seconds old.
 */
export class OutboxLanes1795795200014 implements MigrationInterface {
  readonly name = 'OutboxLanes1795795200014';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      ALTER TABLE outbox ADD COLUMN lane integer NOT NULL
        DEFAULT coalesce(nullif(current_setting('linebacker.outbox_lane', true), '')::integer, 0)`);
    await runner.query('CREATE INDEX ix_outbox_lane_sequence ON outbox (lane, sequence)');
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP INDEX ix_outbox_lane_sequence');
    await runner.query('ALTER TABLE outbox DROP COLUMN lane');
  }
}
