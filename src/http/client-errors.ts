import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../core/errors.js';
import { newRequestId } from '../lib/ids.js';
import { ERROR_STATUS } from './errors.js';
import type { ErrorBody } from './responses.js';

/** Node's HTTP parser errors (llhttp's codes) that say which part of the request is bad. */
const PARSER_ERRORS: Record<string, string> = {
  HPE_INVALID_METHOD: 'method: is not a valid HTTP method (methods are upper case)',
  HPE_INVALID_URL: 'url: is not a valid request target',
  HPE_INVALID_VERSION: 'request: is not HTTP/1.0 or HTTP/1.1',
  HPE_INVALID_HEADER_TOKEN: 'headers: a header name or value holds a forbidden character, or a folded line',
  HPE_INVALID_CONTENT_LENGTH: 'headers: Content-Length is not valid',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'headers: Content-Length is not allowed with Transfer-Encoding',
  HPE_INVALID_TRANSFER_ENCODING: 'headers: Transfer-Encoding is not valid',
  HPE_INVALID_CHUNK_SIZE: 'body: a chunk size is not valid',
};

/** The answer to a request the parser refused, or that did not arrive in time. */
function answerTo(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): [ErrorCode, string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return ['REQUEST_TIMEOUT', 'The request did not arrive in time'];
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    // Node counts the request line toward its header limit: a first line that fills the limit alone is a URL too long.
    const lineEnd = error.rawPacket?.indexOf('\r\n') ?? 0;
    return lineEnd === -1 || lineEnd >= maxHeaderSize ? ['URI_TOO_LONG', 'url: is too long'] : ['HEADERS_TOO_LARGE', 'headers: are too large'];
  }
  return ['VALIDATION_ERROR', PARSER_ERRORS[error.code ?? ''] ?? 'request: is not valid HTTP'];
}

/**
 * Fastify's clientErrorHandler: what Node's HTTP server refuses before any request object
 * exists (a malformed request line or header, headers over the limit, a request that timed
 * out) is answered, like every other error, with SPEC §3's three-field body.
 */
export function clientErrorHandler(logger: FastifyBaseLogger) {
  return function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [code, message] = answerTo(error);
    const requestId = newRequestId();
    logger.debug({ err: error, reqId: requestId }, 'refused a request the HTTP parser rejected');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = ERROR_STATUS[code];
    const body = JSON.stringify({ error: message, code, request_id: requestId } satisfies ErrorBody & { code: ErrorCode });
    const head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
    // Closed once written: the rest of what the client sends cannot be parsed anyway.
    socket.end(`${head}X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
  };
}
