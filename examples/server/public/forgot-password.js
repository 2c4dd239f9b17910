// The "Forgot your password?" part of the reset page, on its own so the reset form's script stays
// as it is. Shown whenever the page has no usable link (the reset form is hidden and no reset
// succeeded): the self-service form when the server mails links, else a note to ask an admin.
import { clearStatus, sendJson, showStatus } from './password-form.js';

const resetForm = document.getElementById('reset-form');
const resetStatus = document.getElementById('status');
const section = document.getElementById('forgot');
const askAdmin = document.getElementById('ask-admin');
const form = document.getElementById('forgot-form');
const identifier = document.getElementById('forgot-identifier');
const status = document.getElementById('forgot-status');
const submit = form.querySelector('button[type="submit"]');

let enabled = false;
try {
  const response = await fetch('self-service-reset', { headers: { Accept: 'application/json' }, credentials: 'omit' });
  enabled = response.ok && (await response.json()).enabled === true;
} catch {
  // Unreachable: the note to ask an administrator is the safe fallback.
}

function update() {
  const noLink = resetForm.hidden && !resetStatus.classList.contains('success');
  section.hidden = !(noLink && enabled);
  askAdmin.hidden = !(noLink && !enabled);
}
new MutationObserver(update).observe(resetForm, { attributes: true, attributeFilter: ['hidden'] });
new MutationObserver(update).observe(resetStatus, { attributes: true, attributeFilter: ['class'] });
update();

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearStatus(status);
  const value = identifier.value.trim();
  if (value === '') {
    showStatus(status, 'error', 'Type your login name or email address.');
    identifier.focus();
    return;
  }
  submit.disabled = true;
  // A value with an @ may be an address or a login that contains one: ask both ways (one mail at most per account).
  const asks = value.includes('@') ? [{ email: value }, { login: value }] : [{ login: value }];
  const answers = await Promise.all(asks.map((body) => sendJson('auth/forgot', body)));
  submit.disabled = false;
  if (answers.some((answer) => answer.status === 202)) {
    form.hidden = true;
    showStatus(status, 'success', 'If that matches an account, a reset link is on its way to its email address. It can take a few minutes; check your spam folder too.');
  } else if (answers.some((answer) => answer.status === 0 || answer.status >= 500)) {
    showStatus(status, 'error', 'The service could not be reached or is unavailable. Try again in a moment.');
  } else {
    showStatus(status, 'error', answers[0]?.body?.msg ?? 'The request was not accepted.');
  }
});
