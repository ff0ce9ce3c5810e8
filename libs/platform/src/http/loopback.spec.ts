import { isLoopbackHost } from './loopback';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1'])(
    '%s is this machine only',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );

  it.each([
    '0.0.0.0',
    '::',
    '192.168.1.10',
    '10.0.0.1',
    'example.com',
    '127.example.com',
    '',
    '::ffff:10.0.0.1',
    '::ffff:127.example.com',
  ])('%s can be reached from elsewhere', (host) => expect(isLoopbackHost(host)).toBe(false));
});
