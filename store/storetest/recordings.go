package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// recBase is whole milliseconds: recordings keep at least that precision.
var recBase = time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC)

func sampleRecording(recordID, meetingID, state string, start time.Time, meta map[string]string) store.Recording {
	return store.Recording{
		RecordID:     recordID,
		MeetingID:    meetingID,
		Name:         "Meeting " + meetingID,
		Published:    state == "published",
		State:        state,
		Participants: 4,
		StartTime:    start,
		EndTime:      start.Add(45 * time.Minute),
		Metadata:     meta,
		Formats: []store.PlaybackFormat{{
			Format: "presentation",
			URL:    "/playback/presentation/2.3/" + recordID,
			Length: 45,
		}},
	}
}

func mustUpsert(t *testing.T, s store.Recordings, r store.Recording) store.Recording {
	t.Helper()
	got, err := s.UpsertRecording(testContext(t), r)
	if err != nil {
		t.Fatalf("UpsertRecording(%q): %v", r.RecordID, err)
	}
	return got
}

func mustRecording(t *testing.T, s store.Recordings, id string) store.Recording {
	t.Helper()
	got, err := s.Recording(testContext(t), id)
	if err != nil {
		t.Fatalf("Recording(%q): %v", id, err)
	}
	return got
}

// recordingDiff describes how got differs from want, or returns "" when they
// match. Times are compared as instants and must come back in UTC; UpdatedAt
// is the backend's own and not compared; nil and empty collections are equal.
func recordingDiff(got, want store.Recording) string {
	for _, tm := range []struct {
		name      string
		got, want time.Time
	}{{"StartTime", got.StartTime, want.StartTime}, {"EndTime", got.EndTime, want.EndTime}} {
		if !tm.got.Equal(tm.want) {
			return fmt.Sprintf("%s %s = %v, want %v", want.RecordID, tm.name, tm.got, tm.want)
		}
		if !tm.got.IsZero() && tm.got.Location() != time.UTC {
			return fmt.Sprintf("%s %s = %v, want it in UTC", want.RecordID, tm.name, tm.got)
		}
	}
	g, w := normalRecording(got), normalRecording(want)
	if !reflect.DeepEqual(g, w) {
		return fmt.Sprintf("got %+v, want %+v", g, w)
	}
	return ""
}

func normalRecording(r store.Recording) store.Recording {
	r.StartTime, r.EndTime, r.UpdatedAt = time.Time{}, time.Time{}, time.Time{}
	if r.Metadata == nil {
		r.Metadata = map[string]string{}
	}
	formats := make([]store.PlaybackFormat, 0, len(r.Formats))
	for _, f := range r.Formats {
		if f.Previews == nil {
			f.Previews = []store.Preview{}
		}
		formats = append(formats, f)
	}
	r.Formats = formats
	return r
}

func checkRecording(t *testing.T, what string, got, want store.Recording) {
	t.Helper()
	if d := recordingDiff(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func recordIDs(rs []store.Recording) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.RecordID
	}
	return ids
}

func testRecordingsPing(t *testing.T, newStore RecordingsFactory) {
	s := newStore(t)
	if err := s.Ping(testContext(t)); err != nil {
		t.Fatalf("Ping: %v, want nil", err)
	}
}

