import { FakeOpenAi } from './fake-openai.server';

/** The wire format itself, read with plain fetch: what any OpenAI-compatible client parses. */
describe('FakeOpenAi', () => {
  let fake: FakeOpenAi;
  const post = (body: unknown, key = 'sk-fake') =>
    fetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
  const messages = [{ role: 'user', content: 'a hint, please' }];

  beforeAll(async () => {
    fake = await FakeOpenAi.start({ apiKey: 'sk-fake', reply: ['Look ', 'again.'] });
  });
  afterEach(() => {
    fake.reset();
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('streams chat.completion.chunk events, the finish chunk, the usage when asked, then [DONE]', async () => {
    const response = await post({
      model: 'm',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const events = (await response.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return JSON.parse(event.slice('data: '.length)) as Record<string, unknown>;
    });
    expect(chunks.map((chunk) => chunk.choices)).toEqual([
      [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
      [{ index: 0, delta: { content: 'Look ' }, finish_reason: null }],
      [{ index: 0, delta: { content: 'again.' }, finish_reason: null }],
      [{ index: 0, delta: {}, finish_reason: 'stop' }],
      [],
    ]);
    expect(chunks[0]).toMatchObject({ object: 'chat.completion.chunk', model: 'm' });
    expect(chunks.at(-1)?.usage).toEqual(FakeOpenAi.usageFor(messages, ['Look ', 'again.']));
    expect(fake.requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      authorization: 'Bearer sk-fake',
      body: { model: 'm', messages, stream: true },
    });
  });

  it('answers 401 to a wrong key and the injected status with its headers', async () => {
    expect((await post({ model: 'm', messages }, 'sk-wrong')).status).toBe(401);
    fake.next({ kind: 'status', status: 429, headers: { 'retry-after': '2' } });
    const limited = await post({ model: 'm', messages, stream: true });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
  });

  it('answers a request without stream as one chat.completion', async () => {
    const body = (await (await post({ model: 'm', messages })).json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      object: 'chat.completion',
      choices: [{ message: { role: 'assistant', content: 'Look again.' }, finish_reason: 'stop' }],
    });
  });
});
