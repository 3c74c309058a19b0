import { createServiceMetrics } from './metrics';
import { startHealthServer } from './health-server';

describe('health server', () => {
  it('answers livez, readyz by readiness, metrics and 404', async () => {
    let ready = false;
    const metrics = createServiceMetrics('test-service');
    metrics.observeDelivery({
      subscription: 's',
      outcome: 'ok',
      durationMs: 3,
      envelope: { attempt: 1 },
    });
    const server = await startHealthServer(0, '127.0.0.1', {
      ready: () => ready,
      registry: metrics.registry,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      expect((await fetch(`${base}/livez`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/api/zpages/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain(
        'linebacker_messages_handled_total{subscription="s",outcome="ok",service="test-service"} 1',
      );
      expect(text).toContain('process_cpu_user_seconds_total');
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
