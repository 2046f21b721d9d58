package caddyfile

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// parseParamRules parses the parameter rules of create or join calls:
//
//	create {
//		default  <param> <value>
//		override <param> <value>
//		exclude  <param> [<param>...]
//	}
//
// Excluded parameters are dropped from the request, then defaults fill in
// what it lacks and overrides replace what it has. A parameter may have one
// default and one override; values may hold placeholders, and an exclude
// argument with a placeholder may expand to a comma list
// ({env.CREATE_EXCLUDE_PARAMS}).
func parseParamRules(d *caddyfile.Dispenser, p *module.ParamRules) error {
	call := d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	found := false
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		found = true
		kw := d.Val()
		switch kw {
		case "default":
			if err := paramValue(d, call, kw, &p.Defaults); err != nil {
				return err
			}
		case "override":
			if err := paramValue(d, call, kw, &p.Overrides); err != nil {
				return err
			}
		case "exclude":
			args, err := someArgs(d, kw)
			if err != nil {
				return err
			}
			for _, name := range args {
				if err := checkLiteral(d, call+" exclude", name, module.CheckParamName); err != nil {
					return err
				}
			}
			p.Exclude = append(p.Exclude, args...)
		default:
			return d.Errf("unrecognized %s option %q: want default, override or exclude", call, kw)
		}
	}
	if !found {
		return d.Errf("%s: expected a block with default, override or exclude", call)
	}
	return nil
}

// paramValue reads `<param> <value>` into m, refusing a second value for the
// same parameter.
func paramValue(d *caddyfile.Dispenser, call, kw string, m *map[string]string) error {
	var name, value string
	if !d.AllArgs(&name, &value) {
		return d.ArgErr()
	}
	if err := noBlock(d, kw); err != nil {
		return err
	}
	if err := module.CheckParamName(name); err != nil {
		return d.Errf("%s %s: %v", call, kw, err)
	}
	if _, dup := (*m)[name]; dup {
		return d.Errf("%s %s %s: set twice", call, kw, name)
	}
	if *m == nil {
		*m = make(map[string]string)
	}
	(*m)[name] = value
	return nil
}
