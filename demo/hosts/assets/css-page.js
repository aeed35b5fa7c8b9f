// The aggressive CSS page's own behaviour: a "buy" link that must keep working next to the widget.
document.getElementById('buy').addEventListener('click', function (e) {
  e.preventDefault();
  document.getElementById('bought-state').textContent = 'bought';
});
