// Runs right after the loader, in <head>: with early=1, opens the chat before <body> exists.
if (new URLSearchParams(location.search).get('early') === '1') {
  window.bodyAtEarlyOpen = !!document.body;
  window.Tandem('open');
}
