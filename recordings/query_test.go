package recordings

import (
	"errors"
	"reflect"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name          string
		query         string
		opts          QueryOptions
		want          store.RecordingQuery
		wantPaginated bool
		wantErr       error
	}{
		{name: "nothing", query: ""},
		{name: "lists", query: "meetingID=m1,+m2,,m1&recordID=r1,r2",
			want: store.RecordingQuery{MeetingIDs: []string{"m1", "m2"}, RecordIDs: []string{"r1", "r2"}}},
		{name: "states lower-cased", query: "state=Published,any",
			want: store.RecordingQuery{States: []string{"published", "any"}}},
		{name: "meta keys lower-cased, first value kept", query: "meta_Origin=gl%25&meta_origin=x&meta_course=42&meta_=ignored",
			want: store.RecordingQuery{Meta: map[string]string{"origin": "gl%", "course": "42"}}},
		{name: "tenant", query: "meetingID=m", opts: QueryOptions{Tenant: "t1"},
			want: store.RecordingQuery{MeetingIDs: []string{"m"}, Tenant: "t1"}},
		{name: "limit and offset", query: "limit=10&offset=20",
			want: store.RecordingQuery{Limit: 10, Offset: 20}, wantPaginated: true},
		{name: "limit above 100", query: "limit=1000",
			want: store.RecordingQuery{Limit: 100}, wantPaginated: true},
		{name: "limit below 1", query: "limit=0&offset=-5",
			want: store.RecordingQuery{Limit: 1}, wantPaginated: true},
		{name: "negative limit", query: "limit=-3&offset=2",
			want: store.RecordingQuery{Limit: 1, Offset: 2}, wantPaginated: true},
		{name: "invalid offset", query: "limit=5&offset=x",
			want: store.RecordingQuery{Limit: 5}, wantPaginated: true},
		{name: "invalid limit: no pagination at all", query: "limit=ten&offset=20"},
		{name: "offset alone: no pagination", query: "offset=20"},
		{name: "filtered without ids", query: "meta_a=b", opts: QueryOptions{Filtered: true}, wantErr: bbb.ErrMissingParameters},
		{name: "filtered with blank ids", query: "meetingID=&recordID=+,", opts: QueryOptions{Filtered: true}, wantErr: bbb.ErrMissingParameters},
		{name: "filtered with a record id", query: "recordID=r", opts: QueryOptions{Filtered: true},
			want: store.RecordingQuery{RecordIDs: []string{"r"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := bbb.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, paginated, err := ParseQuery(p, tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) || paginated != tt.wantPaginated {
				t.Errorf("ParseQuery(%q) = %+v, %v; want %+v, %v", tt.query, got, paginated, tt.want, tt.wantPaginated)
			}
		})
	}
}
