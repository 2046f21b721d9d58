package integration

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store/storetest"
)

// TestHealthCheckWithStoreDown runs the load balancer on a Redis of its own,
// kills that Redis and starts it again: /health_check answers 503 naming the
// live store while it is down, API calls fail cleanly as BBB documents, and
// both recover without a reload once Redis is back.
func TestHealthCheckWithStoreDown(t *testing.T) {
	redis := storetest.StartPrivateRedis(t)
	config := "{" + testHeader + "\tbbb {\n" +
		"\t\tsecrets " + lbSecret + "\n" +
		"\t\tredis " + redis.URL() + "\n" +
		"\t\tstore sqlite " + filepath.Join(t.TempDir(), "bbb.db") + "\n" +
		"\t\tconnect_timeout 1s\n\t\tresponse_timeout 2s\n" +
		"\t}\n}\nhttp://" + lbAddr + " {\n\tbbb\n}\n"
	tester := newTester(t)
	tester.InitServer(config, "caddyfile")
	client := &http.Client{Transport: loopbackTransport(), Timeout: 10 * time.Second}
	t.Cleanup(client.CloseIdleConnections)

	health := func() (int, string) {
		t.Helper()
		resp, err := client.Get("http://" + lbAddr + "/health_check")
		if err != nil {
			t.Fatalf("GET /health_check: %v", err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	running := frontEnd.url("isMeetingRunning", "meetingID=room1")

	if code, body := health(); code != http.StatusOK || body != "success" {
		t.Fatalf("with Redis up: %d %q, want 200 success", code, body)
	}
	if err := check(client, running, http.StatusOK, "<running>false</running>"); err != nil {
		t.Fatalf("with Redis up: %v", err)
	}

	redis.Kill()
	code, body := health()
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "live store") || strings.Contains(body, "recordings store") {
		t.Errorf("with Redis down: %d %q, want 503 naming the live store only", code, body)
	}
	if err := check(client, running, http.StatusOK, "<messageKey>internalError</messageKey>"); err != nil {
		t.Errorf("API call with Redis down: %v", err)
	}

	redis.Start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := health()
		if code == http.StatusOK && body == "success" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10s after Redis came back: %d %q, want 200 success", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := check(client, running, http.StatusOK, "<running>false</running>"); err != nil {
		t.Errorf("API call after Redis came back: %v", err)
	}
}
