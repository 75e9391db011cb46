import { describe, expect, it } from 'vitest';
import { LINK_REL, linkify, type LinkifySegment } from './linkify.js';

const text = (value: string): LinkifySegment => ({ kind: 'text', text: value });
const link = (value: string, href: string): LinkifySegment => ({ kind: 'link', text: value, href });
const links = (input: string) => linkify(input).filter((segment) => segment.kind === 'link');

describe('linkify: web links', () => {
  it('returns no segment for empty text and one text segment without links', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify('no links here')).toEqual([text('no links here')]);
  });

  it('finds http and https URLs with their path, query and fragment', () => {
    expect(linkify('see https://example.com/a/b?c=1&d=2#top now')).toEqual([
      text('see '),
      link('https://example.com/a/b?c=1&d=2#top', 'https://example.com/a/b?c=1&d=2#top'),
      text(' now'),
    ]);
    expect(linkify('http://example.com')).toEqual([link('http://example.com', 'http://example.com/')]);
  });

  it('accepts the scheme in any case and lower-cases it in the href', () => {
    expect(linkify('HTTPS://Example.COM/Path')).toEqual([link('HTTPS://Example.COM/Path', 'https://example.com/Path')]);
  });

  it('links www. hosts over https', () => {
    expect(linkify('go to www.example.com/help today')).toEqual([
      text('go to '),
      link('www.example.com/help', 'https://www.example.com/help'),
      text(' today'),
    ]);
    expect(links('WWW.Example.org')).toEqual([link('WWW.Example.org', 'https://www.example.org/')]);
  });

  it('needs a real host after www.', () => {
    expect(linkify('www. and www.x and www.')).toEqual([text('www. and www.x and www.')]);
  });

  it('finds several links in one text', () => {
    expect(links('https://a.example and www.b.example, c@d.example')).toEqual([
      link('https://a.example', 'https://a.example/'),
      link('www.b.example', 'https://www.b.example/'),
      link('c@d.example', 'mailto:c@d.example'),
    ]);
  });

  it('keeps ports, IP addresses and localhost', () => {
    expect(links('http://127.0.0.1:8080/x')).toEqual([link('http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x')]);
    expect(links('http://localhost:3000')).toEqual([link('http://localhost:3000', 'http://localhost:3000/')]);
  });

  it('percent-encodes what the href needs and punycodes international hosts, showing the text as written', () => {
    expect(links('https://例え.jp/パス')).toEqual([
      link('https://例え.jp/パス', 'https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9'),
    ]);
  });

  it('does not start a link inside a word', () => {
    expect(linkify('xhttps://example.com')).toEqual([text('xhttps://example.com')]);
    expect(linkify('awww.example.com')).toEqual([text('awww.example.com')]);
    expect(linkify('éhttps://example.com')).toEqual([text('éhttps://example.com')]);
    expect(links('请看https://x.org')).toEqual([link('https://x.org', 'https://x.org/')]);
    expect(links('请联系help@example.com')).toEqual([link('help@example.com', 'mailto:help@example.com')]);
  });

  describe('trailing punctuation', () => {
    it.each([
      ['https://x.org.', 'https://x.org', '.'],
      ['https://x.org,', 'https://x.org', ','],
      ['https://x.org;', 'https://x.org', ';'],
      ['https://x.org:', 'https://x.org', ':'],
      ['https://x.org!', 'https://x.org', '!'],
      ['https://x.org?', 'https://x.org', '?'],
      ['https://x.org/a...', 'https://x.org/a', '...'],
      ['https://x.org/a?!', 'https://x.org/a', '?!'],
      ["'https://x.org'", 'https://x.org', "'"],
      ['"https://x.org"', 'https://x.org', '"'],
      ['**https://x.org**', 'https://x.org', '**'],
      ['https://x.org…', 'https://x.org', '…'],
    ])('%s → link %s', (input, url, after) => {
      const segments = linkify(input);
      expect(segments.find((s) => s.kind === 'link')?.text).toBe(url);
      expect(segments.at(-1)).toEqual(text(after));
    });

    it('strips an unbalanced closing bracket and keeps balanced ones', () => {
      expect(linkify('(see https://x.org/a)')).toEqual([
        text('(see '),
        link('https://x.org/a', 'https://x.org/a'),
        text(')'),
      ]);
      expect(links('https://en.wikipedia.org/wiki/Foo_(bar)')[0]?.text).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
      expect(linkify('(https://en.wikipedia.org/wiki/Foo_(bar)).')).toEqual([
        text('('),
        link('https://en.wikipedia.org/wiki/Foo_(bar)', 'https://en.wikipedia.org/wiki/Foo_(bar)'),
        text(').'),
      ]);
      expect(links('[https://x.org/a]')[0]?.text).toBe('https://x.org/a');
      expect(links('{https://x.org/a}')[0]?.text).toBe('https://x.org/a');
      expect(links('https://x.org/a[1]')[0]?.text).toBe('https://x.org/a[1]');
    });

    it('keeps punctuation that is inside the URL', () => {
      expect(links('https://x.org/a.b,c;d:e!f?g=h')[0]?.text).toBe('https://x.org/a.b,c;d:e!f?g=h');
    });
  });

  it('ends a URL at <, >, quotes, backticks, emoji, invisible characters and CJK punctuation', () => {
    expect(linkify('<https://x.org>')).toEqual([text('<'), link('https://x.org', 'https://x.org/'), text('>')]);
    expect(links('https://x.org/a"b')[0]?.text).toBe('https://x.org/a');
    expect(links('`https://x.org`')[0]?.text).toBe('https://x.org');
    expect(links('https://x.org🙂')[0]?.text).toBe('https://x.org');
    expect(links('https://x.org\u200Bevil')[0]?.text).toBe('https://x.org');
    expect(links('请看https://x.org。谢谢')[0]?.text).toBe('https://x.org');
  });
});

