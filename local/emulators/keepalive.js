// Preloaded into the Node emulators (node --require keepalive.js ...):
// their HTTP servers never close an idle kept-alive connection; the
// client closes it (Go's transports after 90 s idle).
//
// Node closes a connection idle for keepAliveTimeout (5 s by default),
// and its timers run before it reads the sockets: when the event loop is
// busy past that moment (a loaded machine; GET /store serialising every
// email of the run), a request the client already sent on the connection
// is answered with a reset. A SendEmail so cut off is, rightly, unknown
// to the product (SES may have taken it), which then waits minutes for
// SES's Send event before sending again: a test on a fixed clock, or one
// that waits seconds for the email, fails. SES itself does not drop a
// request it has received; the emulator should not either.
'use strict';

const http = require('http');

const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (...args) {
  this.keepAliveTimeout = 0; // 0: no keep-alive timeout
  return listen.apply(this, args);
};
