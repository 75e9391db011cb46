import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../../../test/harness/dialects.js';
import { createStaff, staffClient } from '../../../test/harness/factories.js';
import type { HttpClient } from '../../../test/harness/http-client.js';
import { connected, nextEvent, socketClient } from '../../../test/harness/sockets.js';
import { startTestApp, type TestApp } from '../../../test/harness/test-app.js';
import { signIdentityToken } from './identity-token.js';

const SHOP = 'https://shop.example';
const in10min = () => Math.floor(Date.now() / 1000) + 600;

describeEachDialect('embeddable widget: sites, configuration, frame, identity', (dialect) => {
  let t: TestApp;
  let admin: HttpClient;
  let site: { id: string };
  let secret: string;
  beforeAll(async () => {
    t = await startTestApp(dialect);
    admin = await staffClient(t, await createStaff(t, 'admin'));
    const r = await admin.post('/api/admin/widget/sites', { name: 'Shop', origins: ['https://Shop.example/'] });
    expect(r.status).toBe(201);
    site = r.body.site;
    secret = r.body.secret;
  });
  afterAll(() => t?.stop());

  /** A frame's anonymous widget session (bearer token, as the frame keeps it in its own storage). */
  async function widgetVisitor(): Promise<HttpClient> {
    const r = await t.client().post('/api/visitor/session', { transport: 'bearer' });
    expect(r.status).toBe(201);
    return t.client().withBearer(r.body.token as string);
  }
  async function identify(client: HttpClient, token: string, siteId = site.id) {
    const r = await client.post('/api/widget/identify', { site: siteId, token });
    if (r.status === 200 && r.body.token) client.withBearer(r.body.token as string);
    return r;
  }
  async function start(client: HttpClient, text = 'My order has not arrived yet, can you check?') {
    const r = await client.post('/api/conversations', {
      displayName: 'Jane Doe',
      text,
      clientMsgId: crypto.randomUUID(),
    });
    expect(r.status).toBe(201);
    return r.body.conversation.id as string;
  }

  it('admins add a site: origins normalised, the secret shown once and masked afterwards, bad origins refused', async () => {
    expect(site).toMatchObject({ name: 'Shop', origins: [SHOP] });
    expect(secret).toMatch(/^wsk_[A-Za-z0-9_-]{40,}$/);
    const list = await admin.get('/api/admin/widget/sites');
    expect(list.status).toBe(200);
    expect(list.body.scriptUrl).toBe(`${t.url}/widget.js`);
    const listed = list.body.sites.find((s: { id: string }) => s.id === site.id);
    expect(listed.secretMasked).toBe(`••••••••${secret.slice(-4)}`);
    expect(list.text).not.toContain(secret);

    const bad = await admin.post('/api/admin/widget/sites', {
      name: 'Bad',
      origins: ['https://shop.example/path', 'javascript:alert(1)', 'https://*.example.com', 'shop.example'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: { code?: string }) => f.code)).toEqual([
      'origin_invalid',
      'origin_invalid',
      'origin_invalid',
      'origin_invalid',
    ]);
    const none = await admin.post('/api/admin/widget/sites', { name: 'Empty', origins: [] });
    expect(none.status).toBe(400);

    const agent = await staffClient(t, await createStaff(t, 'agent'));
    expect((await agent.get('/api/admin/widget/sites')).status).toBe(403);
    expect((await agent.post('/api/admin/widget/sites', { name: 'X', origins: [SHOP] })).status).toBe(403);
  });

  it('the configuration says whether the asking origin may embed the chat, to any origin, never silently', async () => {
    const asked = (origin?: string) =>
      fetch(`${t.url}/api/widget/config?site=${site.id}`, { headers: origin ? { origin } : {} });
    const ok = await asked(SHOP);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const okBody = await ok.json();
    expect(okBody).toMatchObject({
      site: site.id,
      allowed: true,
      refusal: null,
      appearance: { title: 'Chat with us', color: '#0d6efd', position: 'right', offlineBehavior: 'form' },
      availability: { state: 'away' },
    });
    const refused = (await (await asked('https://evil.example')).json()) as { allowed: boolean; refusal: string };
    expect(refused.allowed).toBe(false);
    expect(refused.refusal).toContain('https://evil.example is not allowed to embed this chat');
    expect(((await (await asked()).json()) as { allowed: unknown }).allowed).toBeNull();
    const unknown = await fetch(`${t.url}/api/widget/config?site=nope`, { headers: { origin: SHOP } });
    expect(unknown.status).toBe(404);
  });

  it('the frame page may be embedded by the site’s origins only (frame-ancestors), an unknown site by nobody', async () => {
    const frame = await fetch(`${t.url}/widget/frame?site=${site.id}`, { headers: { accept: 'text/html' } });
    const csp = frame.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`frame-ancestors ${SHOP}`);
    expect(csp).not.toContain("frame-ancestors 'none'");
    expect(frame.headers.get('x-frame-options')).toBeNull();
    const unknown = await fetch(`${t.url}/widget/frame?site=unknown`, { headers: { accept: 'text/html' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // Every other page still refuses to be framed.
    const landing = await fetch(`${t.url}/`, { headers: { accept: 'text/html' } });
    expect(landing.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    // The loader is a script other origins may load.
    const loader = await fetch(`${t.url}/widget.js`);
    expect(loader.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('a signed identity makes the frame’s visitor the site’s contact, with its history on any device', async () => {
    const laptop = await widgetVisitor();
    const conversationId = await start(laptop);
    const token = signIdentityToken(
      { userId: 'u-42', email: 'Jane@Shop.example', name: 'Jane Doe', exp: in10min() },
      secret,
    );
    const r = await identify(laptop, token);
    expect(r.status).toBe(200);
    expect(r.body.contact).toEqual({ name: 'Jane Doe', email: 'jane@shop.example' });
    expect((await laptop.get('/api/widget/me')).body.contact).toEqual({ name: 'Jane Doe', email: 'jane@shop.example' });
    // The anonymous visitor's conversation came along: the contact reads it.
    expect((await laptop.get(`/api/conversations/${conversationId}`)).status).toBe(200);

    // The host identifies again on the next page: the frame keeps its session (no new one, nothing revoked).
    const before = (laptop as unknown as { bearer: string }).bearer;
    const again = await identify(laptop, signIdentityToken({ userId: 'u-42', exp: in10min() }, secret));
    expect(again.status).toBe(200);
    expect(again.body.token).toBeNull();
    expect((await t.client().withBearer(before).get(`/api/conversations/${conversationId}`)).status).toBe(200);

    // Another device of the same user: the same history.
    const phone = await widgetVisitor();
    expect((await phone.get(`/api/conversations/${conversationId}`)).status).toBe(404);
    expect((await identify(phone, signIdentityToken({ userId: 'u-42', exp: in10min() }, secret))).status).toBe(200);
    expect((await phone.get(`/api/conversations/${conversationId}`)).status).toBe(200);
    const mine = await phone.get('/api/conversations');
    expect(mine.body.conversations.map((c: { id: string }) => c.id)).toContain(conversationId);
  });

  it('agents see which conversations come from a verified contact, and that a look-alike visitor is not one', async () => {
    const verified = await widgetVisitor();
    await identify(
      verified,
      signIdentityToken({ userId: 'u-7', email: 'sam@shop.example', name: 'Sam Shopper', exp: in10min() }, secret),
    );
    const real = await start(verified, 'I am the real Sam and I need my invoice.');
    const impostor = await widgetVisitor();
    const fake = await impostor.post('/api/conversations', {
      displayName: 'Sam Shopper',
      email: 'sam@shop.example',
      text: 'I am Sam too, please send me the invoice.',
      clientMsgId: crypto.randomUUID(),
    });
    const agent = await staffClient(t, await createStaff(t, 'agent'));
    const realView = await agent.get(`/api/staff/conversations/${real}`);
    expect(realView.body.verifiedContact).toEqual({
      site: 'Shop',
      userId: 'u-7',
      email: 'sam@shop.example',
      name: 'Sam Shopper',
    });
    const fakeView = await agent.get(`/api/staff/conversations/${fake.body.conversation.id}`);
    expect(fakeView.body.verifiedContact).toBeNull();
    // The contact panel says the same: who vouched, and the signed name and e-mail; the look-alike is not verified.
    const realPanel = await agent.get(`/api/staff/conversations/${real}/contact`);
    expect(realPanel.status).toBe(200);
    expect(realPanel.body.contact).toMatchObject({
      kind: 'visitor',
      identityVerified: true,
      verifiedBy: 'Shop',
      name: 'Sam Shopper',
      email: 'sam@shop.example',
    });
    const fakePanel = await agent.get(`/api/staff/conversations/${fake.body.conversation.id}/contact`);
    expect(fakePanel.body.contact).toMatchObject({ identityVerified: false, verifiedBy: null });
    // Visitors never see it (it is staff-only).
    expect((await verified.get(`/api/conversations/${real}`)).body).not.toHaveProperty('verifiedContact');
  });

  it('forged, expired and other-site tokens are refused with stable codes and change nothing', async () => {
    const other = await admin.post('/api/admin/widget/sites', { name: 'Other', origins: ['https://other.example'] });
    const victim = await widgetVisitor();
    expect((await identify(victim, signIdentityToken({ userId: 'victim-1', exp: in10min() }, secret))).status).toBe(
      200,
    );
    const victimConversation = await start(victim, 'Private question about my invoice number 1234.');

    const attacker = await widgetVisitor();
    const attackerToken = attacker as HttpClient;
    const forged = signIdentityToken({ userId: 'victim-1', exp: in10min() }, 'wsk_guessed-secret');
    const f = await identify(attackerToken, forged);
    expect(f.status).toBe(401);
    expect(f.body.error.code).toBe('identity_invalid');
    const none = await identify(
      attacker,
      signIdentityToken({ userId: 'victim-1', exp: in10min() }, secret, { alg: 'none' }),
    );
    expect(none.body.error.code).toBe('identity_invalid');
    const expired = await identify(attacker, signIdentityToken({ userId: 'victim-1', exp: in10min() - 3600 }, secret));
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('identity_expired');
    // A genuine token of another site, replayed against this one.
    const crossSite = await identify(
      attacker,
      signIdentityToken({ userId: 'victim-1', exp: in10min() }, other.body.secret),
      site.id,
    );
    expect(crossSite.body.error.code).toBe('identity_invalid');
    const unknownSite = await identify(attacker, forged, 'no-such-site');
    expect(unknownSite.body.error.code).toBe('identity_invalid');

    // Still anonymous: no contact, and the victim's history stays out of reach.
    expect((await attacker.get('/api/widget/me')).body.contact).toBeNull();
    expect((await attacker.get(`/api/conversations/${victimConversation}`)).status).toBe(404);
    expect((await attacker.get('/api/conversations')).body.conversations).toEqual([]);
  });

  it('an anonymous visitor’s conversation joins the contact; another contact’s never does, and its session ends', async () => {
    const alice = await widgetVisitor();
    expect((await identify(alice, signIdentityToken({ userId: 'alice', exp: in10min() }, secret))).status).toBe(200);
    const alicesConversation = await start(alice, 'Alice asks about her subscription renewal.');
    const aliceToken = (alice as unknown as { bearer: string }).bearer;
    // The same frame is then identified as Bob (the host page switched users without reset()).
    expect((await identify(alice, signIdentityToken({ userId: 'bob', exp: in10min() }, secret))).status).toBe(200);
    const bob = alice;
    expect((await bob.get(`/api/conversations/${alicesConversation}`)).status).toBe(404);
    // Alice's session in this frame ended; Alice herself (signing in again) still has her conversation.
    const stale = t.client().withBearer(aliceToken);
    expect((await stale.get('/api/conversations')).status).toBe(401);
    const aliceAgain = await widgetVisitor();
    await identify(aliceAgain, signIdentityToken({ userId: 'alice', exp: in10min() }, secret));
    expect((await aliceAgain.get(`/api/conversations/${alicesConversation}`)).status).toBe(200);
  });

  it('rotating the secret refuses tokens signed with the old one at once', async () => {
    const rotated = await admin.post(`/api/admin/widget/sites/${site.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(secret);
    const v = await widgetVisitor();
    const old = await identify(v, signIdentityToken({ userId: 'u-42', exp: in10min() }, secret));
    expect(old.body.error.code).toBe('identity_invalid');
    expect((await identify(v, signIdentityToken({ userId: 'u-42', exp: in10min() }, rotated.body.secret))).status).toBe(
      200,
    );
    secret = rotated.body.secret;
    const audit = await admin.get('/api/admin/audit');
    const actions = audit.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['widget.site_created', 'widget.secret_rotated']));
  });

  it('sockets come from the frame (our origin) only; removing the site signs its contacts out, sockets too', async () => {
    const created = await admin.post('/api/admin/widget/sites', {
      name: 'Doomed',
      origins: ['https://doomed.example'],
    });
    const v = await widgetVisitor();
    await identify(
      v,
      signIdentityToken({ userId: 'carol', exp: in10min() }, created.body.secret),
      created.body.site.id,
    );
    const bearer = (v as unknown as { bearer: string }).bearer;
    // The host page itself (its own origin) cannot open a socket in the visitor's name, even with the token.
    const fromHost = socketClient(t.url, '/visitor', { bearer, origin: 'https://doomed.example' });
    await expect(connected(fromHost)).rejects.toThrow();
    fromHost.close();
    const socket = socketClient(t.url, '/visitor', { bearer });
    await connected(socket);
    const ended = nextEvent<{ reason: string }>(socket, 'session:ended');
    expect((await admin.delete(`/api/admin/widget/sites/${created.body.site.id}`)).status).toBe(200);
    expect((await ended).reason).toBe('widget_site_removed');
    socket.close();
    expect((await v.get('/api/conversations')).status).toBe(401);
    const gone = await fetch(`${t.url}/api/widget/config?site=${created.body.site.id}`);
    expect(gone.status).toBe(404);
  });
});