describe('linkify: e-mail addresses', () => {
  it('links addresses as mailto:', () => {
    expect(linkify('write to help.desk+chat@example.co.uk.')).toEqual([
      text('write to '),
      link('help.desk+chat@example.co.uk', 'mailto:help.desk+chat@example.co.uk'),
      text('.'),
    ]);
  });

  it('needs a domain with a top-level label of letters', () => {
    expect(linkify('a@b')).toEqual([text('a@b')]);
    expect(linkify('a@b.c')).toEqual([text('a@b.c')]);
    expect(linkify('user@10.0.0.1')).toEqual([text('user@10.0.0.1')]);
    expect(linkify('@example.com')).toEqual([text('@example.com')]);
  });

  it('refuses malformed local parts', () => {
    expect(links('.a@example.com')).toEqual([]);
    expect(links('a..b@example.com')).toEqual([]);
    expect(links('a.@example.com')).toEqual([]);
  });

  it('does not read a URL with credentials as an address', () => {
    expect(linkify('https://bank.example@evil.example/login')).toEqual([
      text('https://bank.example@evil.example/login'),
    ]);
  });
});

describe('linkify: dangerous input', () => {
  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    'java\tscript:alert(1)',
    'java\nscript:alert(document.cookie)',
    '&#106;avascript:alert(1)',
    '&#x6A;avascript:alert(1)',
    'javascript&colon;alert(1)',
    '\u0001javascript:alert(1)',
    'vbscript:msgbox(1)',
    'VBScript:msgbox(1)',
    'data:text/html,<script>alert(1)</script>',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'file:///etc/passwd',
    'ftp://example.com/file',
    '//evil.example/path',
    'mailto:someone@example.com?subject=x', // the bare address is linked, never this href
    '<a href="javascript:alert(1)">click</a>',
    '[click](javascript:alert(1))',
    'https://javascript:alert(1)',
    'http://javascript:alert(1)@x',
    'www.javascript:alert(1)',
    'https:javascript:alert(1)',
    'https:/\\evil.example',
  ])('never produces anything but an http(s) or plain mailto href: %s', (input) => {
    for (const segment of linkify(input)) {
      if (segment.kind !== 'link') continue;
      expect(segment.href).toMatch(/^(?:https?:\/\/[^/@\s]+(?:[/?#]|$)|mailto:[^?&\s]+$)/);
      expect(segment.href.toLowerCase()).not.toMatch(/javascript|vbscript|data:/);
    }
  });

  it('links only the http part after a fake scheme', () => {
    expect(linkify('JaVaScRiPt:http://x.org')).toEqual([text('JaVaScRiPt:'), link('http://x.org', 'http://x.org/')]);
  });

  it('leaves HTML as text: the renderer outputs text nodes', () => {
    const input = '<img src=x onerror=alert(1)> https://x.org/<script>';
    const segments = linkify(input);
    expect(segments).toEqual([
      text('<img src=x onerror=alert(1)> '),
      link('https://x.org/', 'https://x.org/'),
      text('<script>'),
    ]);
    expect(segments.map((s) => s.text).join('')).toBe(input);
  });

  it('keeps every character of the input, in order', () => {
    for (const input of [
      'a https://x.org/(b)). c@d.example, www.e.example!',
      '((https://x.org)))',
      'https://bank.example@evil.example',
      '',
    ]) {
      expect(
        linkify(input)
          .map((s) => s.text)
          .join(''),
      ).toBe(input);
    }
  });

  it('stays linear on long link-like input', () => {
    const started = performance.now();
    linkify(`https://${'a.'.repeat(4000)}x ${'a@'.repeat(4000)} ${'('.repeat(4000)}https://x.org${')'.repeat(4000)}`);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('exports the rel every link must carry', () => {
    expect(LINK_REL).toBe('noopener noreferrer nofollow');
  });
});
