// The change-password page: sign in (the auth token stays in this page's memory only), then
// change the password with the current one, the rules shown live. When the sign-in answers
// password-change-required (too old, or an administrator asked), there is no session: the same
// form then sends login, current and new password to auth/change-password.
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

const status = document.getElementById('status');
const signIn = document.getElementById('sign-in-form');
const change = document.getElementById('change-form');
const login = document.getElementById('login');
const loginPassword = document.getElementById('login-password');
const current = document.getElementById('current-password');
const password = document.getElementById('password');
const confirm = document.getElementById('confirm');
const confirmError = document.getElementById('confirm-error');
const rules = document.getElementById('rules');
const summary = document.getElementById('rules-summary');
const signedInAs = document.getElementById('signed-in-as');

let authToken = null;
let signedInLogin = '';
// True while changing a password that must be changed before signing in: no session, the login and current password are the credential.
let forced = false;
const auth = () => ({ 'X-Authentication': authToken });

function signedOut(message) {
  authToken = null;
  forced = false;
  change.hidden = true;
  signIn.hidden = false;
  showStatus(status, 'error', message);
  login.focus();
}

foldRulesOnNarrowScreens(document.getElementById('rules-box'));
await loadRules(rules);
login.focus();
wireShowPasswords(document.getElementById('show'), [current, password, confirm]);
const live = liveValidation(
  password,
  rules,
  summary,
  // Without a session the rules are checked when the form is sent (validate-password needs one).
  (candidate) => (forced ? Promise.resolve({ status: 0, body: null }) : sendJson('command/validate-password', { password: candidate }, { headers: auth() })),
  () => signedOut('Your session has ended. Sign in again.'),
);

onSubmitOnce(signIn, 'Signing in…', async () => {
  clearStatus(status);
  const { status: code, body } = await sendJson('auth/token', { login: login.value, password: loginPassword.value });
  if (code === 401 && body?.kind?.endsWith('password-change-required')) {
    // The right password, but it must be changed first: no session was started.
    forced = true;
    signedInLogin = login.value;
    current.value = loginPassword.value;
    loginPassword.value = '';
    signIn.hidden = true;
    change.hidden = false;
    signedInAs.textContent = `Changing the password of ${signedInLogin}.`;
    const why = body.details?.cause === 'expired' ? 'Your password is too old.' : 'Your administrator asks you to choose a new password.';
    showStatus(status, 'info', `${why} Choose a new one before you sign in; your current password is filled in.`);
    password.focus();
    return;
  }
  if (code !== 200) {
    showStatus(status, 'error', code === 401 ? 'Sign-in failed: the login or password is incorrect, or the account is disabled.' : (body?.msg ?? `Sign-in failed (HTTP ${code}).`));
    loginPassword.focus();
    return;
  }
  authToken = body.token;
  signedInLogin = login.value;
  loginPassword.value = '';
  signIn.hidden = true;
  change.hidden = false;
  signedInAs.textContent = `Signed in as ${signedInLogin}.`;
  current.focus();
});

confirm.addEventListener('input', () => {
  confirmError.hidden = true;
  confirm.removeAttribute('aria-invalid');
});

onSubmitOnce(change, 'Saving…', async () => {
  live.cancel();
  clearStatus(status);
  for (const [input, message] of [
    [current, 'Type your current password.'],
    [password, 'Type a new password.'],
  ]) {
    if (input.value === '') {
      showStatus(status, 'error', message);
      input.focus();
      return;
    }
  }
  if (confirm.value !== password.value) {
    confirmError.hidden = false;
    confirm.setAttribute('aria-invalid', 'true');
    confirm.focus();
    return;
  }
  const { status: code, body } = forced
    ? await sendJson('auth/change-password', { login: signedInLogin, current_password: current.value, password: password.value })
    : await sendJson('users/current/password', { current_password: current.value, password: password.value }, { method: 'PUT', headers: auth() });
  if (code === 200) {
    for (const input of [current, password, confirm]) input.value = '';
    markRules(rules, summary, null);
    // The form goes away: the change is done, and nothing can be sent twice.
    change.hidden = true;
    authToken = null;
    const wasForced = forced;
    forced = false;
    const ended = wasForced ? '' : ', and your other sessions were signed out';
    showStatus(status, 'success', `Your password has been changed for ${signedInLogin}${ended}. From now on, sign in with the new password.`, [], {
      href: 'change-password',
      text: wasForced ? 'Sign in' : 'Sign in again',
    });
  } else if (code === 400 && body?.kind?.endsWith('password-policy-violation')) {
    markRules(rules, summary, body.details?.failures ?? []);
    showStatus(status, 'error', 'The password was not accepted:', policyMessages(body));
  } else if (code === 401 && forced) {
    // No session to lose: the login or current password was refused (or the account was closed meanwhile).
    showStatus(status, 'error', 'The change was refused: the current password is incorrect, or the account is disabled.');
    current.focus();
  } else if (code === 401) {
    signedOut(body?.kind?.endsWith('user-revoked') ? 'The account has been disabled. Ask your administrator for a reset link.' : 'Your session has ended. Sign in again.');
  } else if (code === 403) {
    showStatus(status, 'error', body?.msg ?? 'The change was refused.');
    current.focus();
  } else {
    showStatus(
      status,
      'error',
      code === 0 || code >= 500 ? 'The service could not be reached or is unavailable. Try again in a moment.' : (body?.msg ?? `The request failed (HTTP ${code}).`),
    );
  }
});
