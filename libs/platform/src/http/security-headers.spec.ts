import { isAllowedOrigin } from './security-headers';

describe('isAllowedOrigin', () => {
  it('allows exactly the configured origins', () => {
    const allowed = { kind: 'list' as const, origins: ['https://app.example.com'] };

    expect(isAllowedOrigin('https://app.example.com', allowed)).toBe(true);
    expect(isAllowedOrigin('http://app.example.com', allowed)).toBe(false);
    expect(isAllowedOrigin('https://app.example.com:8443', allowed)).toBe(false);
    expect(isAllowedOrigin('https://evil.example.com', allowed)).toBe(false);
    expect(isAllowedOrigin('null', allowed)).toBe(false);
  });

  it.each([
    'http://localhost:5173',
    'http://127.0.0.1:3000',
    'https://localhost',
    'http://[::1]:8080',
  ])('allows %s in loopback mode (the embedded default)', (origin) =>
    expect(isAllowedOrigin(origin, { kind: 'loopback' })).toBe(true),
  );

  it.each([
    'https://example.com',
    'http://localhost.example.com',
    'file://',
    'null',
    'chrome-extension://abc',
  ])('refuses %s in loopback mode', (origin) =>
    expect(isAllowedOrigin(origin, { kind: 'loopback' })).toBe(false),
  );
});
