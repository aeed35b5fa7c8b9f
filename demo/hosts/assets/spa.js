// A single-page app with its own router: it intercepts every click on a link anywhere in the
// document, pushes history entries, answers popstate, and re-renders by replacing everything in
// <body> (as some frameworks and Turbo-style routers do).
(function () {
  var base = '/demo/hosts/spa';
  var routes = { '': 'Home', orders: 'Your orders', jackets: 'Jackets' };
  window.spa = { navigations: 0, renders: 0, foreignClicks: 0 };
  function route() { return location.pathname.slice(base.length).replace(/^\//, ''); }
  function render() {
    var name = route();
    var main = document.createElement('main');
    var nav = document.createElement('nav');
    Object.keys(routes).forEach(function (r) {
      var a = document.createElement('a');
      a.href = base + (r ? '/' + r : '');
      a.id = 'link-' + (r || 'home');
      a.textContent = routes[r];
      nav.appendChild(a);
    });
    var h1 = document.createElement('h1');
    h1.id = 'route-title';
    h1.textContent = routes[name] || 'Not found';
    main.append(nav, h1);
    document.body.replaceChildren(main);
    window.spa.renders++;
  }
  document.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[href]');
    if (!a) { window.spa.foreignClicks++; return; }
    if (e.defaultPrevented || a.origin !== location.origin) return;
    e.preventDefault();
    history.pushState({ spa: true }, '', a.pathname);
    window.spa.navigations++;
    render();
  });
  window.addEventListener('popstate', render);
  render();
})();
