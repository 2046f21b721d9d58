package admin

import "testing"

func TestRecordingsCommands(t *testing.T) {
	tests := []requestCase{
		{
			name: "import",
			args: []string{"recordings", "import"},
			replies: map[string]cannedReply{"POST /bbb/recordings/import": {200,
				`{"imported":["rec-1","rec-2"],"failed":[],"duration_ms":12.5}`}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/recordings/import"}},
			wantStdout: "imported: 2\n  rec-1\n  rec-2\nfailed:   0\ntook:     12.5 ms\n",
		},
		{
			name: "import with failures",
			args: []string{"recordings", "import"},
			replies: map[string]cannedReply{"POST /bbb/recordings/import": {200,
				`{"imported":[],"failed":[{"file":"a.tar","reason":"bad tar","retry":false},` +
					`{"file":"b.tar","format":"video","reason":"store down","retry":true}],"duration_ms":3}`}},
			want: []recordedRequest{{Method: "POST", Path: "/bbb/recordings/import"}},
			wantStdout: "imported: 0\nfailed:   2\n" +
				"  a.tar: bad tar; moved to the failed folder\n" +
				"  b.tar (video): store down; left in the spool for another try\n" +
				"took:     3 ms\n",
			wantCode: exitFailure,
		},
		{
			name:       "assign tenant",
			args:       []string{"recordings", "assign-tenant", "acme"},
			replies:    map[string]cannedReply{"POST /bbb/recordings/assign-tenant": {200, `{"assigned":42}`}},
			want:       []recordedRequest{{Method: "POST", Path: "/bbb/recordings/assign-tenant", ContentType: cliJSONType, Body: `{"tenant":"acme"}`}},
			wantStdout: "OK: 42 recording(s) assigned to tenant acme\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
