package module

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// gathered returns the value of the metric family name whose labels include
// want, and whether there is one.
func gathered(t *testing.T, families []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	t.Helper()
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metrics
				}
			}
			switch {
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// TestMetricsOnEveryLoad provisions the app twice, as two config loads do,
// each with its own fresh registry: both registries export the pool as the
// store has it, and the event counters carry on across the loads.
func TestMetricsOnEveryLoad(t *testing.T) {
	raw := `{"store": {"sqlite": {"path": ` + jsonString(filepath.Join(t.TempDir(), "bbb.db")) + `}}, "recordings": {"disabled": true}}`
	var counted []float64
	for load := range 2 {
		app := new(App)
		if err := json.Unmarshal([]byte(raw), app); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
		if err := app.Provision(ctx); err != nil {
			t.Fatalf("load %d: provision: %v", load, err)
		}
		if err := app.Start(); err != nil {
			t.Fatalf("load %d: start: %v", load, err)
		}
		if load == 0 {
			err := app.Live().AddServer(t.Context(), store.Server{ID: "bbb1", URL: "https://bbb1.example/bigbluebutton/api",
				Secret: "s", State: store.StateCordoned, LoadMultiplier: 1})
			if err != nil {
				t.Fatal(err)
			}
		}
		ObserveAPICall("create", "success", 3*time.Millisecond)

		families, err := ctx.GetMetricsRegistry().Gather()
		if err != nil {
			t.Fatalf("load %d: gather: %v", load, err)
		}
		info := map[string]string{"server": "bbb1", "state": "cordoned", "url": "https://bbb1.example/bigbluebutton/api", "tag": ""}
		if v, ok := gathered(t, families, "caddy_bbb_server_info", info); !ok || v != 1 {
			t.Errorf("load %d: caddy_bbb_server_info%v = %v, %v; want 1", load, info, v, ok)
		}
		if v, ok := gathered(t, families, "caddy_bbb_server_online", map[string]string{"server": "bbb1"}); !ok || v != 0 {
			t.Errorf("load %d: caddy_bbb_server_online = %v, %v; want 0 (never polled)", load, v, ok)
		}
		if _, ok := gathered(t, families, "caddy_bbb_server_load", map[string]string{"server": "bbb1"}); ok {
			t.Errorf("load %d: an offline server reports a load", load)
		}
		v, ok := gathered(t, families, "caddy_bbb_api_requests_total", map[string]string{"call": "create", "result": "success"})
		if !ok {
			t.Fatalf("load %d: no caddy_bbb_api_requests_total for create", load)
		}
		counted = append(counted, v)

		if err := app.Stop(); err != nil {
			t.Error(err)
		}
		if err := app.Cleanup(); err != nil {
			t.Error(err)
		}
		cancel()
	}
	if counted[1] != counted[0]+1 {
		t.Errorf("create requests counted %v over the two loads; want the second one more than the first", counted)
	}
}
