package admin

import "testing"

func TestMeetingsCommands(t *testing.T) {
	meetings := `[{"id":"room1","tenant":"","server_id":"bbb1","server_url":"https://bbb1/bigbluebutton/api",` +
		`"created":"2026-11-23T10:00:00Z","voice_bridge":"712345678","participants":12,"moderators":1,"videos":3},` +
		`{"id":"room1","tenant":"t-acme","server_id":"bbb2","server_url":"https://bbb2/bigbluebutton/api",` +
		`"created":"2026-11-23T10:05:00Z","voice_bridge":"798765432","participants":0,"moderators":0,"videos":0}]`
	meeting := `{"id":"room1","tenant":"t-acme","server_id":"bbb2","server_url":"https://bbb2/bigbluebutton/api",` +
		`"created":"2026-11-23T10:05:00Z","voice_bridge":"798765432","participants":0,"moderators":0,"videos":0,"running":true}`
	tests := []requestCase{
		{
			name:    "meetings alone lists",
			args:    []string{"meetings"},
			replies: map[string]cannedReply{"GET /bbb/meetings": {200, meetings}},
			want:    []recordedRequest{{Method: "GET", Path: "/bbb/meetings"}},
			wantStdout: "" +
				"MEETING ID  TENANT  SERVER  CREATED               VOICE BRIDGE  PARTICIPANTS  MODERATORS  VIDEOS\n" +
				"room1       -       bbb1    2026-11-23T10:00:00Z  712345678     12            1           3\n" +
				"room1       t-acme  bbb2    2026-11-23T10:05:00Z  798765432     0             0           0\n",
		},
		{
			name:       "list filtered",
			args:       []string{"meetings", "list", "--tenant", "acme", "--server", "bbb2"},
			replies:    map[string]cannedReply{"GET /bbb/meetings": {200, `[]`}},
			want:       []recordedRequest{{Method: "GET", Path: "/bbb/meetings", Query: "server=bbb2&tenant=acme"}},
			wantStdout: "MEETING ID  TENANT  SERVER  CREATED  VOICE BRIDGE  PARTICIPANTS  MODERATORS  VIDEOS\n",
		},
		{
			name:    "info of a tenant's meeting",
			args:    []string{"meetings", "info", "room 1", "--tenant", "t-acme"},
			replies: map[string]cannedReply{"GET /bbb/meetings/room%201": {200, meeting}},
			want:    []recordedRequest{{Method: "GET", Path: "/bbb/meetings/room%201", Query: "tenant=t-acme"}},
			wantStdout: "" +
				"id:           room1\n" +
				"tenant:       t-acme\n" +
				"server_id:    bbb2\n" +
				"server_url:   https://bbb2/bigbluebutton/api\n" +
				"created:      2026-11-23T10:05:00Z\n" +
				"voice_bridge: 798765432\n" +
				"participants: 0\n" +
				"moderators:   0\n" +
				"videos:       0\n" +
				"running:      true\n",
		},
		{
			name: "end several, one unknown",
			args: []string{"meetings", "end", "a", "b", "c", "--yes", "--tenant", "t"},
			replies: map[string]cannedReply{
				"DELETE /bbb/meetings/a": {200, `{}`},
				"DELETE /bbb/meetings/c": {200, `{}`},
			},
			want: []recordedRequest{
				{Method: "DELETE", Path: "/bbb/meetings/a", Query: "tenant=t"},
				{Method: "DELETE", Path: "/bbb/meetings/b", Query: "tenant=t"},
				{Method: "DELETE", Path: "/bbb/meetings/c", Query: "tenant=t"},
			},
			wantStdout: "OK: meeting a ended\nOK: meeting c ended\n",
			wantCode:   exitFailure,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.run)
	}
}
