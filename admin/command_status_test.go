package admin

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestStatusTable(t *testing.T) {
	tests := []struct {
		name string
		rows string // GET /bbb/status
		want string
	}{
		{
			name: "sorted by host name, offline figures missing",
			rows: `[
				{"hostname":"bbb2.example.com","state":"enabled","status":"online","meetings":12,"users":140,
				 "largest_meeting":80,"videos":31,"load":171.25,"bbb_version":"3.0.4","tag":"big"},
				{"hostname":"bbb10.example.com","state":"disabled","status":"offline","meetings":null,"users":null,
				 "largest_meeting":null,"videos":null,"load":null,"bbb_version":"","tag":""},
				{"hostname":"bbb1.example.com","state":"cordoned","status":"online","meetings":0,"users":0,
				 "largest_meeting":0,"videos":0,"load":0,"bbb_version":"2.7.3","tag":""}
			]`,
			want: "" +
				"HOSTNAME           STATE     STATUS   MEETINGS  USERS  LARGEST MEETING  VIDEOS  LOAD         BBB VERSION  TAG\n" +
				"bbb1.example.com   cordoned  online   0         0      0                0       0            2.7.3        -\n" +
				"bbb10.example.com  disabled  offline  -         -      -                -       unavailable  -            -\n" +
				"bbb2.example.com   enabled   online   12        140    80               31      171.25       3.0.4        big\n",
		},
		{
			name: "host from url and online flag",
			rows: `[{"id":"x","url":"https://bbb3.example.com/bigbluebutton/api","state":"enabled","online":false,"load":null}]`,
			want: "" +
				"HOSTNAME          STATE    STATUS   MEETINGS  USERS  LARGEST MEETING  VIDEOS  LOAD         BBB VERSION  TAG\n" +
				"bbb3.example.com  enabled  offline  -         -      -                -       unavailable  -            -\n",
		},
		{
			name: "no servers",
			rows: `[]`,
			want: "HOSTNAME  STATE  STATUS  MEETINGS  USERS  LARGEST MEETING  VIDEOS  LOAD  BBB VERSION  TAG\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []StatusRow
			if err := json.Unmarshal([]byte(tt.rows), &rows); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := statusTable(&out, rows); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", out.String(), tt.want)
			}
			assertAligned(t, out.String())
		})
	}
}

// assertAligned checks that every column of a table starts at the same
// offset on every line, which is what makes it readable.
func assertAligned(t *testing.T, table string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	starts := columnStarts(lines[0])
	for _, line := range lines[1:] {
		for _, s := range starts {
			if s > 0 && (s > len(line) || line[s-1] != ' ' || line[s] == ' ') {
				t.Errorf("line %q has no column starting at %d", line, s)
			}
		}
	}
}

// columnStarts returns where the header's columns start: after a run of
// two or more spaces (single spaces are inside a header like "BBB VERSION").
func columnStarts(header string) []int {
	starts := []int{0}
	for i := 2; i < len(header); i++ {
		if header[i] != ' ' && header[i-1] == ' ' && header[i-2] == ' ' {
			starts = append(starts, i)
		}
	}
	return starts
}

func TestStatusAndPollCommands(t *testing.T) {
	status := `[{"hostname":"bbb1.example.com","state":"enabled","status":"online","meetings":1,"users":2,` +
		`"largest_meeting":2,"videos":0,"load":3,"bbb_version":"3.0.4","tag":""}]`
	tests := []requestCase{
		{
			name:    "status",
			args:    []string{"status"},
			replies: map[string]cannedReply{"GET /bbb/status": {200, status}},
			want:    []recordedRequest{{Method: "GET", Path: "/bbb/status"}},
			wantStdout: "" +
				"HOSTNAME          STATE    STATUS  MEETINGS  USERS  LARGEST MEETING  VIDEOS  LOAD  BBB VERSION  TAG\n" +
				"bbb1.example.com  enabled  online  1         2      2                0       3     3.0.4        -\n",
		},
		{
			name:       "status json",
			args:       []string{"status", "--json"},
			replies:    map[string]cannedReply{"GET /bbb/status": {200, status + "\n"}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/status"}},
			wantStdout: status + "\n",
		},
		{
			name: "poll summary",
			args: []string{"poll"},
			replies: map[string]cannedReply{"POST /bbb/poll": {200, `{"started":"2026-11-23T10:00:00Z","duration_ms":41.234,` +
				`"polled":3,"online":2,"offline":1,"failed":["bbb3"],"skipped":[]}`}},
			want: []recordedRequest{{Method: "POST", Path: "/bbb/poll"}},
			wantStdout: "polled:      3\nonline:      2\noffline:     1\nfailed:      bbb3\nskipped:     -\n" +
				"duration_ms: 41.23\nstarted:     2026-11-23T10:00:00Z\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
