package handlers

import (
	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/module"
)

// paramRules converts the app's create or join rules for the balancer.
func paramRules(r module.ParamRules) balancer.Rules {
	return balancer.Rules{Defaults: r.Defaults, Overrides: r.Overrides, Exclude: r.Exclude}
}
