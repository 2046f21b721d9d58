package integration

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddytest"

	_ "github.com/caddy-bbb/caddy-bbb"
)

// testHeader is the global options every caddytest config starts with: the
// admin endpoint caddytest drives, unprivileged ports, nothing persisted.
const testHeader = `
	skip_install_trust
	admin localhost:2999
	http_port 9080
	https_port 9443
	grace_period 1ns
	persist_config off
`

const (
	indexDoc       = `<response><returncode>SUCCESS</returncode><version>2.0</version></response>`
	unsupportedDoc = `<response><returncode>FAILED</returncode><messageKey>unsupportedRequest</messageKey>` +
		`<message>This request is not supported.</message></response>`
	staticBody = "served by file_server"
)

// bbbSite is a site as DESIGN.md lays it out: the bbb handler in front of a
// file_server, which serves whatever bbb passes on.
func bbbSite(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "static.txt"), []byte(staticBody), 0o644); err != nil {
		t.Fatal(err)
	}
	return `
http://localhost:9080 {
	bbb
	root * ` + root + `
	file_server
}
`
}

func TestIndex(t *testing.T) {
	tests := []struct {
		name      string
		global    string // the bbb global option, "" for none
		wantIndex string
	}{
		{
			name:      "directive without global block",
			wantIndex: indexDoc,
		},
		{
			name:      "global block without build number",
			global:    "bbb {\n\t\tsecrets integration-secret\n\t}",
			wantIndex: indexDoc,
		},
		{
			name:      "global block with build number",
			global:    "bbb {\n\t\tsecrets integration-secret\n\t\tbuild_number 42\n\t}",
			wantIndex: `<response><returncode>SUCCESS</returncode><version>2.0</version><build>42</build></response>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tester := newTester(t)
			tester.InitServer("{"+testHeader+"\t"+tt.global+"\n}\n"+bbbSite(t), "caddyfile")

			for _, target := range []string{"http://localhost:9080/bigbluebutton/api", "http://localhost:9080/bigbluebutton/api/"} {
				resp, _ := tester.AssertGetResponse(target, http.StatusOK, tt.wantIndex)
				assertXMLContentType(t, resp)
				resp, _ = tester.AssertPostResponseBody(target, nil, new(bytes.Buffer), http.StatusOK, tt.wantIndex)
				assertXMLContentType(t, resp)
			}

			resp, _ := tester.AssertGetResponse("http://localhost:9080/bigbluebutton/api/noSuchCall?checksum=abc", http.StatusOK, unsupportedDoc)
			assertXMLContentType(t, resp)

			tester.AssertGetResponse("http://localhost:9080/static.txt", http.StatusOK, staticBody)
			tester.AssertGetResponse("http://localhost:9080/missing.txt", http.StatusNotFound, "")

			// The admin routes see the bbb app, so an unknown one is a JSON 404.
			assertAdminError(t, tester, "http://localhost:2999/bbb/nope", http.StatusNotFound, "/bbb/nope")
		})
	}
}

// TestAdminWithoutApp checks that the admin routes, mounted on every config,
// answer 503 naming the bbb app when the running config has none.
func TestAdminWithoutApp(t *testing.T) {
	tester := newTester(t)
	tester.InitServer("{"+testHeader+"}\nhttp://localhost:9080 {\n\trespond \"no bbb here\"\n}\n", "caddyfile")
	tester.AssertGetResponse("http://localhost:9080/bigbluebutton/api", http.StatusOK, "no bbb here")
	assertAdminError(t, tester, "http://localhost:2999/bbb/nope", http.StatusServiceUnavailable, "bbb app")
}

func assertXMLContentType(t *testing.T, resp *http.Response) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml;charset=utf-8" {
		t.Errorf("%s %s: Content-Type = %q, want text/xml;charset=utf-8", resp.Request.Method, resp.Request.URL, ct)
	}
}

// assertAdminError checks that an admin request fails with status and a JSON
// {"error": "..."} body whose message contains wantInMessage.
func assertAdminError(t *testing.T, tester *caddytest.Tester, url string, status int, wantInMessage string) {
	t.Helper()
	resp, err := tester.Client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	if resp.StatusCode != status {
		t.Errorf("GET %s: status %d, want %d (body %s)", url, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type = %q, want application/json", url, ct)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("GET %s: body is not JSON: %v (%s)", url, err, body)
	}
	msg, _ := doc["error"].(string)
	if !strings.Contains(msg, wantInMessage) {
		t.Errorf("GET %s: error = %q, want it to contain %q", url, msg, wantInMessage)
	}
}
