// The host-API fixture's own script. Query parameters pick what the page does:
// hide=1 (own button only), lang=xx (page language), merchant=id (init with another merchant),
// early=1 (open before <body> exists, see api-early.js). Every widget event is recorded in
// window.events as [name, data].
window.Tandem = window.Tandem || function () { (window.Tandem.q = window.Tandem.q || []).push(arguments); };
(function () {
  var params = new URLSearchParams(location.search);
  if (params.get('lang')) document.documentElement.lang = params.get('lang');
  window.events = [];
  ['ready', 'open', 'close', 'unread-count', 'handoff', 'message', 'identity-expired'].forEach(function (name) {
    window.Tandem('on', name, function (data) { window.events.push([name, data === undefined ? null : data]); });
  });
  window.Tandem('on', 'unread-count', function (n) { var c = document.getElementById('my-count'); if (c) c.textContent = n; });
  if (params.get('hide') === '1') window.Tandem('init', { launcher: false });
  if (params.get('merchant')) window.Tandem('init', { merchant: params.get('merchant') });
  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('my-help').addEventListener('click', function () { window.Tandem('toggle'); });
  });
})();
