export * from './port/envelope';
export * from './port/message-bus.port';
export * from './envelope/envelope-codec';
export { ENVELOPE_SCHEMA, EVENT_TYPE_PATTERN } from './envelope/envelope.schema';
export * from './retry/backoff';
export * from './retry/retry-levels';
export * from './topology/topology-names';
export * from './topology/topology';
export { HEADERS } from './runner/message-headers';
export type { MessageHeaders } from './runner/message-headers';
export { HandlerTimeoutError } from './runner/handler-deadline';
export * from './memory/in-memory-broker';
export * from './memory/in-memory-message-bus';
export * from './amqp/connection-options';
export {
  IRRECOVERABLE_REPLY_CODES,
  classifyBrokerError,
  isIrrecoverable,
  replyCodeOf,
} from './amqp/reply-codes';
export { ConnectionSupervisor } from './amqp/connection-supervisor';
export type { AmqpConnect, ConnectionParticipant } from './amqp/connection-supervisor';
export * from './amqp/amqp-message-bus';
export * from './outbox/outbox-relay';
export * from './port/external-queue.port';
export * from './amqp/amqp-backup-interface';
export * from './amqp/amqp-external-queue-consumer';
export * from './memory/in-memory-queue';
