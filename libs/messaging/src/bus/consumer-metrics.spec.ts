import { ProcessMetrics } from '@studypath/platform';
import { InProcessBus } from '../in-process/in-process.bus';
import { withConsumerMetrics } from './consumer-metrics';
import { NonRetriableError } from './message-bus';

async function counts(metrics: ProcessMetrics, name: 'consumerMessages' | 'deadLetters') {
  const { values } = await metrics[name].get();
  return Object.fromEntries(values.map((v) => [Object.values(v.labels).join('|'), v.value]));
}

describe('withConsumerMetrics', () => {
  it('counts handled messages, failed attempts and dead letters by group and topic', async () => {
    const metrics = new ProcessMetrics();
    const bus = new InProcessBus(1);
    await bus.ensureTopics([{ name: 'facts', partitions: 1 }]);
    let flakyAttempts = 0;
    await bus.subscribe(
      withConsumerMetrics(metrics, {
        group: 'counting',
        topics: ['facts'],
        retry: { initialDelayMs: 1, maxDelayMs: 5 },
        handler: async (message) => {
          if (message.value === 'poison') throw new NonRetriableError('cannot be handled');
          if (message.value === 'flaky' && ++flakyAttempts === 1) throw new Error('once');
        },
      }),
    );

    // Resolves once the group has handled (or set aside) each message.
    await bus.publish([
      { topic: 'facts', key: 'k', value: 'fine' },
      { topic: 'facts', key: 'k', value: 'flaky' },
      { topic: 'facts', key: 'k', value: 'poison' },
    ]);

    expect(await counts(metrics, 'consumerMessages')).toEqual({
      'counting|facts|handled': 2,
      'counting|facts|failed': 2,
      'counting|facts|dead_lettered': 1,
    });
    expect(await counts(metrics, 'deadLetters')).toEqual({ 'counting|facts': 1 });
    await bus.close();
  });
});
