import { expect, test, type Browser } from '@playwright/test';
import { DEMO_NODES } from '../drizzle/seed/demo-nodes';

const VIEWER = { name: 'Kojo Boateng', email: `kojo-${Date.now().toString(36)}@noc.example`, password: 'viewer passphrase 42' };
const accra = DEMO_NODES.find((n) => n.nodeName === 'probe-gh-accra-01')!;

async function signInAs(browser: Browser, email: string, password: string) {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Network overview' })).toBeVisible();
  return { context, page };
}

/**
 * Roles in the browser: an admin creates a viewer; the viewer sees the network but no admin
 * controls, an admin page answers 403, and an admin action posted anyway is refused with 403
 * and lands in the audit trail.
 */
test('a viewer sees no admin controls and gets 403 when posting an admin action anyway', async ({ page, browser }) => {
  await page.goto('/admin/users');
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  const create = page.getByRole('form', { name: 'Create user' });
  await create.getByLabel('Name').fill(VIEWER.name);
  await create.getByLabel('Email').fill(VIEWER.email);
  await create.getByLabel('Role').selectOption('viewer');
  await create.getByLabel('Password').fill(VIEWER.password);
  await create.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('row', { name: new RegExp(VIEWER.email) })).toContainText('viewer');

  // Capture an admin action as the browser sends it (issuing a probe key), without letting it through.
  await page.goto(`/admin/nodes/${accra.nodeId}`);
  let action: { url: string; headers: Record<string, string>; body: string } | undefined;
  await page.route('**/*', async (route) => {
    const req = route.request();
    if (req.method() === 'POST' && req.headers()['next-action']) {
      action = { url: req.url(), headers: req.headers(), body: req.postData() ?? '' };
      await route.abort();
    } else await route.continue();
  });
  await page.getByRole('button', { name: 'Create key' }).click();
  await expect.poll(() => action).toBeDefined();
  await page.unroute('**/*');

  const viewer = await signInAs(browser, VIEWER.email, VIEWER.password);
  const nav = viewer.page.getByRole('navigation', { name: 'Account' });
  await expect(nav).toContainText(`${VIEWER.name} · viewer`);
  for (const link of ['Nodes admin', 'Users', 'API tokens', 'Audit']) await expect(nav.getByRole('link', { name: link })).toHaveCount(0);
  await viewer.page.goto(`/nodes/${accra.nodeId}`);
  await expect(viewer.page.getByRole('heading', { level: 1 })).toHaveText(accra.displayName!);
  await expect(viewer.page.getByRole('button', { name: /Create key|Delete node|Save changes/ })).toHaveCount(0);

  for (const path of ['/admin/nodes', `/admin/nodes/${accra.nodeId}`, '/admin/users', '/admin/tokens', '/admin/audit']) {
    const res = await viewer.page.goto(path);
    expect(res?.status(), path).toBe(403);
    await expect(viewer.page.getByRole('heading', { name: 'Not allowed' })).toBeVisible();
  }

  const { cookie: _adminCookie, ...headers } = action!.headers;
  void _adminCookie;
  const forged = await viewer.context.request.post(action!.url, { headers, data: action!.body, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  await viewer.context.close();

  // No key was issued by the forged call; the audit trail has the refusal.
  await page.goto(`/admin/nodes/${accra.nodeId}`);
  await expect(page.getByLabel('New probe key')).toHaveCount(0);
  await page.goto('/admin/audit');
  const denied = page.getByRole('row', { name: new RegExp(VIEWER.email) }).filter({ hasText: 'denied' });
  await expect(denied.first()).toContainText('probe_key.create');
});
