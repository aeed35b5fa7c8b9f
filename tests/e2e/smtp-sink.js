// A local SMTP sink for the end-to-end tests: speaks enough real SMTP for the server's mailer
// (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), decodes each message's body (7bit, quoted-printable,
// base64) and subject, and serves what it received as JSON on `GET /mails` (HTTP_PORT).
// Started by playwright.config.js next to the server; required by specs for its ports.
const net = require('node:net');
const http = require('node:http');

// 8095 (SMTP) and 8096 (HTTP): apart from the e2e server (8099) and the failover cluster (8097).
const SMTP_PORT = Number(process.env.TANDEM_E2E_SMTP_PORT || 8095);
const HTTP_PORT = SMTP_PORT + 1;

function decodeWord(s) {
  // RFC 2047 encoded words in headers: =?utf-8?b?...?= or =?utf-8?q?...?=
  return s.replace(/=\?[^?]+\?([bBqQ])\?([^?]*)\?=\s*/g, (_, enc, text) =>
    enc.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function parse(from, to, lines) {
  const split = lines.indexOf('');
  const headers = {};
  let last = null;
  for (const l of lines.slice(0, split)) {
    if (/^[ \t]/.test(l) && last) headers[last] += ' ' + l.trim();
    else {
      const i = l.indexOf(':');
      last = l.slice(0, i).trim().toLowerCase();
      headers[last] = l.slice(i + 1).trim();
    }
  }
  const raw = lines.slice(split + 1);
  const encoding = (headers['content-transfer-encoding'] || '').toLowerCase();
  let body;
  if (encoding === 'base64') body = Buffer.from(raw.join(''), 'base64').toString('utf8');
  else if (encoding === 'quoted-printable') {
    const joined = raw.map((l) => (l.endsWith('=') ? l.slice(0, -1) : l + '\n')).join('');
    body = Buffer.from(joined.replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  } else body = raw.join('\n');
  return { from, to, subject: decodeWord(headers.subject || ''), body: body.replace(/\r/g, '') };
}

function start() {
  const mails = [];
  net.createServer((socket) => {
    let buffer = '';
    let data = null;
    let from = '';
    let to = [];
    const say = (s) => socket.write(s + '\r\n');
    say('220 sink.test ESMTP');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (data) {
          if (line === '.') {
            mails.push(parse(from, to, data));
            data = null;
            say('250 queued');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const cmd = line.toUpperCase();
        const addr = () => line.slice(line.indexOf(':') + 1).trim().replace(/^<|>.*$/g, '');
        if (cmd.startsWith('EHLO')) say('250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8');
        else if (cmd.startsWith('MAIL FROM:')) { from = addr(); to = []; say('250 ok'); }
        else if (cmd.startsWith('RCPT TO:')) { to.push(addr()); say('250 ok'); }
        else if (cmd === 'DATA') { data = []; say('354 go ahead'); }
        else if (cmd.startsWith('QUIT')) { say('221 bye'); socket.end(); }
        else if (cmd.startsWith('HELO') || cmd.startsWith('NOOP') || cmd.startsWith('RSET')) say('250 ok');
        else say('502 not implemented');
      }
    });
    socket.on('error', () => {});
  }).listen(SMTP_PORT, '127.0.0.1');
  http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/mails' ? mails : { smtp: SMTP_PORT }));
  }).listen(HTTP_PORT, '127.0.0.1');
}

if (require.main === module) start();

module.exports = { SMTP_PORT, HTTP_PORT };
