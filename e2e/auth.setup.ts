import { expect, test as setup } from '@playwright/test';
import { ADMIN, ADMIN_STATE } from './constants';

/**
 * The product starts with no account: the first visit lands on the one-time setup page, which
 * creates the first admin and signs them in. The other specs reuse that session.
 */
setup('first run: the setup page creates the first admin, who lands signed in on the overview', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole('heading', { name: 'Create the first admin' })).toBeVisible();

  // Mismatched confirmation: an inline error next to the field, nothing created.
  await page.getByLabel('Name').fill(ADMIN.name);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill(`${ADMIN.password}!`);
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  await expect(page.getByText('The passwords do not match.')).toBeVisible();
  await expect(page.getByLabel('Confirm password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Confirm password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create admin and sign in' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('navigation', { name: 'Account' })).toContainText(`${ADMIN.name} · admin`);

  // The setup page is gone for good.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/$/);
  await page.context().storageState({ path: ADMIN_STATE });
});
