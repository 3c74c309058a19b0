/** The receiver's Fastify app (routes, validation, error mapping, limits) and its inputs. */
export { buildReceiverApp, type HttpLimits, type ReceiverAppDeps } from './app';
/** Authentication (JWT, static tokens, anonymous), per-client authorization and their config. */
export * from './auth';
