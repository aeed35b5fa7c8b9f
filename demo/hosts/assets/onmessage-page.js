// A page with a sloppy message handler of its own (it throws on anything it does not expect) and
// globals named like the widget's: an unrelated `Tandem` object (which even claims to be loaded),
// `tandem`, `TandemWidget`, and top-level functions named like the loader's internals.
window.hostMessages = [];
window.onmessage = function (e) {
  if (!e.data || e.data.app !== 'host') throw new Error('host page: unexpected message');
  window.hostMessages.push(e.data.n);
};
window.Tandem = { loaded: true, q: 'not a queue', version: 'host-3.1' };
window.tandem = { open: function () { return 'host open'; } };
window.TandemWidget = function () { return 'host widget'; };
function open() { return 'host open()'; }
function close() { return 'host close()'; }
function toggle() { return 'host toggle()'; }
var on = 'host on', api = 'host api', frame = 'host frame', ready = 'host ready';
