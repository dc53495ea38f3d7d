/**
 * The status page's only script (run under the page's CSP nonce; no inline handlers anywhere). It
 * - re-fetches the page every few seconds and swaps in its #status element when it changed, carrying over
 *   what the reader was doing there (typed comments, focus, scroll positions), so there is one renderer;
 * - sends Approve / Reject to the API's own routes (POST /api/runs/{id}/approve|reject with the admin token as
 *   a bearer token: the same route, rate limit and log as the CLI) and shows the answer, whatever it is;
 * - asks for the admin token once, in a dialog, and keeps it for this tab only (sessionStorage, no cookie,
 *   so no other site's request can carry it).
 */
export const TOKEN_KEY = 'hub-retrain.adminToken';

export function statusPageScript(refreshMs: number): string {
  return `
(function () {
  'use strict';
  var TOKEN_KEY = ${JSON.stringify(TOKEN_KEY)};
  var NAME_KEY = 'hub-retrain.decider';
  var memory = {};
  var pending = {};
  var lastHtml = document.getElementById('status') ? document.getElementById('status').innerHTML : '';
  var timer = null;
  var afterToken = null;

  function storage() { try { return window.sessionStorage; } catch (e) { return null; } }
  function get(key) { var s = storage(); return s ? s.getItem(key) : (memory[key] || null); }
  function put(key, value) {
    var s = storage();
    if (s) { if (value === null) s.removeItem(key); else s.setItem(key, value); } else memory[key] = value;
  }
  function byId(id) { return document.getElementById(id); }

  // ---- keeping the page current ----
  function swap(current, next) {
    var doc = next.ownerDocument;
    current.querySelectorAll('textarea[id], input[id]').forEach(function (el) {
      var twin = doc.getElementById(el.id);
      if (twin) twin.value = el.value;
    });
    current.querySelectorAll('details[id]').forEach(function (el) {
      var twin = doc.getElementById(el.id);
      if (twin) twin.open = el.open;
    });
    var scrolls = [];
    current.querySelectorAll('.scroll[id]').forEach(function (el) { scrolls.push([el.id, el.scrollTop]); });
    var focused = document.activeElement && current.contains(document.activeElement) ? document.activeElement.id : '';
    current.replaceWith(next);
    scrolls.forEach(function (s) { var el = byId(s[0]); if (el) el.scrollTop = s[1]; });
    Object.keys(pending).forEach(markPending);
    if (focused && byId(focused)) byId(focused).focus({ preventScroll: true });
  }

  function refresh() {
    timer = null;
    fetch(location.pathname, { cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        // Only the main element: parsing the page's own style and script elements (another nonce) is refused.
        var main = html.slice(html.indexOf('<main'), html.indexOf('</main>') + 7);
        var next = new DOMParser().parseFromString(main, 'text/html').getElementById('status');
        var current = byId('status');
        if (!next || !current || next.innerHTML === lastHtml) return;
        lastHtml = next.innerHTML;
        swap(current, next);
      })
      .catch(function () {})
      .then(function () { if (timer === null) timer = setTimeout(refresh, ${refreshMs}); });
  }
  function refreshSoon() {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(refresh, 0);
  }

  // ---- the admin token, for this tab only ----
  function showTokenState() {
    var state = byId('token-state');
    var forget = byId('token-forget');
    if (!state || !forget) return;
    var kept = get(TOKEN_KEY) !== null;
    state.textContent = kept
      ? 'Admin token: kept for this tab.'
      : 'Admin token: asked for on your first decision, then kept for this tab only (no cookie).';
    forget.hidden = !kept;
  }

  function withToken(then) {
    var token = get(TOKEN_KEY);
    if (token) return then(token);
    var dialog = byId('token-dialog');
    afterToken = then;
    byId('token-input').value = '';
    dialog.showModal();
    byId('token-input').focus();
  }

  function onTokenSubmit(event) {
    event.preventDefault();
    var token = byId('token-input').value.trim();
    if (!token) return;
    put(TOKEN_KEY, token);
    var then = afterToken;
    afterToken = null;
    byId('token-dialog').close();
    showTokenState();
    if (then) then(token);
  }

  function onTokenClosed() {
    if (afterToken) say('error', 'Nothing was sent: no admin token was given.');
    afterToken = null;
  }

  // ---- deciding ----
  function say(kind, message) {
    var out = byId('decision-result');
    if (!out) return;
    out.className = 'answer answer-' + kind;
    out.textContent = (kind === 'ok' ? '\\u2714 ' : kind === 'error' ? '\\u2716 ' : '\\u2026 ') + message;
  }

  function markPending(workflowId) {
    document.querySelectorAll('button[data-decide]').forEach(function (b) {
      if (b.getAttribute('data-workflow-id') !== workflowId) return;
      b.disabled = true;
      b.setAttribute('aria-busy', 'true');
    });
  }

  function report(action, workflowId, res, answer) {
    var what = (action === 'approve' ? 'Approve ' : 'Reject ') + workflowId + ': HTTP ' + res.status + ', ';
    if (res.ok) {
      var comment = byId('comment-' + workflowId);
      if (comment) comment.value = '';
      return say('ok', what + (answer.message || 'accepted'));
    }
    var error = answer.error || res.statusText || 'failed';
    if (res.status === 401 || (res.status === 403 && !/disabled/.test(error))) {
      put(TOKEN_KEY, null);
      showTokenState();
      error += ' (the token was forgotten: the next decision asks for it again)';
    }
    var wait = res.headers.get('retry-after');
    if (res.status === 429 && wait) error += ' (try again in ' + wait + ' s)';
    say('error', what + error);
  }

  /** POSTs JSON to a write route of the API with the admin token; \`then(res, answer)\` gets the answer, whatever it is. */
  function postJson(path, token, body, then) {
    return fetch(path, {
      method: 'POST',
      credentials: 'omit',
      cache: 'no-store',
      headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body)
    })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (answer) { return then(res, answer); });
      }, function (err) { say('error', 'The receiver could not be reached: ' + err.message); });
  }

  function decide(action, workflowId) {
    withToken(function (token) {
      var body = {};
      var name = byId('decider');
      var comment = byId('comment-' + workflowId);
      if (name && name.value.trim()) body.by = name.value.trim().slice(0, 100);
      if (comment && comment.value.trim()) body.comment = comment.value.trim().slice(0, 2000);
      pending[workflowId] = true;
      markPending(workflowId);
      say('pending', (action === 'approve' ? 'Approving ' : 'Rejecting ') + workflowId);
      postJson('/api/runs/' + encodeURIComponent(workflowId) + '/' + action, token, body, function (res, answer) {
        report(action, workflowId, res, answer);
      })
        .then(function () {
          delete pending[workflowId];
          document.querySelectorAll('button[data-decide][aria-busy]').forEach(function (b) {
            if (b.getAttribute('data-workflow-id') !== workflowId) return;
            b.removeAttribute('aria-busy');
            b.disabled = false;
          });
          refreshSoon();
        });
    });
  }

  // ---- rolling back (the pipeline's serving panel) ----
  function rollBack(button) {
    var pipeline = button.getAttribute('data-rollback');
    withToken(function (token) {
      var body = {};
      var name = byId('decider');
      if (name && name.value.trim()) body.by = name.value.trim().slice(0, 100);
      button.disabled = true;
      say('pending', 'Rolling back ' + pipeline);
      postJson('/api/pipelines/' + encodeURIComponent(pipeline) + '/rollback', token, body, function (res, answer) {
        if (res.ok) return say('ok', 'Roll-back of ' + pipeline + ' started: ' + answer.workflowId);
        if (res.status === 401 || (res.status === 403 && !/disabled/.test(answer.error || ''))) put(TOKEN_KEY, null);
        say('error', 'Roll back ' + pipeline + ': HTTP ' + res.status + ', ' + (answer.error || res.statusText));
      })
        .then(function () { button.disabled = false; refreshSoon(); });
    });
  }

  document.addEventListener('click', function (event) {
    var rollback = event.target instanceof Element ? event.target.closest('button[data-rollback]') : null;
    if (rollback && !rollback.disabled) return rollBack(rollback);
    var button = event.target instanceof Element ? event.target.closest('button[data-decide]') : null;
    if (!button || button.disabled) return;
    decide(button.getAttribute('data-decide'), button.getAttribute('data-workflow-id'));
  });
  var form = byId('token-form');
  if (form) form.addEventListener('submit', onTokenSubmit);
  var cancel = byId('token-cancel');
  if (cancel) cancel.addEventListener('click', function () { byId('token-dialog').close(); });
  var dialog = byId('token-dialog');
  if (dialog) dialog.addEventListener('close', onTokenClosed);
  var forget = byId('token-forget');
  if (forget) forget.addEventListener('click', function () { put(TOKEN_KEY, null); showTokenState(); say('ok', 'The admin token was forgotten.'); });
  var name = byId('decider');
  if (name) {
    name.value = get(NAME_KEY) || '';
    name.addEventListener('input', function () { put(NAME_KEY, name.value); });
  }
  showTokenState();
  timer = setTimeout(refresh, ${refreshMs});
})();
`;
}
