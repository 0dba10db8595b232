// Editing a note in place: the island of the notes page (JavaScript only; the rest of the page
// is tested with and without it in notes.spec.ts).
import { expect, test } from './fixtures/test';
import { confirmedUser } from './fixtures/auth';

test('edit a note in place, saying so while it saves', async ({ page, request }) => {
  await confirmedUser(page, request, 'notes-edit');
  await page.goto('/notes');
  await page.getByLabel('New note').fill('first draft');
  await page.getByRole('button', { name: 'Add note' }).click();
  const note = page.getByTestId('note').first();
  // "Edit" sits on the line of the note's text, not under it.
  const edit = await note.getByRole('button', { name: 'Edit' }).boundingBox();
  const text = await note.locator('.note-body').boundingBox();
  expect(edit && text && edit.y < text.y + text.height).toBe(true);

  // Hold the save for a moment, to see the pending state.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/notes/edit', async (route) => {
    await held;
    // `fallback`: the context's route still adds the test's client address.
    await route.fallback();
  });
  await note.getByRole('button', { name: 'Edit' }).click();
  await note.getByLabel('Note text').fill('final text');
  await note.getByRole('button', { name: 'Save' }).click();

  const saving = note.getByRole('button', { name: 'Saving…' });
  await expect(saving).toBeDisabled();
  release();
  await expect(note.locator('.note-body')).toHaveText('final text');
  await expect(saving).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('note').first().locator('.note-body')).toHaveText('final text');

  // Too long for a note: the error shows beside the field, and the stored text is unchanged.
  await page.unroute('**/api/notes/edit');
  const again = page.getByTestId('note').first();
  await again.getByRole('button', { name: 'Edit' }).click();
  await again.getByLabel('Note text').evaluate((field: HTMLTextAreaElement) => {
    field.removeAttribute('maxlength');
  });
  await again.getByLabel('Note text').fill('x'.repeat(2001));
  await again.getByRole('button', { name: 'Save' }).click();
  await expect(again.getByRole('alert')).toHaveText('A note holds 1 to 2000 characters.');
  await page.reload();
  await expect(page.getByTestId('note').first().locator('.note-body')).toHaveText('final text');
});