func testRecordingRoundTrip(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	berlin := time.FixedZone("CEST", 2*60*60)
	full := store.Recording{
		RecordID:     "ffbfc4cc24428694e8b53a4e144f414052431693-1530718721124",
		MeetingID:    "room <1> & \"friends\"",
		Name:         "Weekly ünïcode",
		Published:    true,
		Protected:    true,
		State:        "published",
		Participants: 17,
		StartTime:    time.Date(2024, 2, 3, 10, 0, 0, 987_000_000, berlin),
		EndTime:      time.Date(2024, 2, 3, 11, 30, 5, 1_000_000, berlin),
		Metadata: map[string]string{
			"tenant-id": "t1", "bbb-origin": "Greenlight", "gl-listed": "true", "empty": "",
		},
		Formats: []store.PlaybackFormat{
			{Format: "video", URL: "/playback/video/rid/", Length: 90, ProcessingTime: 1234},
			{Format: "presentation", URL: "/playback/presentation/2.3/rid?x=1", Length: 91, Previews: []store.Preview{
				{URL: "/presentation/rid/thumb-2.png", Width: 176, Height: 136, Alt: "second"},
				{URL: "/presentation/rid/thumb-1.png", Width: 176, Height: 136, Alt: "first"},
				{URL: "/presentation/rid/thumb-3.png", Width: 100, Height: 50, Alt: ""},
			}},
		},
		PublishUpdated: true,
		ProtectUpdated: true,
	}
	bare := store.Recording{RecordID: "bare", MeetingID: "m", State: "processing", StartTime: recBase}

	for _, r := range []store.Recording{full, bare} {
		want := r
		want.Formats = slices.Clone(r.Formats)
		sort.Slice(want.Formats, func(i, j int) bool { return want.Formats[i].Format < want.Formats[j].Format })
		got := mustUpsert(t, s, r)
		checkRecording(t, "UpsertRecording returned", got, want)
		checkRecording(t, "Recording", mustRecording(t, s, r.RecordID), want)
	}
	if got := mustRecording(t, s, "bare"); !got.EndTime.IsZero() {
		t.Errorf("a zero EndTime came back as %v, want zero", got.EndTime)
	}
	if _, err := s.Recording(ctx, "ffbfc4cc24428694e8b53a4e144f414052431693"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Recording matched a prefix: error = %v, want ErrNotFound", err)
	}
}

func testRecordingNotFound(t *testing.T, newStore RecordingsFactory) {
	s := newStore(t)
	if _, err := s.Recording(testContext(t), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Recording(nope) error = %v, want ErrNotFound", err)
	}
}

func testUpsertMerge(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	first := sampleRecording("rec", "m", "published", recBase, map[string]string{"a": "1", "b": "2", "tenant-id": "t1"})
	first.Formats = []store.PlaybackFormat{
		{Format: "presentation", URL: "/p/1", Length: 10, Previews: []store.Preview{{URL: "/t1.png", Width: 1, Height: 2, Alt: "x"}}},
		{Format: "video", URL: "/v/1", Length: 11},
	}
	mustUpsert(t, s, first)

	second := sampleRecording("rec", "m", "published", recBase.Add(time.Second), map[string]string{"b": "20", "c": "3"})
	second.Name, second.Participants = "Renamed", 9
	second.Formats = []store.PlaybackFormat{
		{Format: "presentation", URL: "/p/2", Length: 12},
		{Format: "podcast", URL: "/pod/1", Length: 13},
	}
	got := mustUpsert(t, s, second)

	want := second
	want.Metadata = map[string]string{"a": "1", "b": "20", "c": "3", "tenant-id": "t1"}
	want.Formats = []store.PlaybackFormat{
		{Format: "podcast", URL: "/pod/1", Length: 13},
		{Format: "presentation", URL: "/p/2", Length: 12},
		{Format: "video", URL: "/v/1", Length: 11},
	}
	checkRecording(t, "UpsertRecording merge returned", got, want)
	checkRecording(t, "Recording after merge", mustRecording(t, s, "rec"), want)
	// The tenant kept from the first import still selects it.
	rs, total, err := s.QueryRecordings(ctx, store.RecordingQuery{Tenant: "t1"})
	if err != nil || total != 1 || !slices.Equal(recordIDs(rs), []string{"rec"}) {
		t.Errorf("QueryRecordings(tenant t1) after merge = %v, %d, %v; want [rec], 1", recordIDs(rs), total, err)
	}
}

