// Shared pieces of the WebSocket interop tests (ws.mjs, browser/browser.mjs): daemon address lines for
// /ws and /tls/ws listeners, a self-signed certificate from the openssl CLI, and a byte echo check.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { assertEqual, assertOk, withTimeout } from './harness.mjs'

const ID = '([1-9A-HJ-NP-Za-km-z]{32,})'
/** The daemon's log line for its /ws listener (bound port) and its /tls/ws listener. */
export const WS_ADDR_RE = new RegExp(`/ip4/127\\.0\\.0\\.1/tcp/([1-9]\\d{0,4})/ws/p2p/${ID}`)
export const TLS_WS_ADDR_RE = new RegExp(`/ip4/127\\.0\\.0\\.1/tcp/([1-9]\\d{0,4})/tls/ws/p2p/${ID}`)

export const ECHO = '/chiral-test/echo/1.0.0'

/**
 * A self-signed P-256 certificate for 127.0.0.1 / localhost, made with `openssl req` (Debian's openssl
 * package). Resolves { cert, key (paths), pem (certificate text, for a client's trust list) }.
 */
export async function makeSelfSignedCert (dir) {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: ['ignore', 'ignore', 'pipe'] })
  return { cert, key, pem: await readFile(cert, 'utf8') }
}

/** Sends `data` on a stream to an echo handler and asserts the same bytes come back. */
export async function echoBytes (stream, data, what, timeoutMs = 30_000) {
  const received = []
  let got = 0
  const reader = (async () => {
    for await (const buf of stream) {
      const u = buf instanceof Uint8Array ? buf : buf.subarray()
      received.push(u)
      got += u.length
    }
  })()
  for (let off = 0; off < data.length; off += 16 * 1024) {
    if (!stream.send(data.subarray(off, Math.min(off + 16 * 1024, data.length)))) await stream.onDrain()
  }
  await stream.close()
  await withTimeout(reader, timeoutMs, `${what}: echo of ${data.length} bytes`)
  assertEqual(got, data.length, `${what}: bytes echoed back`)
  const all = new Uint8Array(got)
  let o = 0
  for (const u of received) { all.set(u, o); o += u.length }
  assertOk(Buffer.compare(Buffer.from(all), Buffer.from(data)) === 0, `${what}: echoed bytes equal the bytes sent`)
}
