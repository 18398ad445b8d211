/**
 * Plain HTTP's answer when `http.redirectToHttps` is on (the image): a 308 Permanent Redirect
 * (RFC 9110 §15.4.9: the method and body are kept, so a POST is repeated as a POST) to the same
 * path and query on the HTTPS port, at the host name the client asked for. `/healthz` stays plain
 * for probes, and until HTTPS listens a request is served as it is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** A DNS name or an IP literal, with an optional port: what may go back into a Location header. */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function hostOf(req: IncomingMessage): string {
  const asked = req.headers.host;
  if (asked && HOST.test(asked)) return asked.replace(/:\d+$/, '');
  // No usable Host header (HTTP/1.0, or junk): the address the client reached.
  const local = req.socket.localAddress ?? '127.0.0.1';
  return local.includes(':') ? `[${local}]` : local;
}

export function httpsRedirect(serve: RequestHandler, httpsPort: () => number | null, exempt: readonly string[] = ['/healthz']): RequestHandler {
  return (req, res) => {
    const port = httpsPort();
    if (port === null || exempt.includes((req.url ?? '/').split('?')[0]!)) {
      serve(req, res);
      return;
    }
    res.writeHead(308, { location: `https://${hostOf(req)}:${port}${req.url ?? '/'}`, 'content-length': '0' });
    res.end();
  };
}
