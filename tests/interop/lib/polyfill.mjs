// Polyfills for running js-libp2p 3.x on Debian's Node 20.
//
// js-libp2p 3.x targets Node >= 22. On Node 20 two things it relies on are missing:
//   * Promise.withResolvers (ES2024; Node 22+) - used all over libp2p, yamux, noise, identify, ping...
//   * a global WebSocket (Node 22+) - used by @libp2p/websockets; we take it from the `ws` package.
// (npm also prints EBADENGINE warnings for nanoid@6 and p-retry@8, which declare node >= 22; neither
// uses anything Node 20 lacks beyond the above.)
//
// Every interop script must import this module FIRST, before anything from libp2p:
//   import './lib/polyfill.mjs'
// ES module imports are evaluated in order, depth first, so a bare side-effect import placed first
// runs before the later imports' module bodies.

import WS from 'ws'

if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers () {
      let resolve
      let reject
      // `this` so that subclasses (Promise.withResolvers.call(MyPromise)) behave like the built-in
      const C = typeof this === 'function' ? this : Promise
      const promise = new C((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    }
  })
}

if (typeof globalThis.WebSocket !== 'function') {
  globalThis.WebSocket = WS
}

export const polyfilled = true
