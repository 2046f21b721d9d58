package pool

import (
	"reflect"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestStatus(t *testing.T) {
	e := newEnv(t, Config{})
	servers := []store.Server{
		{ID: "z", URL: "https://A.example.com/bigbluebutton/api", Secret: "s", State: store.StateEnabled, Online: true,
			Load: 0, LoadMultiplier: 1, Tag: "gpu"},
		{ID: "b", URL: "https://c.example.com:8443/bigbluebutton/api", Secret: "s", State: store.StateCordoned, Online: true,
			Load: 12.5, LoadMultiplier: 1, Meetings: 2, Users: 9, LargestMeeting: 6, Videos: 3, BBBVersion: "3.0.9"},
		{ID: "a", URL: "https://c.example.com/bigbluebutton/api", Secret: "s", State: store.StateDisabled, Online: false,
			Load: 7, LoadMultiplier: 1},
	}
	for _, s := range servers {
		if err := e.live.AddServer(t.Context(), s); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.pool.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []StatusRow{
		{ID: "z", Hostname: "a.example.com", State: "enabled", Status: "online", Load: ptr(0.0), Tag: "gpu"},
		{ID: "a", Hostname: "c.example.com", State: "disabled", Status: "offline", Load: nil},
		{ID: "b", Hostname: "c.example.com", State: "cordoned", Status: "online", Meetings: 2, Users: 9, LargestMeeting: 6,
			Videos: 3, Load: ptr(12.5), BBBVersion: "3.0.9"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	empty, err := newEnv(t, Config{}).pool.Status(t.Context())
	if err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("status of an empty pool: %#v, %v; want an empty, non-nil list", empty, err)
	}
}
