package balancer

import (
	"errors"
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestParseTag(t *testing.T) {
	tests := []struct {
		in       string
		tags     []string
		required bool
	}{
		{"", nil, false},
		{"  ", nil, false},
		{"!", nil, false},
		{"foo", []string{"foo"}, false},
		{"foo!", []string{"foo"}, true},
		{"a;b", []string{"a", "b"}, false},
		{"a;b!", []string{"a", "b"}, true},
		{"a;;b;", []string{"a", "b"}, false},
		{"none", []string{"none"}, false},
		{"none;gpu!", []string{"none", "gpu"}, true},
		{"a;a", []string{"a"}, false},
		{";!", nil, false},
	}
	for _, tt := range tests {
		got := ParseTag(tt.in)
		if !slices.Equal(got.Tags, tt.tags) || got.Required != tt.required {
			t.Errorf("ParseTag(%q) = %+v, want tags %q required %v", tt.in, got, tt.tags, tt.required)
		}
	}
}

func srv(id, tag string, load float64) store.Server {
	return store.Server{ID: id, Tag: tag, Load: load, State: store.StateEnabled, Online: true, LoadMultiplier: 1}
}

func TestChooseServer(t *testing.T) {
	pool := []store.Server{
		srv("u1", "", 5),
		srv("u2", "", 3),
		srv("t1", "test", 1),
		srv("t2", "test", 0),
		srv("g1", "gpu", 2),
	}
	offline := srv("u0", "", 0)
	offline.Online = false
	cordoned := srv("c0", "", 0)
	cordoned.State = store.StateCordoned
	tests := []struct {
		name    string
		pool    []store.Server
		tag     string
		skip    []string
		want    string
		wantErr string // "none", "tag:<tag>"
	}{
		{"no tag: least loaded untagged", pool, "", nil, "u2", ""},
		{"tag picks least loaded of the tag", pool, "test", nil, "t2", ""},
		{"required tag", pool, "test!", nil, "t2", ""},
		{"tag list", pool, "gpu;test", nil, "t2", ""},
		{"tag list order does not matter, load does", pool, "test;gpu", []string{"t2", "t1"}, "g1", ""},
		{"unknown optional tag falls back to untagged", pool, "video", nil, "u2", ""},
		{"unknown required tag", pool, "video!", nil, "", "tag:video"},
		{"required tag list unavailable", pool, "a;b!", nil, "", "tag:a;b"},
		{"none matches untagged", pool, "none", nil, "u2", ""},
		{"none required", pool, "none!", nil, "u2", ""},
		{"none or gpu", pool, "none;gpu", nil, "g1", ""},
		{"tagged servers never take untagged requests", []store.Server{srv("t1", "test", 0)}, "", nil, "", "none"},
		{"empty pool", nil, "", nil, "", "none"},
		{"empty pool with required tag", nil, "test!", nil, "", "none"},
		{"skipped servers", pool, "", []string{"u2"}, "u1", ""},
		{"all untagged skipped", pool, "", []string{"u1", "u2"}, "", "none"},
		{"offline and cordoned are never chosen", []store.Server{offline, cordoned, srv("u9", "", 50)}, "", nil, "u9", ""},
		{"ties go to the lowest id", []store.Server{srv("b", "", 1), srv("a", "", 1), srv("c", "", 1)}, "", nil, "a", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ChooseServer(tt.pool, ParseTag(tt.tag), func(s store.Server) bool { return slices.Contains(tt.skip, s.ID) })
			var tagErr *TagUnavailableError
			switch {
			case tt.wantErr == "":
				if err != nil || got.ID != tt.want {
					t.Fatalf("got %q, %v; want %q", got.ID, err, tt.want)
				}
			case tt.wantErr == "none":
				if !errors.Is(err, ErrNoServer) {
					t.Fatalf("got %q, %v; want ErrNoServer", got.ID, err)
				}
			case errors.As(err, &tagErr):
				if "tag:"+tagErr.Tag != tt.wantErr {
					t.Fatalf("tag error for %q, want %s", tagErr.Tag, tt.wantErr)
				}
			default:
				t.Fatalf("got %q, %v; want %s", got.ID, err, tt.wantErr)
			}
		})
	}
}
