package bbbsim

import (
	"net/http"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// TestChecksumVector runs the documented create example with checksums
// computed independently of package bbb (spec/bbb-api.md §1.1).
func TestChecksumVector(t *testing.T) {
	const query = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"
	vectors := map[string]string{
		"sha1":   "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17",
		"sha256": "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e",
		"sha384": "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
		"sha512": "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4",
	}
	for alg, sum := range vectors {
		t.Run(alg, func(t *testing.T) {
			s := startSim(t, Options{Secret: testSecret})
			root := parseXML(t, do(t, http.MethodGet, s.URL()+"/create?"+query+"&checksum="+sum, "", nil))
			if rc := root.text("returncode"); rc != "SUCCESS" {
				t.Fatalf("returncode %s: %s", rc, root.text("message"))
			}
			if got := root.text("attendeePW"); got != "111222" {
				t.Errorf("attendeePW %q, want 111222", got)
			}
		})
	}
}

func TestChecksum(t *testing.T) {
	const query = "meetingID=room-1"
	tests := []struct {
		name    string
		allowed []bbb.Algorithm
		url     func(s *Sim) string
		wantMsg string // "" means accepted
	}{
		{"sha1", nil, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA1) }, ""},
		{"sha256", nil, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA256) }, ""},
		{"sha384", nil, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA384) }, ""},
		{"sha512", nil, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA512) }, ""},
		{"upper-case hex", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?" + query + "&checksum=" +
				strings.ToUpper(bbb.Checksum(bbb.SHA256, "isMeetingRunning", query, testSecret))
		}, ""},
		{"checksum first", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?checksum=" + bbb.Checksum(bbb.SHA1, "isMeetingRunning", query, testSecret) + "&" + query
		}, ""},
		{"empty query", nil, func(s *Sim) string { return sign(s, "getMeetings", "", bbb.SHA1) }, ""},
		{"allowed only", []bbb.Algorithm{bbb.SHA512}, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA512) }, ""},
		{"disallowed algorithm", []bbb.Algorithm{bbb.SHA256, bbb.SHA512}, func(s *Sim) string { return sign(s, "isMeetingRunning", query, bbb.SHA1) }, "Checksums do not match"},
		{"wrong secret", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?" + query + "&checksum=" + bbb.Checksum(bbb.SHA256, "isMeetingRunning", query, "other")
		}, "Checksums do not match"},
		{"other call", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?" + query + "&checksum=" + bbb.Checksum(bbb.SHA256, "getMeetingInfo", query, testSecret)
		}, "Checksums do not match"},
		{"query changed", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?meetingID=room-2&checksum=" + bbb.Checksum(bbb.SHA256, "isMeetingRunning", query, testSecret)
		}, "Checksums do not match"},
		{"re-encoded query", nil, func(s *Sim) string {
			signed := "meetingID=room+1"
			return s.URL() + "/isMeetingRunning?meetingID=room%201&checksum=" + bbb.Checksum(bbb.SHA256, "isMeetingRunning", signed, testSecret)
		}, "Checksums do not match"},
		{"bad length", nil, func(s *Sim) string {
			return s.URL() + "/isMeetingRunning?" + query + "&checksum=" + bbb.Checksum(bbb.SHA256, "isMeetingRunning", query, testSecret)[:50]
		}, "Checksums do not match"},
		{"duplicate checksum", nil, func(s *Sim) string {
			sum := bbb.Checksum(bbb.SHA256, "isMeetingRunning", query, testSecret)
			return s.URL() + "/isMeetingRunning?" + query + "&checksum=" + sum + "&checksum=" + sum
		}, "Checksums do not match"},
		{"missing", nil, func(s *Sim) string { return s.URL() + "/isMeetingRunning?" + query }, "You must provide the checksum"},
		{"empty", nil, func(s *Sim) string { return s.URL() + "/isMeetingRunning?" + query + "&checksum=" }, "You must provide the checksum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{Algorithms: tc.allowed})
			root := parseXML(t, do(t, http.MethodGet, tc.url(s), "", nil))
			if tc.wantMsg == "" {
				if rc := root.text("returncode"); rc != "SUCCESS" {
					t.Fatalf("rejected: %s %s", root.text("messageKey"), root.text("message"))
				}
				return
			}
			wantError(t, root, "checksumError", tc.wantMsg)
		})
	}
}

// TestChecksumEmptySecret: like bbb-web with an empty securitySalt, nothing
// is checked.
func TestChecksumEmptySecret(t *testing.T) {
	s := New(Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root := parseXML(t, do(t, http.MethodGet, s.URL()+"/getMeetings", "", nil))
	if rc := root.text("returncode"); rc != "SUCCESS" {
		t.Fatalf("returncode %s: %s", rc, root.text("message"))
	}
}

// TestChecksumPostForm: the checksum covers the URL query only; form body
// parameters are not signed, and the checksum itself may sit in the body.
func TestChecksumPostForm(t *testing.T) {
	s := startSim(t, Options{})
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name     string
		url      string
		body     string
		wantCode string
	}{
		{"params in body, checksum in URL", sign(s, "create", "", bbb.SHA256), "meetingID=form-1&name=Form+One", "SUCCESS"},
		{"everything in body", s.URL() + "/create", "meetingID=form-2&name=Form+Two&checksum=" + bbb.Checksum(bbb.SHA1, "create", "", testSecret), "SUCCESS"},
		{"signed URL, extra body", sign(s, "create", "meetingID=form-3", bbb.SHA256), "name=Form+Three", "SUCCESS"},
		{"body params signed as query", s.URL() + "/create", "meetingID=form-4&name=F4&checksum=" + bbb.Checksum(bbb.SHA1, "create", "meetingID=form-4&name=F4", testSecret), "FAILED"},
		{"checksum in URL and body", sign(s, "create", "", bbb.SHA256), "meetingID=form-5&name=F5&checksum=" + bbb.Checksum(bbb.SHA256, "create", "", testSecret), "FAILED"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := parseXML(t, do(t, http.MethodPost, tc.url, form, []byte(tc.body)))
			if rc := root.text("returncode"); rc != tc.wantCode {
				t.Fatalf("returncode %s (%s), want %s", rc, root.text("message"), tc.wantCode)
			}
			if tc.wantCode == "FAILED" {
				wantError(t, root, "checksumError", "Checksums do not match")
			}
		})
	}
	if _, ok := s.Meeting("form-2"); !ok {
		t.Error("meeting form-2, created from a form body, is missing")
	}
}
