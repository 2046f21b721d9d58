package balancer

import (
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func params(t *testing.T, raw string) bbb.Params {
	t.Helper()
	p, err := bbb.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyRules(t *testing.T) {
	tests := []struct {
		name   string
		req    string
		global Rules
		tenant []store.TenantSetting
		want   string
	}{
		{"no rules drops only the checksum", "meetingID=a&name=A&checksum=x", Rules{}, nil, "meetingID=a&name=A"},
		{"exclude", "meetingID=a&record=true&logo=x", Rules{Exclude: []string{"record", "logo"}}, nil, "meetingID=a"},
		{"default fills in", "meetingID=a", Rules{Defaults: map[string]string{"record": "true", "allowStartStopRecording": "false"}}, nil,
			"meetingID=a&allowStartStopRecording=false&record=true"},
		{"request beats default", "meetingID=a&record=false", Rules{Defaults: map[string]string{"record": "true"}}, nil, "meetingID=a&record=false"},
		{"override beats request", "meetingID=a&record=false", Rules{Overrides: map[string]string{"record": "true"}}, nil, "meetingID=a&record=true"},
		{"excluded then defaulted", "meetingID=a&record=false", Rules{Exclude: []string{"record"}, Defaults: map[string]string{"record": "true"}}, nil,
			"meetingID=a&record=true"},
		{"tenant default beats global default", "meetingID=a", Rules{Defaults: map[string]string{"record": "true"}},
			[]store.TenantSetting{{Param: "record", Value: "false"}}, "meetingID=a&record=false"},
		{"request beats tenant default", "meetingID=a&record=yes", Rules{},
			[]store.TenantSetting{{Param: "record", Value: "false"}}, "meetingID=a&record=yes"},
		{"tenant override beats global override", "meetingID=a&record=yes", Rules{Overrides: map[string]string{"record": "true"}},
			[]store.TenantSetting{{Param: "record", Value: "false", Override: true}}, "meetingID=a&record=false"},
		{"global override beats tenant default", "meetingID=a", Rules{Overrides: map[string]string{"record": "true"}},
			[]store.TenantSetting{{Param: "record", Value: "false"}}, "meetingID=a&record=true"},
		{"server tag left out of every rule set", "meetingID=a&meta_server-tag=x",
			Rules{Defaults: map[string]string{ServerTagParam: "d"}, Overrides: map[string]string{ServerTagParam: "o"}},
			[]store.TenantSetting{{Param: ServerTagParam, Value: "td"}, {Param: ServerTagParam, Value: "to", Override: true}},
			"meetingID=a&meta_server-tag=x"},
		{"duplicates of an overridden key collapse", "meetingID=a&record=1&record=2", Rules{Overrides: map[string]string{"record": "true"}}, nil,
			"meetingID=a&record=true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := params(t, tt.req)
			before := req.Encode()
			got := ApplyRules(req, tt.global, tt.tenant).Encode()
			if got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if req.Encode() != before {
				t.Errorf("request params changed to %s", req.Encode())
			}
		})
	}
}

func TestResolveServerTag(t *testing.T) {
	all := Rules{Defaults: map[string]string{ServerTagParam: "gd"}, Overrides: map[string]string{ServerTagParam: "go"}}
	td := store.TenantSetting{Param: ServerTagParam, Value: "td"}
	to := store.TenantSetting{Param: ServerTagParam, Value: "to", Override: true}
	tests := []struct {
		name   string
		req    string
		global Rules
		tenant []store.TenantSetting
		want   string
	}{
		{"tenant override first", "meta_server-tag=req", all, []store.TenantSetting{td, to}, "to"},
		{"then global override", "meta_server-tag=req", all, []store.TenantSetting{td}, "go"},
		{"then request", "meta_server-tag=req", Rules{Defaults: all.Defaults}, []store.TenantSetting{td}, "req"},
		{"then tenant default", "", Rules{Defaults: all.Defaults}, []store.TenantSetting{td}, "td"},
		{"then global default", "", Rules{Defaults: all.Defaults}, nil, "gd"},
		{"nothing", "", Rules{}, nil, ""},
		{"empty request value counts as present", "meta_server-tag=", Rules{Defaults: all.Defaults}, nil, ""},
	}
	for _, tt := range tests {
		if got := ResolveServerTag(params(t, tt.req), tt.global, tt.tenant); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCapDuration(t *testing.T) {
	tests := []struct {
		req  string
		max  int
		want string
	}{
		{"duration=30", 0, "duration=30"},
		{"", 0, ""},
		{"", 60, "duration=60"},
		{"duration=0", 60, "duration=60"},
		{"duration=abc", 60, "duration=60"},
		{"duration=-5", 60, "duration=60"},
		{"duration=90", 60, "duration=60"},
		{"duration=45", 60, "duration=45"},
		{"duration=60", 60, "duration=60"},
		{"meetingID=a&duration=90&name=x", 60, "meetingID=a&duration=60&name=x"},
	}
	for _, tt := range tests {
		p := params(t, tt.req)
		CapDuration(&p, tt.max)
		if got := p.Encode(); got != tt.want {
			t.Errorf("CapDuration(%q, %d) = %q, want %q", tt.req, tt.max, got, tt.want)
		}
	}
}

func TestTakeRecordingReadyURL(t *testing.T) {
	tests := []struct {
		req, wantURL, wantRest string
	}{
		{"meetingID=a", "", "meetingID=a"},
		{"meetingID=a&meta_bbb-recording-ready-url=https%3A%2F%2Fb", "https://b", "meetingID=a"},
		{"meta_bbb-recording-ready-url=https%3A%2F%2Fb&meta_bn-recording-ready-url=https%3A%2F%2Fn", "https://n", ""},
		{"meta_canvas-recording-ready-url=https%3A%2F%2Fc&x=1", "https://c", "x=1"},
		{"meta_canvas-recording-ready-url=https%3A%2F%2Fc&meta_bbb-recording-ready-url=https%3A%2F%2Fb", "https://b", ""},
		{"meta_bn-recording-ready-url=&meta_bbb-recording-ready-url=https%3A%2F%2Fb", "https://b", ""},
	}
	for _, tt := range tests {
		p := params(t, tt.req)
		if got := TakeRecordingReadyURL(&p); got != tt.wantURL || p.Encode() != tt.wantRest {
			t.Errorf("TakeRecordingReadyURL(%q) = %q leaving %q; want %q leaving %q", tt.req, got, p.Encode(), tt.wantURL, tt.wantRest)
		}
	}
}

func TestRedirectAnalyticsCallback(t *testing.T) {
	p := params(t, "meetingID=a&meta_analytics-callback-url=https%3A%2F%2Ffe.example%2Fcb")
	if got := RedirectAnalyticsCallback(&p, "t1.lb.example"); got != "https://fe.example/cb" {
		t.Errorf("returned %q", got)
	}
	if got := p.Get(AnalyticsCallbackParam); got != "https://t1.lb.example/bigbluebutton/api/analytics_callback" {
		t.Errorf("param = %q", got)
	}
	q := params(t, "meetingID=a")
	if got := RedirectAnalyticsCallback(&q, "lb"); got != "" || q.Has(AnalyticsCallbackParam) {
		t.Errorf("without a callback: returned %q, params %q", got, q.Encode())
	}
}
