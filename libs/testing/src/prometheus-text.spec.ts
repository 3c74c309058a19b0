import { metricSamples, metricSum } from './prometheus-text';

const TEXT = [
  '# HELP linebacker_messages_handled_total Messages handled',
  '# TYPE linebacker_messages_handled_total counter',
  'linebacker_messages_handled_total{subscription="a.q",outcome="ok",service="s"} 7',
  'linebacker_messages_handled_total{subscription="b.q",outcome="ok",service="s"} 2',
  'linebacker_messages_handled_total{subscription="b.q",outcome="retried",service="s"} 1',
  'linebacker_messages_handled_totally{subscription="a.q"} 100',
  'process_cpu_seconds_total 1.5',
].join('\n');

describe('Prometheus text', () => {
  it('reads every sample of one series with its labels, and no other series', () => {
    expect(metricSamples(TEXT, 'linebacker_messages_handled_total')).toEqual([
      { labels: { subscription: 'a.q', outcome: 'ok', service: 's' }, value: 7 },
      { labels: { subscription: 'b.q', outcome: 'ok', service: 's' }, value: 2 },
      { labels: { subscription: 'b.q', outcome: 'retried', service: 's' }, value: 1 },
    ]);
    expect(metricSamples(TEXT, 'process_cpu_seconds_total')).toEqual([{ labels: {}, value: 1.5 }]);
  });

  it('sums the samples whose labels match, NaN when none does', () => {
    expect(metricSum(TEXT, 'linebacker_messages_handled_total', { outcome: 'ok' })).toBe(9);
    expect(metricSum(TEXT, 'linebacker_messages_handled_total', { subscription: 'b.q' })).toBe(3);
    expect(metricSum(TEXT, 'linebacker_messages_handled_total', { outcome: 'parked' })).toBeNaN();
  });
});
