/*! Tandem loader */
// A launcher in a shadow root at the top layer (a manual popover: above any z-index, untouched by
// the page's CSS), and the chat in a cross-origin iframe created only when the shopper shows
// interest (hover, focus, touch, click) or the host calls `open`. Public API: window.Tandem(command,
// ...args), usable before this script arrives through the queue snippet in the README. The theme
// (colours, position, label) comes from the merchant's configuration on the server, checked there
// for contrast; `init` and data attributes may override the label, position and locale.
// No inline styles (constructed style sheets), no document-level listeners but `message`, no history
// entries (a new iframe per load, never a changed src), so strict CSPs and single-page apps work.
(function (w, d) {
  'use strict';
  var me = d.currentScript;
  var T = w.Tandem;
  // Loaded twice: keep the first. Any other global named Tandem is the page's; we take the name.
  if (!me || (T && T._tandem)) return;
  var ORIGIN = new URL(me.src).origin;
  var HEX = /^#[0-9a-f]{6}$/i;
  var attr = function (n) { return me.getAttribute('data-' + n); };
  // Explicit settings (data attributes, then `init`) win over the server's theme.
  var cfg = { merchant: attr('merchant'), locale: attr('locale'), label: attr('label'), position: attr('position'), launcher: !me.hasAttribute('data-hide-launcher') };
  var theme = {};
  // Unread: the widget counts replies from others until it is told the panel opened; `last` is its
  // latest count, `base` that count when the panel was last closed, `shown` what the badge says.
  var on = {}, outbox = [], host, sheet, btn, badge, panel, frame, ready, opened, identity, themed, last = 0, base = 0, shown = 0, back;

  function emit(name, data) {
    (on[name] || []).slice().forEach(function (fn) { try { fn(data); } catch (e) { setTimeout(function () { throw e; }); } });
  }
  function post(msg) {
    msg.source = 'tandem-host';
    if (ready) frame.contentWindow.postMessage(msg, ORIGIN); else outbox.push(msg);
  }
  function label() { return cfg.label || theme.launcher_label || 'Chat with us'; }
  // Draws (or redraws) the launcher from the settings and the theme.
  function paint() {
    var side = (cfg.position || theme.position) === 'left' ? 'left' : 'right';
    var bg = HEX.test(theme.accent) ? theme.accent : '#1f4e79';
    var fg = HEX.test(theme.on_accent) ? theme.on_accent : '#fff';
    var sa = 'env(safe-area-inset-';
    sheet.replaceSync(
      // `all` in the shadow's !important beats the page's rules, even !important ones, on the host.
      ':host{all:initial!important;position:fixed!important;width:0!important;height:0!important}*{box-sizing:border-box}[hidden]{display:none!important}' +
      '.l{position:fixed;bottom:calc(20px + ' + sa + 'bottom,0px));' + side + ':calc(20px + ' + sa + side + ',0px));z-index:2147483000;display:flex;align-items:center;gap:8px;min-height:48px;padding:0 20px;border:0;border-radius:24px;background:' + bg + ';color:' + fg + ';font:600 16px/1 system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}' +
      '.l:focus-visible{outline:3px solid #000;outline-offset:3px;box-shadow:0 0 0 6px #fff}' +
      '.b{min-width:22px;padding:3px 6px;border-radius:11px;background:#fff;color:#a4161a;font-size:13px}' +
      '.p{position:fixed;bottom:84px;' + side + ':20px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:min(640px,calc(100vh - 110px));border-radius:14px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}' +
      '.p iframe{display:block;width:100%;height:100%;border:0}' +
      '@media (max-width:640px){.p{inset:0;width:auto;max-width:none;height:auto;border-radius:0;padding:' + sa + 'top,0) ' + sa + 'right,0) ' + sa + 'bottom,0) ' + sa + 'left,0)}}' +
      '@media (forced-colors:active){.l{border:2px solid ButtonText}}'
    );
    btn.firstChild.data = label();
    panel.setAttribute('aria-label', label());
    btn.hidden = !cfg.launcher || !themed;
  }
  function build() {
    if (host) return;
    host = d.createElement('tandem-widget');
    var root = host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [sheet = new CSSStyleSheet()];
    btn = d.createElement('button');
    btn.type = 'button';
    btn.className = 'l';
    btn.setAttribute('aria-expanded', 'false');
    btn.setAttribute('aria-haspopup', 'dialog');
    btn.append('', badge = d.createElement('span'));
    badge.className = 'b';
    badge.hidden = true;
    panel = d.createElement('div');
    panel.className = 'p';
    panel.setAttribute('role', 'dialog');
    panel.hidden = true;
    ['pointerenter', 'focus', 'touchstart'].forEach(function (t) { btn.addEventListener(t, load, { once: true, passive: true }); });
    btn.addEventListener('click', toggle);
    root.append(btn, panel);
    // On <html>, not <body>: routers that replace the body (or its content) leave the widget alone.
    d.documentElement.appendChild(host);
    try { host.popover = 'manual'; host.showPopover(); } catch (e) { /* no top layer: z-index it is */ }
    paint();
  }
  // Fetches the merchant's public theme (tiny, cacheable); the launcher shows once it is known or
  // has failed (blocked by a CSP without our connect-src, offline), at most 3 s later.
  function configure() {
    var id = cfg.merchant, done = function () { if (id === cfg.merchant) { themed = 1; if (host) paint(); } };
    themed = !id;
    setTimeout(done, 3000);
    if (id) fetch(ORIGIN + '/v1/merchants/' + encodeURIComponent(id) + '/config', { credentials: 'omit' })
      .then(function (r) { return r.json(); })
      .then(function (c) { if (id === cfg.merchant && c.theme) theme = c.theme; })
      .then(done, done);
  }
  function load() {
    if (frame) return;
    build();
    var q = new URLSearchParams({ merchant: cfg.merchant || '', host: location.origin });
    // The page's language is the shopper's choice; the widget falls back to the browser's.
    var loc = cfg.locale || d.documentElement.lang;
    if (loc) q.set('locale', loc);
    frame = d.createElement('iframe');
    if (identity) { q.set('auth', 'pending'); post({ type: 'identify', token: identity }); }
    frame.title = label();
    // The src is set before the iframe is attached: no history entry in the host's session history.
    frame.src = ORIGIN + '/embed/?' + q;
    panel.appendChild(frame);
  }
  function unread(n) {
    if (n === shown) return;
    shown = n;
    badge.hidden = !n;
    badge.textContent = n;
    emit('unread-count', n);
  }
  function open() {
    load();
    if (opened) return;
    opened = 1;
    back = d.activeElement;
    panel.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    base = 0;
    unread(0);
    frame.focus();
    if (ready) post({ type: 'opened' });
    emit('open');
  }
  function close() {
    if (!opened) return;
    opened = 0;
    base = last;
    panel.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
    // Focus goes back to the launcher, or to whatever opened the chat (the merchant's own button).
    var f = btn.hidden ? back : btn;
    if (f && f.focus) f.focus();
    emit('close');
  }
  function toggle() { if (opened) close(); else open(); }
  // Forgets the iframe (a new merchant or locale): the next load makes a fresh one.
  function reset() {
    if (!frame) return;
    frame.remove();
    frame = ready = 0;
    outbox = [];
    last = base = 0;
    unread(0);
    if (opened) load();
  }

  w.addEventListener('message', function (e) {
    var m = e.data;
    if (!frame || e.source !== frame.contentWindow || e.origin !== ORIGIN || !m || m.source !== 'tandem') return;
    if (m.type === 'ready') {
      ready = 1;
      // Focusing the iframe element while it was still loading can leave the keyboard with the
      // old, blank document; focusing the chat's own window routes keys to it for certain.
      if (opened) { frame.contentWindow.focus(); post({ type: 'opened' }); }
      outbox.splice(0).forEach(post);
      emit('ready');
    } else if (m.type === 'close') close();
    else if (m.type === 'unread') {
      last = m.count >>> 0;
      unread(opened ? 0 : Math.max(0, last - base));
    } else if (m.type === 'handoff' || m.type === 'identity-expired') emit(m.type);
    // Who wrote, never what: no merchant script reads the conversation.
    else if (m.type === 'message') emit('message', { author: m.author });
    // The widget forgot the session (shutdown): the next look at the chat starts a fresh one.
    else if (m.type === 'reset') reset();
  });

  function api(cmd, a, b) {
    if (cmd === 'init') {
      a = a || {};
      var was = cfg.merchant + ' ' + cfg.locale;
      ['merchant', 'locale', 'label', 'position', 'launcher'].forEach(function (k) { if (k in a) cfg[k] = a[k]; });
      if (cfg.merchant + ' ' + cfg.locale !== was) { if (a.merchant) { theme = {}; configure(); } reset(); }
      paint();
    } else if (cmd === 'open') open();
    else if (cmd === 'close') close();
    else if (cmd === 'toggle') toggle();
    else if (cmd === 'on') { if (typeof b === 'function') { (on[a] = on[a] || []).push(b); if (a === 'ready' && ready) b(); } }
    else if (cmd === 'off') on[a] = (on[a] || []).filter(function (f) { return f !== b; });
    else if (cmd === 'identify') { identity = a; if (frame) post({ type: 'identify', token: a }); }
    // Logout even before the chat was opened in this page view: the widget, on its own origin, is
    // the only one that can forget its stored session, so it is loaded to do so.
    else if (cmd === 'shutdown') { identity = null; close(); load(); post({ type: 'shutdown' }); }
  }
  var queued = T && Array.isArray(T.q) ? T.q.slice() : [];
  api._tandem = 1;
  w.Tandem = api;
  configure();
  build();
  queued.splice(0).forEach(function (args) { api.apply(null, args); });
})(window, document);
