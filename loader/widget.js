// A launcher in a shadow root at the top layer (a manual popover: above any z-index, untouched by
// the page's CSS), and the chat in a cross-origin iframe created only when the shopper shows
// interest (hover, focus, touch, click) or the host calls `open`. Public API: window.Tandem(command,
// ...args), usable before this script arrives through the queue snippet in the README. The theme
// (colours, position, label) comes from the merchant's configuration on the server, checked there
// for contrast; `init` and data attributes may override the label, position and locale.
// No inline styles (constructed style sheets), no document-level listeners but `message`, no history
// entries (a new iframe per load, never a changed src), so strict CSPs and single-page apps work.
// At home on any page: the page's CSS `zoom` is undone on the widget (it keeps its own size), the
// panel is sized from its containing block (the viewport), never from viewport units (which zoom
// multiplies), and it hangs off <html> in the top layer, where no transformed ancestor moves it.
// Budget: 1,600 B brotli once minified (scripts/build.sh, scripts/size-report.mjs); measure changes.
((w, d) => {
  const me = d.currentScript, T = w.Tandem, html = d.documentElement;
  // Loaded twice: keep the first. Any other global named Tandem is the page's; we take the name.
  if (!me || T?._tandem) return;
  const ORIGIN = new URL(me.src).origin;
  const make = (tag, cls) => Object.assign(d.createElement(tag), { className: cls, hidden: 1 });
  // Explicit settings (data attributes, then `init`) win over the server's theme.
  const cfg = { ...me.dataset, launcher: !('hideLauncher' in me.dataset) };
  const on = {};
  const host = d.createElement('tandem-widget');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  const btn = make('button', 'l');
  const badge = make('span', 'b');
  const panel = make('div', 'p');
  // Unread: the widget counts replies from others until it is told the panel opened; `last` is its
  // latest count, `base` that count when the panel was last closed, `shown` what the badge says.
  // What the frame is told once it is ready: `bye` (shutdown), the identity, that it is open.
  let theme = {}, frame, ready, opened, identity, themed, bye, last = 0, base = 0, shown = 0, back;

  const emit = (name, data) => on[name]?.slice().forEach((fn) => { try { fn(data); } catch (e) { reportError(e); } });
  const post = (type, token) => ready && frame.contentWindow.postMessage({ source: 'tandem-host', type, token }, ORIGIN);
  const label = () => cfg.label || theme.launcher_label || 'Chat with us';
  // Draws (or redraws) the launcher from the settings and the theme.
  const paint = () => {
    const side = (cfg.position || theme.position) == 'left' ? 'left' : 'right';
    sheet.replaceSync(
      // `all` in the shadow's !important beats the page's rules, even !important ones, on the host;
      // `zoom` undoes the page's (zooms multiply down the tree, and `all` cannot reset that).
      ':host{all:initial!important;position:fixed!important;z-index:9999999999!important;zoom:' + 1 / (html.currentCSSZoom || 1) + '!important}[hidden]{display:none!important}' +
      '.l{position:fixed;bottom:calc(20px + env(safe-area-inset-bottom));' + side + ':calc(20px + env(safe-area-inset-' + side + '));display:flex;align-items:center;gap:8px;padding:14px 20px;border:2px solid #0000;border-radius:24px;background:' +
      // The server sends colours only as #rrggbb (merchants.rs normalises them on the way in and out).
      (theme.accent || '#1f4e79') + ';color:' + (theme.on_accent || '#fff') + ';font:600 16px/1 system-ui;cursor:pointer;box-shadow:0 4px 14px #0004}' +
      // The transparent border shows in forced-colours mode; the focus ring shows on any page.
      '.l:focus-visible{outline:3px solid #000;box-shadow:0 0 0 6px #fff}' +
      '.b{padding:3px 6px;border-radius:24px;background:#fff;color:#a4161a}' +
      // Full screen on phones; on wider screens a box sized in percentages of the viewport (its
      // containing block), not in vh/vw, which the page's zoom would multiply.
      '.p{position:fixed;inset:0;display:flex;overflow:hidden;background:#fff;padding:env(safe-area-inset-top) env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left)}' +
      'iframe{flex:1;border:0}' +
      '@media(width>640px){.p{inset:auto;bottom:84px;' + side + ':20px;width:min(380px,100% - 40px);height:min(640px,100% - 104px);border-radius:14px;box-shadow:0 4px 14px #0004}}'
    );
    btn.firstChild.data = panel.ariaLabel = label();
    btn.hidden = !cfg.launcher || !themed;
  };
  // Fetches the merchant's public theme (tiny, cacheable); the launcher shows once it is known or
  // has failed (blocked by a CSP without our connect-src, offline), at most 3 s later.
  const configure = () => {
    const id = cfg.merchant, done = (c) => id == cfg.merchant && paint(themed = 1, theme = c?.theme || theme);
    themed = !id;
    setTimeout(done, 3000);
    // Cross-origin: no cookies go with it. The id is the page's own setting, used as it is.
    id && fetch(ORIGIN + '/v1/merchants/' + id + '/config')
      .then((r) => r.json())
      .then(done, done);
  };
  const load = () => {
    if (frame) return;
    frame = d.createElement('iframe');
    frame.title = label();
    // The src is set before the iframe is attached: no history entry in the host's session history.
    // The page's language is the shopper's choice; the widget falls back to the browser's (it
    // takes an empty parameter for none).
    frame.src = ORIGIN + '/embed/?' + new URLSearchParams({ merchant: cfg.merchant || '', host: location.origin, locale: cfg.locale || html.lang, auth: identity ? 'pending' : '' });
    panel.append(frame);
  };
  const unread = (n) => {
    if (n == shown) return;
    badge.hidden = !(badge.textContent = shown = n);
    emit('unread-count', n);
  };
  // Opens (o truthy) or closes the panel; nothing when it already is so.
  const show = (o) => {
    o && load();
    if (!opened == !o) return;
    panel.hidden = !(opened = o);
    btn.ariaExpanded = !!o;
    if (o) {
      back = d.activeElement;
      // The page may have changed its zoom since the launcher was drawn.
      paint();
      unread(0);
      frame.focus();
      post('opened');
    } else {
      base = last;
      // Focus goes back to the launcher, or to whatever opened the chat (the merchant's own button).
      (btn.hidden ? back : btn)?.focus?.();
    }
    emit(o ? 'open' : 'close');
  };
  const toggle = () => show(!opened);
  // Forgets the iframe (a new merchant or locale, or a shutdown done): the next load makes a fresh one.
  const reset = () => {
    if (!frame) return;
    frame.remove();
    frame = ready = bye = 0;
    unread(last = base = 0);
    opened && load();
  };

  w.addEventListener('message', (e) => {
    const m = e.data, t = m?.type;
    if (!frame || e.source != frame.contentWindow || e.origin != ORIGIN || m.source != 'tandem') return;
    if (t == 'ready') {
      ready = 1;
      bye && post('shutdown');
      identity && post('identify', identity);
      // Focusing the iframe element while it was still loading can leave the keyboard with the
      // old, blank document; focusing the chat's own window routes keys to it for certain.
      opened && frame.contentWindow.focus(post('opened'));
    }
    if (t == 'close') show(0);
    // Its count (`last`) is kept while open too, for `base` at the next close.
    else if (t == 'unread') unread(Math.max(0, (last = m.count) - base) * !opened);
    // The widget forgot the session (shutdown): the next look at the chat starts a fresh one.
    else if (t == 'reset') reset();
    // ready, handoff, identity-expired, message: who wrote, never what.
    else emit(t, m.author && { author: m.author });
  });

  const commands = {
    init(a) {
      const was = cfg.merchant + ' ' + cfg.locale;
      Object.assign(cfg, a);
      if (cfg.merchant + ' ' + cfg.locale != was) { if (a?.merchant) { theme = {}; configure(); } reset(); }
      paint();
    },
    open: () => show(1),
    close: () => show(0),
    toggle,
    on(a, b) { if (typeof b == 'function') { (on[a] ||= []).push(b); a == 'ready' && ready && b(); } },
    off(a, b) { on[a] = on[a]?.filter((f) => f != b); },
    identify(a) { post('identify', identity = a); },
    // Logout even before the chat was opened in this page view: the widget, on its own origin, is
    // the only one that can forget its stored session, so it is loaded to do so.
    shutdown() { identity = 0; show(0); load(); bye = 1; post('shutdown'); },
  };
  const api = (cmd, ...args) => commands[cmd]?.(...args);
  api._tandem = 1;
  w.Tandem = api;
  root.adoptedStyleSheets = [sheet];
  btn.ariaExpanded = false;
  btn.ariaHasPopup = 'dialog';
  btn.append('', badge);
  panel.role = 'dialog';
  // Interest: a pointer over it (a touch brings pointerenter too) or focus loads the chat.
  btn.onpointerenter = btn.onfocus = load;
  btn.onclick = toggle;
  root.append(btn, panel);
  // On <html>, not <body>: routers that replace the body (or its content) leave the widget alone.
  html.append(host);
  // Without a top layer (no popover support), z-index it is.
  host.popover = 'manual';
  host.showPopover?.();
  configure();
  paint();
  T?.q?.map?.((args) => api(...args));
})(window, document);
