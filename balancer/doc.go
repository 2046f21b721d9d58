// Package balancer decides where BBB meetings run: it parses server tags,
// chooses a server by load, keeps the burst-aware load model, derives voice
// bridges, binds meetings to servers in the live store, and shapes the
// parameters of create and join calls before they are forwarded. It is plain
// Go with no Caddy imports; the handlers package is its only caller.
package balancer
