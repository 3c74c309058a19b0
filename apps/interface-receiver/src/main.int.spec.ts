import { describeAppWiring } from '@linebacker/testing/jest';

describeAppWiring('interface-receiver', (namespace) => ({
  LINEBACKER_INTERFACE_AMQP_URL:
    process.env['LINEBACKER_AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
  LINEBACKER_INTERFACE_REQUEST_QUEUE: `${namespace}.backup-interface.requests`,
  LINEBACKER_INTERFACE_REPLY_QUEUE: `${namespace}.backup-interface.replies`,
}));