func testUpsertKeepsPublished(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustUpsert(t, s, sampleRecording("kept", "m", "published", recBase, nil))
	mustUpsert(t, s, sampleRecording("free", "m", "published", recBase, nil))
	if err := s.SetPublished(ctx, []string{"kept"}, false); err != nil {
		t.Fatalf("SetPublished: %v", err)
	}
	tests := []struct {
		id                 string
		wantPublished      bool
		wantPublishUpdated bool
	}{
		{"kept", false, true}, // unpublished through the API: a re-import keeps it
		{"free", true, false}, // never touched: the import decides
	}
	for _, tc := range tests {
		got := mustUpsert(t, s, sampleRecording(tc.id, "m", "published", recBase, nil))
		stored := mustRecording(t, s, tc.id)
		for _, r := range []store.Recording{got, stored} {
			if r.Published != tc.wantPublished || r.PublishUpdated != tc.wantPublishUpdated {
				t.Errorf("%s after re-import: Published %v, PublishUpdated %v; want %v, %v",
					tc.id, r.Published, r.PublishUpdated, tc.wantPublished, tc.wantPublishUpdated)
			}
		}
	}
	// Without PublishUpdated the import's value wins either way.
	unpub := sampleRecording("free", "m", "unpublished", recBase, nil)
	if got := mustUpsert(t, s, unpub); got.Published {
		t.Errorf("re-import as unpublished: Published = true, want false")
	}
}

func testUpsertKeepsProtected(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustUpsert(t, s, sampleRecording("kept", "m", "published", recBase, nil))
	mustUpsert(t, s, sampleRecording("free", "m", "published", recBase, nil))
	if err := s.SetProtected(ctx, []string{"kept"}, true); err != nil {
		t.Fatalf("SetProtected: %v", err)
	}
	tests := []struct {
		id                 string
		wantProtected      bool
		wantProtectUpdated bool
	}{
		{"kept", true, true},
		{"free", false, false},
	}
	for _, tc := range tests {
		got := mustUpsert(t, s, sampleRecording(tc.id, "m", "published", recBase, nil)) // Protected false
		stored := mustRecording(t, s, tc.id)
		for _, r := range []store.Recording{got, stored} {
			if r.Protected != tc.wantProtected || r.ProtectUpdated != tc.wantProtectUpdated {
				t.Errorf("%s after re-import: Protected %v, ProtectUpdated %v; want %v, %v",
					tc.id, r.Protected, r.ProtectUpdated, tc.wantProtected, tc.wantProtectUpdated)
			}
		}
	}
	imported := sampleRecording("free", "m", "published", recBase, nil)
	imported.Protected = true
	if got := mustUpsert(t, s, imported); !got.Protected {
		t.Errorf("re-import as protected: Protected = false, want true")
	}
}

