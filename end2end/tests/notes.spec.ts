// Notes: the signed-in user's data, read and written by the server as that user under Row Level
// Security. Runs with and without JavaScript (the chromium-no-js project); editing in place, the
// one part that needs JavaScript, is in notes-edit.spec.ts.
import { expect, test } from './fixtures/test';
import { confirmedUser } from './fixtures/auth';

test('add, list and delete a note', async ({ page, request, javaScriptEnabled }) => {
  await confirmedUser(page, request, 'notes');
  await page.goto('/notes');
  await expect(page.getByText('No notes yet.')).toBeVisible();

  const text = `Buy milk (${test.info().project.name})`;
  await page.getByLabel('New note').fill(text);
  await page.getByRole('button', { name: 'Add note' }).click();

  await expect(page).toHaveURL('/notes');
  const notes = page.getByTestId('note');
  await expect(notes).toHaveCount(1);
  await expect(notes.first()).toContainText(text);
  await expect(page.getByText('No notes yet.')).toBeHidden();
  // Editing in place needs JavaScript: without it there is no button that would do nothing.
  await expect(notes.first().getByRole('button', { name: 'Edit' })).toHaveCount(javaScriptEnabled ? 1 : 0);
  await page.reload();
  await expect(notes.first()).toContainText(text);

  await notes.first().getByRole('button', { name: 'Delete' }).click();

  await expect(page).toHaveURL('/notes');
  await expect(notes).toHaveCount(0);
  await expect(page.getByText('No notes yet.')).toBeVisible();
});

test('two users never see each other’s notes', async ({ page, request, browser }) => {
  await confirmedUser(page, request, 'notes-alice');
  await page.goto('/notes');
  await page.getByLabel('New note').fill('Alice’s secret');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toHaveCount(1);

  const other = await browser.newContext();
  const bob = await other.newPage();
  await confirmedUser(bob, request, 'notes-bob');
  await bob.goto('/notes');
  await bob.getByLabel('New note').fill('Bob’s secret');
  await bob.getByRole('button', { name: 'Add note' }).click();

  await expect(bob.getByTestId('note')).toHaveCount(1);
  await expect(bob.getByTestId('note')).toContainText('Bob’s secret');
  await expect(bob.getByText('Alice’s secret')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('note')).toHaveCount(1);
  await expect(page.getByText('Bob’s secret')).toHaveCount(0);
  await other.close();
});

test('signed out, the notes page sends you to sign in', async ({ page }) => {
  await page.goto('/notes');

  await expect(page).toHaveURL('/auth/login?next=%2Fnotes');
});
