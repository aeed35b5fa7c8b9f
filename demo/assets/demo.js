// The demo merchant's own script: the Tandem queue snippet (so commands work before the loader
// arrives), and a pretend login that asks the provider (the demo endpoint) for an identity token.
// ?lang=xx sets the page's language (the widget and the assistant follow it); ?anonymous=1 skips
// the login.
window.Tandem = window.Tandem || function () { (window.Tandem.q = window.Tandem.q || []).push(arguments); };
(function () {
  var params = new URLSearchParams(location.search);
  // Any short tag, also malformed ones (en_US, xx-invalid): the widget must cope with what real pages say.
  if (/^[A-Za-z0-9_-]{1,35}$/.test(params.get('lang') || '')) document.documentElement.lang = params.get('lang');
  var status = function (t) { var el = document.getElementById('signed-in-as'); if (el) el.textContent = t; };
  if (params.get('anonymous') === '1') {
    document.addEventListener('DOMContentLoaded', function () { status('Browsing without signing in.'); });
  } else {
    fetch('/demo/identity-token', { method: 'POST' })
      .then(function (r) { return r.json(); })
      .then(function (body) { window.Tandem('identify', body.token); status('Signed in as Alex Morgan (demo shopper).'); })
      .catch(function () { status('Could not sign in; the chat works anonymously.'); });
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('open-help').addEventListener('click', function () { window.Tandem('open'); });
    document.getElementById('sign-out').addEventListener('click', function () {
      // Logout: the widget forgets the session before the page moves on.
      window.Tandem('shutdown');
      setTimeout(function () { location.search = '?anonymous=1'; }, 1500);
    });
  });
})();
