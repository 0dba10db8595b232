// Phones as second factor: a number enrolled on /account with the code texted to it (plain forms,
// so this runs with and without JavaScript), then sign-in texts a code before any page for
// signed-in users opens. local-auth puts each text in its mailbox, tagged SMS.
import { expect, test } from './fixtures/test';
import { LoginPage, PASSWORD, confirmedUser, expectSignedOut } from './fixtures/auth';
import { waitForMail } from './fixtures/mailbox';

/** A number nobody else in the run has. */
function freshPhone(): string {
  return `+1555${crypto.randomUUID().replace(/\D/g, '').padEnd(7, '0').slice(0, 7)}`;
}

test('a phone is enrolled with its texted code and asked for at sign-in', async ({ page, request }) => {
  const email = await confirmedUser(page, request, 'mfa-phone');
  const phone = freshPhone();
  const shown = `•••• ${phone.slice(-4)}`;
  await page.goto('/account');
  await page.getByLabel('Phone number for codes').fill(phone);
  await page.getByRole('button', { name: 'Add a phone' }).click();
  await expect(page.getByText('We texted a code to your phone.')).toBeVisible();
  const enrolment = await waitForMail(request, phone);
  expect(enrolment.code).toMatch(/^\d{6}$/);

  // A wrong code is refused and the form stays; the texted one confirms the phone.
  await page.getByLabel('Code from the text').fill(enrolment.code === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Confirm the phone' }).click();
  await expect(page.getByRole('alert')).toHaveText('That code is wrong or has expired. Ask for a new one.');
  await page.getByLabel('Code from the text').fill(enrolment.code);
  await page.getByRole('button', { name: 'Confirm the phone' }).click();
  await expect(page.getByRole('status')).toHaveText('Your phone is set up as a second factor.');
  await expect(page.getByTestId('account-aal')).toHaveText('aal2');
  await expect(page.getByTestId('factor')).toContainText(`Phone ${shown} (active)`);

  await page.getByRole('button', { name: 'Sign out of this device' }).click();
  await expectSignedOut(page);
  const login = new LoginPage(page);
  await login.goto();
  await login.signIn(email, PASSWORD);
  await expect(page).toHaveURL('/auth/mfa?next=%2Fprotected');
  // The server keeps the aal1 session off pages for signed-in users.
  await page.goto('/notes');
  await expect(page).toHaveURL('/auth/mfa?next=%2Fnotes');

  await page.getByRole('button', { name: `Text a code to ${shown}` }).click();
  await expect(page.getByRole('status')).toHaveText(`We texted a code to ${shown}.`);
  const signIn = await waitForMail(request, phone, 2);
  await page.getByLabel('Code from the text').fill(signIn.code);
  await page.getByRole('button', { name: 'Check the code' }).click();
  await expect(page).toHaveURL('/notes');
  await page.goto('/account');
  await expect(page.getByTestId('account-aal')).toHaveText('aal2');
});

test('a challenge that is not the user\'s is refused, and nothing is granted', async ({ page, request }) => {
  // Someone else's challenge id (or a made-up one) in the address: the code form posts it, and
  // the auth server finds no such challenge of this user's phone.
  await confirmedUser(page, request, 'mfa-phone-foreign');
  const phone = freshPhone();
  await page.goto('/account');
  await page.getByLabel('Phone number for codes').fill(phone);
  await page.getByRole('button', { name: 'Add a phone' }).click();
  const texted = new URL(page.url());
  const factor = texted.searchParams.get('phone_factor') ?? '';
  const code = (await waitForMail(request, phone)).code;
  await page.goto(`/account?phone_factor=${factor}&texted=${crypto.randomUUID()}`);
  await page.getByLabel('Code from the text').fill(code);
  await page.getByRole('button', { name: 'Confirm the phone' }).click();
  await expect(page.getByRole('alert')).toHaveText('That code can no longer be used. Ask for a new one.');
  await expect(page.getByTestId('account-aal')).toHaveText('aal1');
  await expect(page.getByTestId('factor')).toContainText('(not confirmed)');
});
