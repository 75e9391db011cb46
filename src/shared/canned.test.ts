import { describe, expect, it } from 'vitest';
import { cannedReplyInputSchema, renderCannedReply, shortcutIn } from './canned.js';

const vars = { visitorName: 'Vera', agentName: 'Alex Helper', agentTitle: 'Course Assistant' };

describe('canned replies', () => {
  it('fills in the three variables, spaces allowed', () => {
    expect(renderCannedReply('Hi {{visitor.name}}, I am {{ agent.name }} ({{agent.title}}).', vars)).toBe(
      'Hi Vera, I am Alex Helper (Course Assistant).',
    );
  });

  it('leaves anything else as typed: no template language, no HTML', () => {
    const body =
      "{{constructor.constructor('alert(1)')()}} <img src=x onerror=alert(1)> {{visitor.email}} {{agent.name}}";
    expect(renderCannedReply(body, vars)).toBe(
      "{{constructor.constructor('alert(1)')()}} <img src=x onerror=alert(1)> {{visitor.email}} Alex Helper",
    );
  });

  it('does not re-interpret a variable value that looks like a variable', () => {
    expect(renderCannedReply('{{visitor.name}}', { ...vars, visitorName: '{{agent.name}}' })).toBe('{{agent.name}}');
  });

  it('recognises a /shortcut typed alone', () => {
    expect(shortcutIn('/hi')).toBe('hi');
    expect(shortcutIn('/Resolved ')).toBe('resolved');
    expect(shortcutIn('see /hi')).toBeUndefined();
    expect(shortcutIn('/hi there')).toBeUndefined();
  });

  it('validates shortcuts', () => {
    expect(cannedReplyInputSchema.safeParse({ title: 't', shortcut: 'Hello', body: 'b' }).data?.shortcut).toBe('hello');
    expect(cannedReplyInputSchema.safeParse({ title: 't', shortcut: '/bad one', body: 'b' }).success).toBe(false);
  });
});
