import { describe, expect, it } from 'vitest';
import { safeNextPath } from './safe-redirect.js';

describe('safeNextPath', () => {
  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    'evil.example/path',
    '/ok\nLocation: x',
    '',
    42,
    undefined,
  ])('refuses %j', (next) => {
    expect(safeNextPath(next, '/home')).toBe('/home');
  });

  it('keeps same-site paths with query and hash', () => {
    expect(safeNextPath('/staff/admin/users?page=2#top', '/')).toBe('/staff/admin/users?page=2#top');
  });
});
