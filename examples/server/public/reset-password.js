// The reset page: reads the token from the URL fragment (never sent to any server by the
// browser), removes it from the address bar, checks it, shows the rules live and submits. A
// second link opened in a tab already on the page changes only the fragment (a hashchange, no
// reload): its token replaces the old one and is scrubbed the same way.
import {
  clearStatus,
  foldRulesOnNarrowScreens,
  liveValidation,
  loadRules,
  markRules,
  onSubmitOnce,
  policyMessages,
  sendJson,
  showStatus,
  wireShowPasswords,
} from './password-form.js';

const form = document.getElementById('reset-form');
const password = document.getElementById('password');
const confirm = document.getElementById('confirm');
const confirmError = document.getElementById('confirm-error');
const status = document.getElementById('status');
const rules = document.getElementById('rules');
const summary = document.getElementById('rules-summary');
const account = document.getElementById('account');
let accountLogin = null;

/** The token of the fragment, taken out of the address bar, the history and any bookmark; kept in memory only. */
function takeToken() {
  const found = new URLSearchParams(location.hash.slice(1)).get('token');
  history.replaceState(null, '', location.pathname);
  return found;
}

let token = takeToken();

function invalidLink() {
  form.hidden = true;
  showStatus(status, 'error', 'This reset link is invalid, has expired, or was already used. Ask your administrator for a new link.');
}

// Bumped by each start(): the check of a token replaced meanwhile must not hide the new one's form.
let generation = 0;

/**
 * Checks the current token and shows the form for it (or says what is wrong). A new link clears
 * the fields; the first start keeps what was typed while the page loaded.
 */
async function start({ keepTyped = false } = {}) {
  const mine = ++generation;
  clearStatus(status);
  if (!keepTyped) {
    password.value = '';
    confirm.value = '';
  }
  markRules(rules, summary, null);
  accountLogin = null;
  account.hidden = true;
  if (token === null || token === '') {
    form.hidden = true;
    showStatus(status, 'error', 'This page needs the reset link your administrator gave you (it ends with #token=…). Open that link again.');
    return;
  }
  form.hidden = false;
  // A throwaway candidate checks the token without consuming it.
  const check = await sendJson('command/validate-password', { password: ' ', reset_token: token });
  if (mine !== generation) return;
  if (check.status === 403) {
    invalidLink();
    return;
  }
  password.focus();
  await showAccount(mine);
}

/** Says whose password is being set: the login the token belongs to. */
async function showAccount(mine) {
  const { status: code, body } = await sendJson('reset-password/account', { reset_token: token });
  if (mine !== generation || code !== 200 || typeof body?.login !== 'string') return;
  accountLogin = body.login;
  account.textContent = `For the account ${accountLogin}.`;
  account.hidden = false;
}

window.addEventListener('hashchange', () => {
  const next = takeToken();
  // A fragment without a token (a stray #) leaves the current link in use.
  if (next === null || next === '') return;
  token = next;
  void start();
});

foldRulesOnNarrowScreens(document.getElementById('rules-box'));
await loadRules(rules);
await start({ keepTyped: true });

const live = liveValidation(password, rules, summary, (candidate) => sendJson('command/validate-password', { password: candidate, reset_token: token }), invalidLink);
// A password typed (or filled in by a password manager) while the page was setting up.
if (password.value !== '') live.check();
wireShowPasswords(document.getElementById('show'), [password, confirm]);

confirm.addEventListener('input', () => {
  confirmError.hidden = true;
  confirm.removeAttribute('aria-invalid');
});

onSubmitOnce(form, 'Saving…', async () => {
  live.cancel();
  clearStatus(status);
  if (password.value === '') {
    showStatus(status, 'error', 'Type a new password.');
    password.focus();
    return;
  }
  if (confirm.value !== password.value) {
    confirmError.hidden = false;
    confirm.setAttribute('aria-invalid', 'true');
    confirm.focus();
    return;
  }
  const { status: code, body } = await sendJson('auth/reset', { token, password: password.value });
  if (code === 200) {
    form.hidden = true;
    password.value = '';
    confirm.value = '';
    const forAccount = accountLogin === null ? '' : ` for ${accountLogin}`;
    // The answer says when an administrator's revocation stays in place.
    const stillRevoked = body?.msg?.includes('stays revoked') === true;
    showStatus(
      status,
      'success',
      stillRevoked ? `${body.msg}.` : `Your password has been set${forAccount}, and the account is active. Sign in with the new password.`,
      [],
      stillRevoked ? undefined : { href: 'change-password', text: 'Go to the sign-in page' },
    );
  } else if (code === 400 && body?.kind?.endsWith('password-policy-violation')) {
    markRules(rules, summary, body.details?.failures ?? []);
    showStatus(status, 'error', 'The password was not accepted:', policyMessages(body));
  } else if (code === 403) {
    invalidLink();
  } else if (code === 0 || code >= 500) {
    showStatus(status, 'error', 'The service could not be reached or is unavailable. Try again in a moment.');
  } else {
    showStatus(status, 'error', body?.msg ?? `The request failed (HTTP ${code}).`);
  }
});
