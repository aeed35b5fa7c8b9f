/*! Tandem loader: a launcher button in a shadow root; the chat itself loads in a cross-origin
 * iframe only when the shopper shows interest (hover, focus, touch, click) or the host calls open.
 * Public API: window.Tandem(command, ...args), usable before this script loads through the queue
 * snippet in the README. No inline styles (constructed style sheets), so strict CSPs work. */
(function (w, d) {
  'use strict';
  var me = d.currentScript;
  if (!me || (w.Tandem && w.Tandem.loaded)) return;
  var ORIGIN = new URL(me.src).origin;
  var attr = function (n) { return me.getAttribute('data-' + n); };
  var cfg = { merchant: attr('merchant'), locale: attr('locale'), label: attr('label') || 'Chat with us', position: attr('position') || 'right', launcher: !me.hasAttribute('data-hide-launcher') };
  var queued = (w.Tandem && w.Tandem.q) || [];
  var on = {}, outbox = [], host, root, btn, badge, panel, frame, ready = false, opened = false, identity = null;

  function emit(name, data) {
    (on[name] || []).slice().forEach(function (fn) { try { fn(data); } catch (e) { setTimeout(function () { throw e; }); } });
  }
  function post(msg) {
    msg.source = 'tandem-host';
    if (ready) frame.contentWindow.postMessage(msg, ORIGIN); else outbox.push(msg);
  }
  function css() {
    var s = new CSSStyleSheet();
    var side = cfg.position === 'left' ? 'left' : 'right';
    s.replaceSync(
      ':host{all:initial!important;display:block!important;position:static!important}' +
      '*{box-sizing:border-box}[hidden]{display:none!important}' +
      '.l{position:fixed;bottom:20px;' + side + ':20px;z-index:2147483000;display:inline-flex!important;align-items:center;gap:8px;min-height:48px;padding:0 20px;border:0;border-radius:24px;background:' + (cfg.accent || '#1f4e79') + ';color:' + (cfg.onAccent || '#fff') + ';font:600 16px/1 system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);visibility:visible!important;opacity:1!important}' +
      '.l:focus-visible{outline:3px solid #000;outline-offset:3px}' +
      '.b{min-width:22px;padding:3px 6px;border-radius:11px;background:#fff;color:#a4161a;font-size:13px}' +
      '.p{position:fixed;bottom:84px;' + side + ':20px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:min(640px,calc(100vh - 110px));border-radius:14px;overflow:hidden;box-shadow:0 8px 30px rgba(0,0,0,.3);background:#fff}' +
      '.p iframe{display:block!important;width:100%!important;height:100%!important;border:0!important;visibility:visible!important}' +
      '@media (max-width:640px){.p{inset:0;width:100%;max-width:none;height:100%;border-radius:0}}' +
      '@media (forced-colors:active){.l{border:2px solid ButtonText}}'
    );
    return s;
  }
  function build() {
    if (host) return;
    host = d.createElement('tandem-widget');
    root = host.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [css()];
    btn = d.createElement('button');
    btn.type = 'button';
    btn.className = 'l';
    btn.setAttribute('aria-expanded', 'false');
    btn.setAttribute('aria-haspopup', 'dialog');
    btn.textContent = cfg.label;
    badge = d.createElement('span');
    badge.className = 'b';
    badge.hidden = true;
    btn.appendChild(badge);
    btn.hidden = !cfg.launcher;
    panel = d.createElement('div');
    panel.className = 'p';
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', cfg.label);
    panel.hidden = true;
    ['pointerenter', 'focus', 'touchstart'].forEach(function (t) { btn.addEventListener(t, load, { once: true, passive: true }); });
    btn.addEventListener('click', toggle);
    root.append(btn, panel);
    d.body.appendChild(host);
  }
  function load() {
    if (frame) return;
    build();
    var q = new URLSearchParams({ merchant: cfg.merchant || '', host: location.origin });
    if (cfg.locale) q.set('locale', cfg.locale);
    frame = d.createElement('iframe');
    if (identity) { q.set('auth', 'pending'); post({ type: 'identify', token: identity }); }
    frame.title = cfg.label;
    frame.src = ORIGIN + '/embed/?' + q;
    panel.appendChild(frame);
  }
  function open() {
    load();
    if (opened) return;
    opened = true;
    panel.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    frame.focus();
    post({ type: 'opened' });
    emit('open');
  }
  function close() {
    if (!opened) return;
    opened = false;
    panel.hidden = true;
    btn.setAttribute('aria-expanded', 'false');
    if (!btn.hidden) btn.focus();
    emit('close');
  }
  function toggle() { if (opened) close(); else open(); }

  w.addEventListener('message', function (e) {
    var m = e.data;
    if (e.origin !== ORIGIN || !frame || e.source !== frame.contentWindow || !m || m.source !== 'tandem') return;
    if (m.type === 'ready') {
      ready = true;
      if (opened) frame.focus();
      outbox.splice(0).forEach(post);
      emit('ready');
    } else if (m.type === 'close') close();
    else if (m.type === 'unread') {
      var n = opened ? 0 : m.count;
      badge.hidden = !n;
      badge.textContent = n;
      emit('unread-count', n);
    } else if (m.type === 'handoff') emit('handoff');
    else if (m.type === 'message') emit('message', m.message);
  });

  function api(cmd, a, b) {
    if (cmd === 'init') { for (var k in a || {}) cfg[k] = a[k]; if (host) { host.remove(); host = frame = null; ready = false; build(); } }
    else if (cmd === 'open') open();
    else if (cmd === 'close') close();
    else if (cmd === 'toggle') toggle();
    else if (cmd === 'on') (on[a] = on[a] || []).push(b);
    else if (cmd === 'off') on[a] = (on[a] || []).filter(function (f) { return f !== b; });
    else if (cmd === 'identify') { identity = a; if (frame) post({ type: 'identify', token: a }); }
    else if (cmd === 'shutdown') { identity = null; close(); if (frame) post({ type: 'shutdown' }); }
  }
  api.loaded = true;
  w.Tandem = api;
  function boot() { build(); queued.forEach(function (args) { api.apply(null, args); }); }
  if (d.body) boot(); else d.addEventListener('DOMContentLoaded', boot);
})(window, document);
