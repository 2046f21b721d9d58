package bbb

import (
	"net/url"
	"strings"
	"testing"
)

func TestSignedURL(t *testing.T) {
	const secret = "s3cr3t"
	tests := []struct {
		name      string
		serverURL string
		call      string
		p         Params
		a         Algorithm
		wantBase  string
		wantQuery string // without the checksum
	}{
		{"slash added", "https://bbb1.example.com/bigbluebutton/api", "getMeetingInfo",
			Params{{"meetingID", "room 1"}}, SHA256,
			"https://bbb1.example.com/bigbluebutton/api/getMeetingInfo", "meetingID=room+1"},
		{"slash kept", "https://bbb1.example.com/bigbluebutton/api/", "join",
			Params{{"fullName", "Ann"}, {"meetingID", "m"}, {"role", "VIEWER"}}, SHA1,
			"https://bbb1.example.com/bigbluebutton/api/join", "fullName=Ann&meetingID=m&role=VIEWER"},
		{"no params", "http://127.0.0.1:8080/bigbluebutton/api", "getMeetings", nil, SHA512,
			"http://127.0.0.1:8080/bigbluebutton/api/getMeetings", ""},
		{"sha384 and escapes", "https://b/bigbluebutton/api", "create",
			Params{{"name", "A&B=C"}, {"meta_bbb-origin-url", "https://x/?q=1"}}, SHA384,
			"https://b/bigbluebutton/api/create", "name=A%26B%3DC&meta_bbb-origin-url=https%3A%2F%2Fx%2F%3Fq%3D1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SignedURL(tt.serverURL, tt.call, tt.p, secret, tt.a)
			base, rawQuery, ok := strings.Cut(got, "?")
			if !ok || base != tt.wantBase {
				t.Fatalf("SignedURL = %q, want base %q", got, tt.wantBase)
			}
			sum := refSum(tt.a, tt.call+tt.wantQuery+secret)
			wantRaw := "checksum=" + sum
			if tt.wantQuery != "" {
				wantRaw = tt.wantQuery + "&" + wantRaw
			}
			if rawQuery != wantRaw {
				t.Errorf("query = %q, want %q", rawQuery, wantRaw)
			}
			// What a BBB server does with it: parse the URL, verify the raw query.
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := (Verifier{}).Verify(tt.call, u.RawQuery, u.Query().Get("checksum"), []string{secret}); err != nil {
				t.Errorf("a BBB server would reject %q: %v", got, err)
			}
		})
	}
}

func TestVersionURL(t *testing.T) {
	got := VersionURL("https://bbb1.example.com/bigbluebutton/api", "s3cr3t", SHA1)
	want := "https://bbb1.example.com/bigbluebutton/api?checksum=" + refSum(SHA1, "s3cr3t")
	if got != want {
		t.Errorf("VersionURL = %q, want %q", got, want)
	}
}
