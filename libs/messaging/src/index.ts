// The public API of @linebacker/messaging; everything else is internal to the lib.
export * from './port/envelope';
export * from './port/message-bus.port';
export * from './envelope/envelope-codec';
export { ENVELOPE_SCHEMA, EVENT_TYPE_PATTERN } from './envelope/envelope.schema';
export * from './retry/retry-levels';
export * from './topology/topology-names';
export * from './topology/topology';
export * from './topology/definitions';
export * from './topology/permissions';
export { HEADERS } from './runner/message-headers';
export type { MessageHeaders } from './runner/message-headers';
export { HandlerTimeoutError } from './runner/handler-deadline';
export { UnexpectedTypeError } from './runner/subscription-gate';
export * from './memory/in-memory-broker';
export * from './memory/in-memory-message-bus';
export * from './amqp/connection-options';
export {
  AUTO_QUORUM_GROUP_SIZE,
  NODE_ORDERS,
  nodeLabel,
  resolveQuorumGroupSize,
  splitNodeUrls,
  type NodeOrder,
  type QuorumGroupSizeSetting,
} from './amqp/cluster-nodes';
export { IRRECOVERABLE_REPLY_CODES } from './amqp/reply-codes';
export type { AmqpConnect } from './amqp/connection-supervisor';
export * from './amqp/amqp-message-bus';
export * from './outbox/outbox-relay';
export * from './port/external-queue.port';
export * from './amqp/amqp-backup-interface';
export * from './amqp/amqp-external-queue-consumer';
export * from './amqp/amqp-parked-messages';
export type { ParkedMessage } from './dead-letters/parked-message';
export * from './memory/in-memory-queue';
// Runner pieces other external-queue adapters (libs/azure-queues) build on.
export { PauseController, type PauseTarget } from './runner/pause-controller';
export { InFlightTracker, HandlerRun } from './runner/in-flight-tracker';
export { withDeadline, type DeadlineResult } from './runner/handler-deadline';
export { headerReason } from './runner/message-headers';
