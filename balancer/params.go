package balancer

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Rules are the operator's parameter rules for create or join: excluded
// parameters are dropped from the request, defaults fill in what it lacks,
// overrides replace what it has.
type Rules struct {
	Defaults  map[string]string
	Overrides map[string]string
	Exclude   []string
}

// ApplyRules returns the parameters to forward for a create or join request:
// p without the checksum and the excluded parameters, then, lowest precedence
// first, the global defaults, the tenant's defaults, the request itself, the
// global overrides and the tenant's overrides (spec/scalelite.md §3). Tenant
// settings apply to create and join alike. meta_server-tag is left out of
// every rule set, since ResolveServerTag decides it. p is not changed.
//
// Exclusion comes first, so a default or override can put an excluded
// parameter back: that is how an operator replaces a client's value.
// Parameters keep the request's order; added ones follow, sorted by name, so
// the forwarded URL is the same for the same request.
func ApplyRules(p bbb.Params, global Rules, tenant []store.TenantSetting) bbb.Params {
	out := make(bbb.Params, 0, len(p)+len(global.Defaults)+len(global.Overrides)+len(tenant))
	for _, kv := range p {
		if kv.Key == "checksum" || slices.Contains(global.Exclude, kv.Key) {
			continue
		}
		out = append(out, kv)
	}

	defaults := ruleMap(global.Defaults, tenant, false)
	for _, k := range slices.Sorted(maps.Keys(defaults)) {
		if !out.Has(k) {
			out.Add(k, defaults[k])
		}
	}
	overrides := ruleMap(global.Overrides, tenant, true)
	for _, k := range slices.Sorted(maps.Keys(overrides)) {
		out.Set(k, overrides[k])
	}
	return out
}

// ruleMap merges the global rules of one kind with the tenant's settings of
// that kind, the tenant's winning, without meta_server-tag.
func ruleMap(global map[string]string, tenant []store.TenantSetting, override bool) map[string]string {
	m := make(map[string]string, len(global)+len(tenant))
	for k, v := range global {
		m[k] = v
	}
	for _, s := range tenant {
		if s.Override == override {
			m[s.Param] = s.Value
		}
	}
	delete(m, ServerTagParam)
	return m
}

// ResolveServerTag returns the meta_server-tag that decides placement: the
// first present of the tenant's override, the global override, the request,
// the tenant's default and the global default (spec/scalelite.md §4.2).
func ResolveServerTag(p bbb.Params, global Rules, tenant []store.TenantSetting) string {
	tenantSetting := func(override bool) (string, bool) {
		for _, s := range tenant {
			if s.Param == ServerTagParam && s.Override == override {
				return s.Value, true
			}
		}
		return "", false
	}
	if v, ok := tenantSetting(true); ok {
		return v
	}
	if v, ok := global.Overrides[ServerTagParam]; ok {
		return v
	}
	if v, ok := p.Lookup(ServerTagParam); ok {
		return v
	}
	if v, ok := tenantSetting(false); ok {
		return v
	}
	return global.Defaults[ServerTagParam]
}

// CapDuration limits a create's duration (minutes) to limit when limit > 0: a
// missing, zero, non-numeric or larger duration becomes limit, since BBB reads
// 0 or nothing as "no limit".
func CapDuration(p *bbb.Params, limit int) {
	if limit <= 0 {
		return
	}
	d, err := strconv.Atoi(strings.TrimSpace(p.Get("duration")))
	if err != nil || d <= 0 || d > limit {
		p.Set("duration", strconv.Itoa(limit))
	}
}

// The create parameters by which a front-end asks to be called when a
// recording is ready, in order of precedence. Canvas (Moodle's plugin) is a
// fallback, which Scalelite meant to support but never did.
var recordingReadyParams = []string{
	"meta_bn-recording-ready-url",
	"meta_bbb-recording-ready-url",
	"meta_canvas-recording-ready-url",
}

// TakeRecordingReadyURL removes every recording-ready parameter from p and
// returns the URL to call, "" when none was given. The load balancer makes
// that call itself once the recording is imported: BBB would sign it with its
// own secret, which the front-end does not know, and before the recording is
// visible through the load balancer.
func TakeRecordingReadyURL(p *bbb.Params) string {
	found := ""
	for _, k := range recordingReadyParams {
		if v := strings.TrimSpace(p.Get(k)); v != "" && found == "" {
			found = v
		}
		p.Del(k)
	}
	return found
}

// AnalyticsCallbackParam is the create parameter naming the front-end's
// analytics endpoint.
const AnalyticsCallbackParam = "meta_analytics-callback-url"

// AnalyticsCallbackPath is where the load balancer receives BBB's analytics
// callbacks to relay them.
const AnalyticsCallbackPath = "/bigbluebutton/api/analytics_callback"

// RedirectAnalyticsCallback points a create's analytics callback at the load
// balancer reached as host, and returns the front-end's URL ("" when none was
// given, leaving p unchanged). BBB signs the callback with its own secret,
// so the load balancer verifies it and signs it again for the front-end.
func RedirectAnalyticsCallback(p *bbb.Params, host string) string {
	frontend := strings.TrimSpace(p.Get(AnalyticsCallbackParam))
	if frontend == "" {
		return ""
	}
	p.Set(AnalyticsCallbackParam, "https://"+host+AnalyticsCallbackPath)
	return frontend
}