// queryFixture stores recordings that exercise every filter; it returns
// them by record id.
func queryFixture(t *testing.T, s store.Recordings) map[string]store.Recording {
	t.Helper()
	h := func(n int) time.Time { return recBase.Add(time.Duration(n) * time.Hour) }
	m := func(kv ...string) map[string]string {
		out := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	recs := []store.Recording{
		sampleRecording("rec-a1", "m-a", "published", h(9), m("tenant-id", "t1", "course", "math-101", "note", "50%_off")),
		sampleRecording("rec-a2", "m-a", "unpublished", h(8), m("tenant-id", "t1", "course", "math-202")),
		sampleRecording("rec-b1", "m-b", "published", h(7), m("tenant-id", "t2", "course", "bio-101")),
		sampleRecording("REC-b2", "m-b", "published", h(6), m("course", "MATH-101")),
		sampleRecording("rec-c1", "m-c", "processing", h(10), m("tenant-id", "t1")),
		sampleRecording("rec-c2", "m-c", "deleted", h(5), nil),
		sampleRecording("rec%x", "m-d", "published", h(4), m("tenant-id", "t2", "note", "5x_off")),
		sampleRecording("rec_y", "m-d", "published", h(3), nil),
		sampleRecording("recZy", "m-d", "published", h(2), nil),
		sampleRecording("rec-e2", "m-e", "published", h(1), nil),
		sampleRecording("rec-e1", "m-e", "unpublished", h(1), nil),
	}
	recs[0].Formats = append(recs[0].Formats, store.PlaybackFormat{
		Format: "video", URL: "/playback/video/rec-a1/", Length: 44,
		Previews: []store.Preview{{URL: "/video/rec-a1/p.png", Width: 3, Height: 4, Alt: "p"}},
	})
	byID := map[string]store.Recording{}
	for _, r := range recs {
		mustUpsert(t, s, r)
		byID[r.RecordID] = r // formats already ordered by name
	}
	return byID
}

func testQueryRecordings(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	fixture := queryFixture(t, s)
	all := []string{"rec-a1", "rec-a2", "rec-b1", "REC-b2", "rec%x", "rec_y", "recZy", "rec-e1", "rec-e2"}
	tests := []struct {
		name string
		q    store.RecordingQuery
		want []string
	}{
		{"default states", store.RecordingQuery{}, all},
		{"any state", store.RecordingQuery{States: []string{"any"}},
			[]string{"rec-c1", "rec-a1", "rec-a2", "rec-b1", "REC-b2", "rec-c2", "rec%x", "rec_y", "recZy", "rec-e1", "rec-e2"}},
		{"any among others", store.RecordingQuery{States: []string{"published", "any"}, MeetingIDs: []string{"m-c"}},
			[]string{"rec-c1", "rec-c2"}},
		{"listed states", store.RecordingQuery{States: []string{"processing", "deleted"}}, []string{"rec-c1", "rec-c2"}},
		{"published only", store.RecordingQuery{States: []string{"published"}},
			[]string{"rec-a1", "rec-b1", "REC-b2", "rec%x", "rec_y", "recZy", "rec-e2"}},
		{"meeting ids", store.RecordingQuery{MeetingIDs: []string{"m-e", "m-a"}}, []string{"rec-a1", "rec-a2", "rec-e1", "rec-e2"}},
		{"meeting id hidden states", store.RecordingQuery{MeetingIDs: []string{"m-c"}}, nil},
		{"meeting id is exact", store.RecordingQuery{MeetingIDs: []string{"m-"}}, nil},
		{"record prefix", store.RecordingQuery{RecordIDs: []string{"rec-a"}}, []string{"rec-a1", "rec-a2"}},
		{"record prefix case-sensitive", store.RecordingQuery{RecordIDs: []string{"rec-b"}}, []string{"rec-b1"}},
		{"record prefix upper", store.RecordingQuery{RecordIDs: []string{"REC"}}, []string{"REC-b2"}},
		{"record prefix literal percent", store.RecordingQuery{RecordIDs: []string{"rec%"}}, []string{"rec%x"}},
		{"record prefix literal underscore", store.RecordingQuery{RecordIDs: []string{"rec_"}}, []string{"rec_y"}},
		{"record prefixes", store.RecordingQuery{RecordIDs: []string{"rec-e", "rec-a1"}}, []string{"rec-a1", "rec-e1", "rec-e2"}},
		{"record full id", store.RecordingQuery{RecordIDs: []string{"rec-e1"}}, []string{"rec-e1"}},
		{"record and meeting", store.RecordingQuery{MeetingIDs: []string{"m-d"}, RecordIDs: []string{"rec%", "rec_", "rec-"}},
			[]string{"rec%x", "rec_y"}},
		{"meta exact", store.RecordingQuery{Meta: map[string]string{"course": "math-101"}}, []string{"rec-a1"}},
		{"meta prefix", store.RecordingQuery{Meta: map[string]string{"course": "math%"}}, []string{"rec-a1", "rec-a2"}},
		{"meta suffix", store.RecordingQuery{Meta: map[string]string{"course": "%-101"}}, []string{"rec-a1", "rec-b1", "REC-b2"}},
		{"meta contains", store.RecordingQuery{Meta: map[string]string{"course": "%th-%"}}, []string{"rec-a1", "rec-a2"}},
		{"meta percent in value is literal", store.RecordingQuery{Meta: map[string]string{"note": "50%_off"}}, []string{"rec-a1"}},
		{"meta inner percent no wildcard", store.RecordingQuery{Meta: map[string]string{"note": "5%x_off"}}, nil},
		{"meta underscore literal", store.RecordingQuery{Meta: map[string]string{"note": "5_%"}}, nil},
		{"meta suffix with underscore", store.RecordingQuery{Meta: map[string]string{"note": "%_off"}}, []string{"rec-a1", "rec%x"}},
		{"meta any value", store.RecordingQuery{Meta: map[string]string{"note": "%"}}, []string{"rec-a1", "rec%x"}},
		{"meta missing key", store.RecordingQuery{Meta: map[string]string{"nokey": "%"}}, nil},
		{"meta keys ANDed", store.RecordingQuery{Meta: map[string]string{"course": "%-101", "tenant-id": "t2"}}, []string{"rec-b1"}},
		{"meta keys ANDed none", store.RecordingQuery{Meta: map[string]string{"course": "bio%", "note": "%"}}, nil},
		{"tenant", store.RecordingQuery{Tenant: "t1"}, []string{"rec-a1", "rec-a2"}},
		{"tenant any state", store.RecordingQuery{Tenant: "t1", States: []string{"any"}}, []string{"rec-c1", "rec-a1", "rec-a2"}},
		{"tenant and meta", store.RecordingQuery{Tenant: "t1", Meta: map[string]string{"course": "math%"}}, []string{"rec-a1", "rec-a2"}},
		{"tenant and other meta", store.RecordingQuery{Tenant: "t2", Meta: map[string]string{"course": "%-101"}}, []string{"rec-b1"}},
		{"tenant and meeting", store.RecordingQuery{Tenant: "t1", MeetingIDs: []string{"m-b"}}, nil},
		{"unknown tenant", store.RecordingQuery{Tenant: "t9"}, nil},
	}
	for _, tc := range tests {
		got, total, err := s.QueryRecordings(ctx, tc.q)
		if err != nil {
			t.Errorf("QueryRecordings(%s): %v", tc.name, err)
			continue
		}
		if !slices.Equal(recordIDs(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("QueryRecordings(%s) = %v, want %v", tc.name, recordIDs(got), tc.want)
		}
		if total != len(tc.want) {
			t.Errorf("QueryRecordings(%s) total = %d, want %d", tc.name, total, len(tc.want))
		}
		for _, r := range got {
			checkRecording(t, "QueryRecordings("+tc.name+") "+r.RecordID, r, fixture[r.RecordID])
		}
	}
}

func testQueryOrderAndPages(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	queryFixture(t, s)
	tests := []struct {
		offset, limit int
		want          []string
	}{
		{0, 0, []string{"rec-a1", "rec-a2", "rec-b1", "REC-b2", "rec%x", "rec_y", "recZy", "rec-e1", "rec-e2"}},
		{0, 2, []string{"rec-a1", "rec-a2"}},
		{2, 3, []string{"rec-b1", "REC-b2", "rec%x"}},
		{7, 5, []string{"rec-e1", "rec-e2"}},
		{8, 1, []string{"rec-e2"}},
		{4, 0, []string{"rec%x", "rec_y", "recZy", "rec-e1", "rec-e2"}},
		{9, 10, nil},
		{50, 10, nil},
	}
	for _, tc := range tests {
		got, total, err := s.QueryRecordings(ctx, store.RecordingQuery{Offset: tc.offset, Limit: tc.limit})
		if err != nil {
			t.Fatalf("QueryRecordings(offset %d, limit %d): %v", tc.offset, tc.limit, err)
		}
		if !slices.Equal(recordIDs(got), tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("QueryRecordings(offset %d, limit %d) = %v, want %v", tc.offset, tc.limit, recordIDs(got), tc.want)
		}
		if total != 9 {
			t.Errorf("QueryRecordings(offset %d, limit %d) total = %d, want 9 (all matches)", tc.offset, tc.limit, total)
		}
	}
}

func testFindRecordings(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	fixture := queryFixture(t, s)
	tests := []struct {
		name   string
		ids    []string
		tenant string
		want   []string
	}{
		{"exact ids any state", []string{"rec-a1", "rec-c2", "rec-e", "nope"}, "", []string{"rec-a1", "rec-c2"}},
		{"tenant", []string{"rec-a1", "rec-b1", "rec-c1", "REC-b2"}, "t1", []string{"rec-a1", "rec-c1"}},
		{"other tenant", []string{"rec-a1"}, "t2", nil},
		{"no ids", nil, "", nil},
		{"literal ids", []string{"rec%x", "rec_"}, "", []string{"rec%x"}},
	}
	for _, tc := range tests {
		got, err := s.FindRecordings(ctx, tc.ids, tc.tenant)
		if err != nil {
			t.Fatalf("FindRecordings(%s): %v", tc.name, err)
		}
		ids := recordIDs(got)
		sort.Strings(ids)
		want := slices.Clone(tc.want)
		sort.Strings(want)
		if !slices.Equal(ids, want) && !(len(ids) == 0 && len(want) == 0) {
			t.Errorf("FindRecordings(%s) = %v, want %v", tc.name, ids, want)
		}
		for _, r := range got {
			checkRecording(t, "FindRecordings("+tc.name+") "+r.RecordID, r, fixture[r.RecordID])
		}
	}
}

func testSetPublished(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	for _, id := range []string{"r1", "r2", "r3"} {
		mustUpsert(t, s, sampleRecording(id, "m", "published", recBase, nil))
	}
	steps := []struct {
		ids       []string
		published bool
		want      map[string]string // id → state
	}{
		{[]string{"r1", "r2"}, false, map[string]string{"r1": "unpublished", "r2": "unpublished", "r3": "published"}},
		{[]string{"r2"}, true, map[string]string{"r1": "unpublished", "r2": "published", "r3": "published"}},
	}
	for i, st := range steps {
		if err := s.SetPublished(ctx, st.ids, st.published); err != nil {
			t.Fatalf("step %d SetPublished: %v", i, err)
		}
		for id, state := range st.want {
			r := mustRecording(t, s, id)
			touched := id != "r3"
			if r.State != state || r.Published != (state == "published") || r.PublishUpdated != touched {
				t.Errorf("step %d %s: State %q, Published %v, PublishUpdated %v; want %q, %v, %v",
					i, id, r.State, r.Published, r.PublishUpdated, state, state == "published", touched)
			}
		}
	}
}

func testUpdateMetadata(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustUpsert(t, s, sampleRecording("r1", "m", "published", recBase, map[string]string{"a": "1", "b": "2"}))
	mustUpsert(t, s, sampleRecording("r2", "m", "published", recBase, map[string]string{"b": "x"}))
	mustUpsert(t, s, sampleRecording("r3", "m", "published", recBase, map[string]string{"b": "kept"}))

	steps := []struct {
		ids        []string
		meta       map[string]string
		want       map[string]map[string]string
		tenantT9   []string
		wantByMeta []string // recordings with c=3
	}{
		{
			ids:  []string{"r1", "r2"},
			meta: map[string]string{"b": "", "c": "3", "tenant-id": "t9"},
			want: map[string]map[string]string{
				"r1": {"a": "1", "c": "3", "tenant-id": "t9"},
				"r2": {"c": "3", "tenant-id": "t9"},
				"r3": {"b": "kept"},
			},
			tenantT9: []string{"r1", "r2"},
		},
		{
			ids:  []string{"r1"},
			meta: map[string]string{"tenant-id": "", "never-set": ""},
			want: map[string]map[string]string{
				"r1": {"a": "1", "c": "3"},
				"r2": {"c": "3", "tenant-id": "t9"},
				"r3": {"b": "kept"},
			},
			tenantT9: []string{"r2"},
		},
	}
	for i, st := range steps {
		if err := s.UpdateMetadata(ctx, st.ids, st.meta); err != nil {
			t.Fatalf("step %d UpdateMetadata: %v", i, err)
		}
		for id, want := range st.want {
			if got := mustRecording(t, s, id).Metadata; !reflect.DeepEqual(got, want) {
				t.Errorf("step %d %s metadata = %v, want %v", i, id, got, want)
			}
		}
		got, _, err := s.QueryRecordings(ctx, store.RecordingQuery{Tenant: "t9"})
		if err != nil {
			t.Fatalf("QueryRecordings: %v", err)
		}
		ids := recordIDs(got)
		sort.Strings(ids)
		if !slices.Equal(ids, st.tenantT9) {
			t.Errorf("step %d tenant t9 recordings = %v, want %v (tenant follows tenant-id metadata)", i, ids, st.tenantT9)
		}
	}
}

func testSetProtected(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	for _, id := range []string{"r1", "r2", "r3"} {
		mustUpsert(t, s, sampleRecording(id, "m", "published", recBase, nil))
	}
	if err := s.SetProtected(ctx, []string{"r1", "r2"}, true); err != nil {
		t.Fatalf("SetProtected: %v", err)
	}
	if err := s.SetProtected(ctx, []string{"r2"}, false); err != nil {
		t.Fatalf("SetProtected: %v", err)
	}
	want := map[string][2]bool{"r1": {true, true}, "r2": {false, true}, "r3": {false, false}}
	for id, w := range want {
		r := mustRecording(t, s, id)
		if r.Protected != w[0] || r.ProtectUpdated != w[1] {
			t.Errorf("%s: Protected %v, ProtectUpdated %v; want %v, %v", id, r.Protected, r.ProtectUpdated, w[0], w[1])
		}
	}
}

func testMarkDeleted(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustUpsert(t, s, sampleRecording("r1", "m", "published", recBase, nil))
	mustUpsert(t, s, sampleRecording("r2", "m", "unpublished", recBase.Add(time.Hour), nil))
	mustUpsert(t, s, sampleRecording("r3", "m", "published", recBase, nil))
	if err := s.MarkDeleted(ctx, []string{"r1", "r2"}); err != nil {
		t.Fatalf("MarkDeleted: %v", err)
	}
	for _, id := range []string{"r1", "r2"} {
		r := mustRecording(t, s, id)
		if r.State != "deleted" || r.Published {
			t.Errorf("%s after MarkDeleted: State %q, Published %v; want deleted, false", id, r.State, r.Published)
		}
	}
	if r := mustRecording(t, s, "r3"); r.State != "published" || !r.Published {
		t.Errorf("r3 was changed: State %q, Published %v", r.State, r.Published)
	}
	tests := []struct {
		states []string
		want   []string
	}{
		{nil, []string{"r3"}},
		{[]string{"deleted"}, []string{"r2", "r1"}},
	}
	for _, tc := range tests {
		got, _, err := s.QueryRecordings(ctx, store.RecordingQuery{States: tc.states})
		if err != nil || !slices.Equal(recordIDs(got), tc.want) {
			t.Errorf("QueryRecordings(states %v) = %v, %v; want %v", tc.states, recordIDs(got), err, tc.want)
		}
	}
}

func testAssignTenant(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustUpsert(t, s, sampleRecording("owned", "m", "published", recBase, map[string]string{"tenant-id": "t1", "tenant-name": "one"}))
	mustUpsert(t, s, sampleRecording("orphan1", "m", "published", recBase, nil))
	mustUpsert(t, s, sampleRecording("orphan2", "m", "deleted", recBase, map[string]string{"x": "y"}))

	n, err := s.AssignTenant(ctx, "t5", "acme")
	if err != nil || n != 2 {
		t.Fatalf("AssignTenant = %d, %v; want 2, nil", n, err)
	}
	want := map[string]map[string]string{
		"owned":   {"tenant-id": "t1", "tenant-name": "one"},
		"orphan1": {"tenant-id": "t5", "tenant-name": "acme"},
		"orphan2": {"tenant-id": "t5", "tenant-name": "acme", "x": "y"},
	}
	for id, w := range want {
		if got := mustRecording(t, s, id).Metadata; !reflect.DeepEqual(got, w) {
			t.Errorf("%s metadata = %v, want %v", id, got, w)
		}
	}
	got, _, err := s.QueryRecordings(ctx, store.RecordingQuery{Tenant: "t5", States: []string{"any"}})
	ids := recordIDs(got)
	sort.Strings(ids)
	if err != nil || !slices.Equal(ids, []string{"orphan1", "orphan2"}) {
		t.Errorf("QueryRecordings(tenant t5) = %v, %v; want [orphan1 orphan2]", ids, err)
	}
	if n, err := s.AssignTenant(ctx, "t6", "other"); err != nil || n != 0 {
		t.Errorf("second AssignTenant = %d, %v; want 0, nil", n, err)
	}
}

func testCallbacks(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	puts := []store.CallbackData{
		{Tenant: "t1", MeetingID: "m1", RecordingReadyURL: "https://a.example/ready", AnalyticsURL: "https://a.example/an"},
		{Tenant: "", MeetingID: "m1", RecordingReadyURL: "https://b.example/ready"},
		{Tenant: "t1", MeetingID: "m2", AnalyticsURL: "https://c.example/an"},
		{Tenant: "t1", MeetingID: "m1", RecordingReadyURL: "https://a.example/ready2"}, // replaces the first
	}
	for _, c := range puts {
		if err := s.PutCallback(ctx, c); err != nil {
			t.Fatalf("PutCallback(%+v): %v", c, err)
		}
	}
	for _, want := range puts[1:] {
		got, err := s.Callback(ctx, want.Tenant, want.MeetingID)
		if err != nil || got != want {
			t.Errorf("Callback(%q, %q) = %+v, %v; want %+v", want.Tenant, want.MeetingID, got, err, want)
		}
	}
	for _, key := range [][2]string{{"t2", "m1"}, {"", "m2"}, {"t1", "m3"}} {
		if _, err := s.Callback(ctx, key[0], key[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Callback(%q, %q) error = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
}

func testReadyCallbacks(t *testing.T, newStore RecordingsFactory) {
	ctx := testContext(t)
	s := newStore(t)
	if got, err := s.ReadyCallbacks(ctx); err != nil || len(got) != 0 {
		t.Fatalf("ReadyCallbacks on an empty store = %+v, %v; want none", got, err)
	}
	// Millisecond times: every backend keeps at least that.
	base := time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)
	puts := []store.ReadyCallback{
		{RecordID: "r-late", Tenant: "t1", MeetingID: "m1", Due: base.Add(time.Hour)},
		{RecordID: "r-b", Tenant: "", MeetingID: "m2", Attempts: 2, Due: base.Add(1500 * time.Millisecond)},
		{RecordID: "r-a", Tenant: "t2", MeetingID: "m3", Due: base.Add(1500 * time.Millisecond)},
		{RecordID: "r-first", Tenant: "t1", MeetingID: "m1", Due: base},
		// Replaces the first: a retry moves it and counts the attempt.
		{RecordID: "r-late", Tenant: "t1", MeetingID: "m1", Attempts: 1, Due: base.Add(2 * time.Second)},
	}
	for _, c := range puts {
		if err := s.PutReadyCallback(ctx, c); err != nil {
			t.Fatalf("PutReadyCallback(%+v): %v", c, err)
		}
	}
	// Earliest due first, ties by record id.
	want := []store.ReadyCallback{puts[3], puts[2], puts[1], puts[4]}
	check := func(when string, want []store.ReadyCallback) {
		t.Helper()
		got, err := s.ReadyCallbacks(ctx)
		if err != nil {
			t.Fatalf("ReadyCallbacks %s: %v", when, err)
		}
		ok := len(got) == len(want)
		for i := 0; ok && i < len(got); i++ {
			g, w := got[i], want[i]
			ok = g.RecordID == w.RecordID && g.Tenant == w.Tenant && g.MeetingID == w.MeetingID &&
				g.Attempts == w.Attempts && g.Due.Equal(w.Due)
		}
		if !ok {
			t.Errorf("ReadyCallbacks %s = %+v\nwant %+v", when, got, want)
		}
	}
	check("after the puts", want)
	if err := s.DeleteReadyCallback(ctx, "r-a"); err != nil {
		t.Fatalf("DeleteReadyCallback: %v", err)
	}
	if err := s.DeleteReadyCallback(ctx, "r-none"); err != nil {
		t.Errorf("DeleteReadyCallback of an unknown recording = %v, want nil", err)
	}
	check("after a delete", []store.ReadyCallback{puts[3], puts[1], puts[4]})
}
