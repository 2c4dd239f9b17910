// Shared by the reset and change-password pages: the policy rules shown live, the JSON calls, and
// the status messages. No framework; every request goes to the API next to the page, by relative URL.

/** POSTs (or PUTs) JSON; resolves { status, body } and never throws for an HTTP error. */
export async function sendJson(url, body, { method = 'POST', headers = {} } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
    });
  } catch {
    return { status: 0, body: null };
  }
  let parsed = null;
  try {
    parsed = await response.json();
  } catch {
    // Empty or non-JSON answer; status alone tells what happened.
  }
  return { status: response.status, body: parsed };
}

/**
 * Shows a message in the status region and moves focus there, so screen readers and keyboard users
 * land on it. `link` ({ href, text }) adds where to go next.
 */
export function showStatus(element, kind, message, items = [], link = null) {
  element.hidden = false;
  element.className = `status ${kind}`;
  element.replaceChildren();
  const text = document.createElement('p');
  text.textContent = message;
  element.append(text);
  if (link !== null) {
    const next = document.createElement('p');
    const anchor = document.createElement('a');
    anchor.href = link.href;
    anchor.textContent = link.text;
    next.append(anchor);
    element.append(next);
  }
  if (items.length > 0) {
    const list = document.createElement('ul');
    for (const item of items) {
      const li = document.createElement('li');
      li.textContent = item;
      list.append(li);
    }
    element.append(list);
  }
  element.focus();
}

export function clearStatus(element) {
  element.hidden = true;
  element.replaceChildren();
}

const HIDDEN_UP_FRONT = new Set(['whitespace-only', 'ill-formed-unicode', 'control-characters']);
// Checked only when the password is submitted: validate-password never compares against the
// stored passwords (it would let anyone with a session or a link test guesses of them for free).
const ON_SUBMIT = 'password-reused';

/** Lists the policy's rules (from GET password-policy) in `list`, each item keyed by its rule id. */
export async function loadRules(list) {
  try {
    const response = await fetch('password-policy', { headers: { Accept: 'application/json' }, credentials: 'omit' });
    const { rules } = await response.json();
    list.replaceChildren(
      // Rules about malformed input are noise up front; they still show up if one fails.
      ...rules
        .filter((rule) => !HIDDEN_UP_FRONT.has(rule.rule))
        .map((rule) => {
          const li = document.createElement('li');
          li.dataset.rule = rule.rule;
          li.className = 'rule';
          const state = document.createElement('span');
          state.className = 'rule-state';
          const text = document.createElement('span');
          text.textContent = rule.msg;
          li.append(state, text);
          if (rule.rule === ON_SUBMIT) {
            const note = document.createElement('span');
            note.className = 'rule-note';
            note.textContent = ' (checked when you submit)';
            li.append(note);
          }
          return li;
        }),
    );
  } catch {
    // The rules are a help; the server checks them anyway.
  }
}

/**
 * Marks each rule met or not met from a validate-password answer (null: neutral, nothing typed).
 * Failures of rules not listed up front (e.g. a reused password) are shown as extra items.
 */
export function markRules(list, summary, failures) {
  for (const extra of list.querySelectorAll('.extra')) extra.remove();
  const failed = new Map((failures ?? []).map((failure) => [failure.rule, failure]));
  let met = 0;
  const items = list.querySelectorAll('li.rule');
  const checkedLive = [...items].filter((li) => li.dataset.rule !== ON_SUBMIT).length;
  for (const li of items) {
    const state = li.querySelector('.rule-state');
    if (failures === null) {
      li.className = 'rule';
      state.textContent = '';
      continue;
    }
    // Reuse is only known after a submit: until one refuses it, it is unknown, not met.
    if (li.dataset.rule === ON_SUBMIT && !failed.has(ON_SUBMIT)) {
      li.className = 'rule';
      state.textContent = '';
      continue;
    }
    const ok = !failed.has(li.dataset.rule);
    if (ok) met += 1;
    li.className = `rule ${ok ? 'met' : 'unmet'}`;
    state.textContent = ok ? 'Met: ' : 'Not met: ';
    failed.delete(li.dataset.rule);
  }
  for (const failure of failed.values()) {
    const li = document.createElement('li');
    li.className = 'rule unmet extra';
    const state = document.createElement('span');
    state.className = 'rule-state';
    state.textContent = 'Not met: ';
    const text = document.createElement('span');
    text.textContent = failure.msg;
    li.append(state, text);
    list.append(li);
  }
  // Short enough to sit beside the heading on one line of a phone screen when the rules are folded.
  summary.textContent = failures === null ? '' : failures.length === 0 ? `all ${checkedLive} met` : `${met} of ${checkedLive} met`;
}

/**
 * Checks the password against the policy as the user types (debounced). `request(password)`
 * performs the validate-password call; stale answers are dropped. Returns `cancel()`, which a
 * submit calls: a check still pending would otherwise answer after the submit's own result (a used
 * token, an ended session) and overwrite it; and `check()`, for a value typed before this started.
 */
export function liveValidation(input, list, summary, request, onInvalidToken) {
  let timer;
  let sequence = 0;
  const cancel = () => {
    clearTimeout(timer);
    sequence += 1;
  };
  const check = () => {
    clearTimeout(timer);
    const password = input.value;
    const mine = ++sequence;
    if (password === '') {
      markRules(list, summary, null);
      return;
    }
    timer = setTimeout(async () => {
      const { status, body } = await request(password);
      if (mine !== sequence) return;
      if (status === 200 && body !== null) markRules(list, summary, body.failures);
      else if (status === 403 || status === 401) onInvalidToken?.(body);
    }, 250);
  };
  input.addEventListener('input', check);
  return { cancel, check };
}

/** Toggles the visibility of the password fields. */
export function wireShowPasswords(checkbox, inputs) {
  checkbox.addEventListener('change', () => {
    for (const input of inputs) input.type = checkbox.checked ? 'text' : 'password';
  });
}

/** The failure messages of a policy violation answer. */
export function policyMessages(body) {
  return (body?.details?.failures ?? []).map((failure) => failure.msg);
}

/**
 * Handles `form`'s submits one at a time. While `handler` runs (a request in flight), the button is
 * disabled and reads `busyLabel`, and any further submit, such as Enter pressed twice, is ignored:
 * a second request could only meet the first one's result (a 409 after our own 200).
 */
export function onSubmitOnce(form, busyLabel, handler) {
  const button = form.querySelector('button[type="submit"]');
  const label = button.textContent;
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    button.textContent = busyLabel;
    form.setAttribute('aria-busy', 'true');
    try {
      await handler();
    } finally {
      busy = false;
      button.disabled = false;
      button.textContent = label;
      form.removeAttribute('aria-busy');
    }
  });
}

/** The rules box starts open; on a narrow screen it folds to its one-line summary, so the button stays in view. */
export function foldRulesOnNarrowScreens(details) {
  if (window.matchMedia('(max-width: 40em)').matches) details.open = false;
}
