// Open tabs stay in step: signing out in one tab shows the others signed out, and a page for
// signed-in users there goes back to sign-in instead of keeping stale content.
import { expect, test } from './fixtures/test';
import { confirmedUser, expectSignedIn, expectSignedOut } from './fixtures/auth';

test('signing out in one tab signs out the other open tabs', async ({ context, request }) => {
  const first = await context.newPage();
  const email = await confirmedUser(first, request, 'tabs');
  const second = await context.newPage();
  await second.goto('/protected');
  await expectSignedIn(second, email);
  for (const tab of [first, second]) {
    await expect(tab.locator('html[data-hydrated]')).toBeAttached();
  }

  await first.getByRole('button', { name: 'Sign out' }).click();
  await expectSignedOut(first);

  await expectSignedOut(second);
  await expect(second).toHaveURL('/auth/login?next=%2Fprotected');
  await expect(second.getByRole('heading', { name: 'Protected page' })).toHaveCount(0);
});
