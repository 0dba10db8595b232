// Phone sign-in with a texted code (local-auth puts the text in its mailbox, tagged SMS).
import { expect, test } from './fixtures/test';
import { expectSignedIn } from './fixtures/auth';
import { waitForMail } from './fixtures/mailbox';

test('a phone number and the texted code sign in', async ({ page, request }) => {
  const phone = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  await page.goto('/auth/login');
  await page.getByRole('link', { name: 'Sign in with a phone number' }).click();

  await page.getByLabel('Phone number').fill(phone);
  await page.getByRole('button', { name: 'Text me a code' }).click();
  await expect(page.getByText(`We texted a 6-digit code to ${phone}`)).toBeVisible();
  const text = await waitForMail(request, phone);
  await page.getByLabel('Code', { exact: true }).fill(text.code);
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL('/protected');
  await expectSignedIn(page, phone);
});
