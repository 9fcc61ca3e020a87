import { expect, test } from '@playwright/test';
import { DEMO_NODES } from '../drizzle/seed/demo-nodes';
import { ADMIN } from './constants';

const kano = DEMO_NODES.find((n) => n.nodeName === 'probe-ng-kano-01')!;

test.describe('signed out', () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test('every page sends you to sign-in (back to the page afterwards); the read API answers 401', async ({ page, request }) => {
    for (const path of ['/', '/logs', '/logs?tab=events', '/admin/nodes', '/admin/users', '/admin/tokens', '/admin/audit', '/account']) {
      await page.goto(path);
      await expect(page, path).toHaveURL(/\/sign-in(\?|$)/);
      // A real redirect, not a 200 whose streamed body redirects afterwards.
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.status(), path).toBe(307);
    }
    await page.goto(`/nodes/${kano.nodeId}?range=7d`);
    await expect(page).toHaveURL(new RegExp(`/sign-in\\?next=${encodeURIComponent(`/nodes/${kano.nodeId}`)}`));
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

    for (const path of ['/api/nodes', `/api/nodes/${kano.nodeId}`, `/api/metrics?node_id=${kano.nodeId}`]) {
      const res = await request.get(path, { headers: { 'x-middleware-subrequest': 'middleware:middleware:middleware:middleware:middleware' } });
      expect(res.status(), path).toBe(401);
      expect(res.headers()['content-type']).toBe('application/problem+json');
    }
    expect((await request.get('/api/health')).status()).not.toBe(401);
  });

  test('sign-in: a wrong password says so; the right one opens the page asked for', async ({ page }) => {
    await page.goto(`/nodes/${kano.nodeId}`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Email or password is wrong.' })).toBeVisible();
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(new RegExp(`/nodes/${kano.nodeId}$`));
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(kano.displayName!);
  });

  test('sign-in never redirects off-site', async ({ page }) => {
    await page.goto('/sign-in?next=//evil.example/phish');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/127\.0\.0\.1:\d+\/$/);
  });
});

test('pages carry a nonce CSP that their own scripts satisfy, and every response the security headers', async ({ page, request }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = (await page.goto('/'))!;
  const csp = res.headers()['content-security-policy'] ?? '';
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  for (const directive of ["default-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"]) expect(csp).toContain(directive);
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
  await expect(page.getByTestId('node-map-canvas')).toHaveAttribute('data-borders', 'loaded');
  expect(violations).toEqual([]);
  // A fresh nonce per response.
  const again = await request.get('/');
  expect(again.headers()['content-security-policy']).not.toContain(nonce!);

  for (const r of [res, await request.get('/api/nodes'), await request.get('/api/health')]) {
    const h = r.headers();
    expect(h['x-content-type-options'], r.url()).toBe('nosniff');
    expect(h['x-frame-options'], r.url()).toBe('DENY');
    expect(h['referrer-policy'], r.url()).toBe('strict-origin-when-cross-origin');
    expect(h['permissions-policy'], r.url()).toContain('camera=()');
    expect(h['x-powered-by'], r.url()).toBeUndefined();
  }
});

test('a server action replayed cross-site (foreign Origin, Origin null) is refused and changes nothing', async ({ page, request }) => {
  await page.goto('/');
  // Capture the sign-out action as the browser sends it, without letting it through.
  let action: { headers: Record<string, string>; body: string } | undefined;
  await page.route('**/*', async (route) => {
    const req = route.request();
    if (req.method() === 'POST' && req.headers()['next-action']) {
      action = { headers: req.headers(), body: req.postData() ?? '' };
      await route.abort();
    } else await route.continue();
  });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect.poll(() => action).toBeDefined();
  await page.unroute('**/*');

  for (const origin of ['https://evil.example', 'null']) {
    const res = await request.post('/', { headers: { ...action!.headers, origin, 'content-type': 'text/plain;charset=UTF-8' }, data: action!.body, maxRedirects: 0 });
    expect(res.status(), origin).toBeGreaterThanOrEqual(400);
    expect(res.headers()['set-cookie'] ?? '', origin).not.toMatch(/fiber\.session_token=;|Max-Age=0/);
  }
  // Still signed in: the forged sign-outs did nothing.
  await page.goto('/');
  await expect(page.getByRole('navigation', { name: 'Account' })).toContainText(ADMIN.name);
});
