// Browser interop test: headless Chromium (Debian's `chromium`, driven by playwright-core; no browser
// download) loads a page bundling js-libp2p (entry.js, bundled here with esbuild into the working
// directory), which dials chiral-relay over /ws, identifies and reserves; a Node js-libp2p peer (TCP) then
// dials the browser through the relay (<relay>/p2p-circuit/p2p/<browser>) and checks that the bytes it
// sends come back echoed by the browser. The daemon's WebSocket listener comes from --ws-port 0.
//
// usage: node browser/browser.mjs <path-to-chiral-relay>
// Exit code 77 (ctest SKIP_RETURN_CODE) only when no Chromium binary exists (CHROMIUM_PATH, default
// /usr/bin/chromium); scripts/install-deps.sh installs it, so CI runs the test.
import '../lib/polyfill.mjs'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:http'
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import {
  assertEqual, assertOk, createNode, multiaddr, runTest, startDaemon, withTimeout
} from '../lib/harness.mjs'
import { ECHO, WS_ADDR_RE, echoBytes } from '../lib/ws_common.mjs'

const [bin] = process.argv.slice(2)
if (bin == null) {
  console.error('usage: node browser/browser.mjs <path-to-chiral-relay>')
  process.exit(2)
}
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  console.error(`SKIP interop_browser: no Chromium at ${CHROMIUM} (scripts/install-deps.sh installs Debian's chromium)`)
  process.exit(77)
}
const here = dirname(fileURLToPath(import.meta.url))
const info = (...a) => console.error('   ', ...a)

/** Bundles entry.js for the browser into `outDir` (next to a copy of index.html). */
async function bundle (outDir) {
  const esbuild = await import('esbuild')
  await mkdir(outDir, { recursive: true })
  await esbuild.build({
    entryPoints: [join(here, 'entry.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(outDir, 'bundle.js'),
    logLevel: 'warning'
  })
  return {
    'index.html': await readFile(join(here, 'index.html')),
    'bundle.js': await readFile(join(outDir, 'bundle.js'))
  }
}

/** A static server for the page on 127.0.0.1 (an ephemeral port). */
async function serve (files) {
  const server = createServer((req, res) => {
    const name = req.url === '/' ? 'index.html' : req.url.replace(/^\//, '').replace(/\?.*$/, '')
    const body = files[name]
    if (body == null) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': name.endsWith('.js') ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' })
    res.end(body)
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return server
}

await runTest('interop_browser', async () => {
  const t0 = Date.now()
  const files = await bundle(join(process.cwd(), 'browser-bundle'))
  info(`bundled js-libp2p for the browser (${files['bundle.js'].length} bytes) in ${Date.now() - t0} ms`)

  const tmp = await mkdtemp(join(tmpdir(), 'chiral-browser-'))
  let daemon, server, browser, peer
  try {
    // --ws-port 0: the operator's flag (/ip4/0.0.0.0/tcp/<free port>/ws), logged with each interface address
    daemon = await startDaemon(bin, ['--identity-path', join(tmp, 'id.key'), '--listen', '/ip4/127.0.0.1/tcp/0',
      '--ws-port', '0', '--circuit-data-limit', '0', '--circuit-duration', '0'])
    const wsAddr = (await daemon.waitForLine(WS_ADDR_RE, 10_000)).match[0]
    server = await serve(files)
    const pageUrl = `http://127.0.0.1:${server.address().port}/`

    const { chromium } = await import('playwright-core')
    browser = await withTimeout(chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu']
    }), 60_000, `launching ${CHROMIUM}`)
    info(`browser ${browser.version()}`)
    const page = await browser.newPage()
    const pageLog = []
    page.on('console', (m) => { pageLog.push(`console.${m.type()}: ${m.text()}`) })
    page.on('pageerror', (e) => { pageLog.push(`pageerror: ${e.message}`) })
    try {
      await page.goto(pageUrl)
      await page.waitForFunction(() => typeof window.chiralBrowserTest === 'function', null, { timeout: 30_000 })
      const seen = await page.evaluate(([a, id]) => window.chiralBrowserTest(a, id), [wsAddr, daemon.peerId])
      info(`browser peer ${seen.peerId}; connections ${seen.relayConnections.join(' ')}; addrs ${seen.addrs.join(' ')}`)

      // identify from inside the browser: the relay advertises its /ws address and saw us on /ws
      const bare = wsAddr.replace(/\/p2p\/[^/]+$/, '')
      assertOk(seen.relayConnections.some(a => a.includes('/ws')), 'the browser is connected to the relay over /ws', seen.relayConnections.join(' '))
      assertOk(seen.relayListenAddrs.includes(bare), 'identify (in the browser) lists the relay\'s /ws address', seen.relayListenAddrs.join(' '))
      assertOk(seen.observedAddr != null && /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws$/.test(seen.observedAddr), 'identify observedAddr is the browser\'s address + /ws', seen.observedAddr)
      assertOk((seen.relayAgent ?? '').startsWith('chiral-relay/'), 'identify agentVersion', seen.relayAgent)
      const circuit = `/p2p/${daemon.peerId}/p2p-circuit/p2p/${seen.peerId}`
      assertOk(seen.addrs.some(a => a.endsWith(circuit)), 'the browser advertises its circuit address (reservation made)', seen.addrs.join(' '))
      await daemon.waitForLine(new RegExp(`peer ${seen.peerId} .*inbound from /ip4/127\\.0\\.0\\.1/tcp/\\d+/ws`), 5_000)

      // a Node peer reaches the browser through the relay; the browser echoes
      peer = await createNode({ transports: [circuitRelayTransport()] })
      const target = multiaddr(`${daemon.addr}/p2p-circuit/p2p/${seen.peerId}`)
      const conn = await withTimeout(peer.dial(target, { signal: AbortSignal.timeout(20_000) }), 21_000, `Node dials ${target}`)
      assertEqual(conn.remotePeer.toString(), seen.peerId, 'remote peer of the relayed connection')
      const stream = await conn.newStream(ECHO, { runOnLimitedConnection: true, signal: AbortSignal.timeout(15_000) })
      const data = randomBytes(64 * 1024)
      await echoBytes(stream, data, 'Node -> relay -> browser echo')
      const stats = await page.evaluate(() => window.chiralBrowserStats())
      assertEqual(stats.echoedBytes, data.length, 'bytes the browser echoed')
      info(`browser echoed ${stats.echoedBytes} bytes on ${stats.echoStreams} stream(s)`)
    } catch (err) {
      console.error(`--- browser page log ---\n${pageLog.join('\n')}\n--- end ---`)
      throw err
    }
  } finally {
    if (peer != null) await peer.stop().catch(() => {})
    if (browser != null) await browser.close().catch(() => {})
    if (server != null) server.close()
    if (daemon != null) {
      const s = await daemon.stop()
      assertOk(s.code === 0 && !s.killed, 'daemon exits 0 on SIGTERM', JSON.stringify(s))
    }
    await rm(tmp, { recursive: true, force: true })
  }
}, { timeoutMs: 170_000 })
