package caddyfile

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// oneArg reads the single argument of keyword kw and rejects a block after it.
func oneArg(d *caddyfile.Dispenser, kw string) (string, error) {
	if !d.NextArg() {
		return "", d.ArgErr()
	}
	v := d.Val()
	if d.NextArg() {
		return "", d.ArgErr()
	}
	return v, noBlock(d, kw)
}

// someArgs reads the one or more arguments of keyword kw.
func someArgs(d *caddyfile.Dispenser, kw string) ([]string, error) {
	args := d.RemainingArgs()
	if len(args) == 0 {
		return nil, d.ArgErr()
	}
	return args, noBlock(d, kw)
}

// noBlock rejects a block opened after a keyword that takes none; left alone,
// its contents would be read as keywords of the enclosing block.
func noBlock(d *caddyfile.Dispenser, kw string) error {
	if d.NextBlock(d.Nesting()) {
		d.Prev() // back to the brace, so the error names its line
		return d.Errf("%s takes no block", kw)
	}
	return nil
}

// flagArg reads a flag: present alone it is true; an optional true/false
// argument lets a Caddyfile take it from the environment
// (`server_id_is_hostname {$SERVER_ID_IS_HOSTNAME:false}`).
func flagArg(d *caddyfile.Dispenser, kw string) (bool, error) {
	args := d.RemainingArgs()
	switch len(args) {
	case 0:
		return true, noBlock(d, kw)
	case 1:
		v, err := strconv.ParseBool(args[0])
		if err != nil {
			return false, d.Errf("%s: invalid boolean %q: want true or false", kw, args[0])
		}
		return v, noBlock(d, kw)
	}
	return false, d.ArgErr()
}

// noRuntimePlaceholder rejects {env.*}-style placeholders in values that are
// numbers or durations in the JSON config, where nothing could hold them.
func noRuntimePlaceholder(d *caddyfile.Dispenser, kw, v string) error {
	if module.HasPlaceholder(v) {
		return d.Errf("%s: placeholder %q cannot be used here: numbers and durations are read when the Caddyfile is adapted; use {$VAR} instead", kw, v)
	}
	return nil
}

// durationArg reads a positive duration such as 90s, 15m or 1d.
func durationArg(d *caddyfile.Dispenser, kw string) (caddy.Duration, error) {
	v, err := oneArg(d, kw)
	if err != nil {
		return 0, err
	}
	if err := noRuntimePlaceholder(d, kw, v); err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil {
		return 0, d.Errf("%s: invalid duration %q", kw, v)
	}
	if dur <= 0 {
		return 0, d.Errf("%s: duration must be positive, got %q", kw, v)
	}
	return caddy.Duration(dur), nil
}

// intArg reads an integer in [lo, hi].
func intArg(d *caddyfile.Dispenser, kw string, lo, hi int) (int, error) {
	v, err := oneArg(d, kw)
	if err != nil {
		return 0, err
	}
	if err := noRuntimePlaceholder(d, kw, v); err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, d.Errf("%s: invalid number %q", kw, v)
	}
	if n < lo || n > hi {
		if hi == maxInt {
			return 0, d.Errf("%s: must be at least %d, got %d", kw, lo, n)
		}
		return 0, d.Errf("%s: must be %d to %d, got %d", kw, lo, hi, n)
	}
	return n, nil
}

const maxInt = int(^uint(0) >> 1)

// checkLiteral runs check on v unless v holds a placeholder, which only the
// app can resolve and check.
func checkLiteral(d *caddyfile.Dispenser, kw, v string, check func(string) error) error {
	if module.HasPlaceholder(v) {
		return nil
	}
	if err := check(v); err != nil {
		return d.Errf("%s: %v", kw, err)
	}
	return nil
}

// once tracks keywords that may appear once: seen covers the current block,
// set says whether an earlier bbb block already gave the value.
type once map[string]bool

func (o once) check(d *caddyfile.Dispenser, kw string, set bool) error {
	if o[kw] || set {
		return d.Errf("%s: set twice", kw)
	}
	o[kw] = true
	return nil
}
