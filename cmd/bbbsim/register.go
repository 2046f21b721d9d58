package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// registerTimeout bounds each admin API call.
const registerTimeout = 10 * time.Second

// register adds every server to a running caddy-bbb through its admin API
// (POST /bbb/servers, then POST /bbb/servers/{id}/enable), stopping at the
// first failure.
func register(ctx context.Context, admin string, servers []server) error {
	base := admin
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	base = strings.TrimSuffix(base, "/")
	client := &http.Client{Timeout: registerTimeout}
	defer client.CloseIdleConnections()

	for _, s := range servers {
		add, err := json.Marshal(map[string]string{"url": s.sim.URL(), "secret": s.sim.Secret(), "id": s.id})
		if err != nil {
			return fmt.Errorf("register %s: encode: %w", s.id, err)
		}
		if err := adminPost(ctx, client, base+"/bbb/servers", add); err != nil {
			return fmt.Errorf("register %s at %s: %w", s.id, admin, err)
		}
		if err := adminPost(ctx, client, base+"/bbb/servers/"+url.PathEscape(s.id)+"/enable", nil); err != nil {
			return fmt.Errorf("enable %s at %s: %w", s.id, admin, err)
		}
	}
	return nil
}

// adminPost posts a JSON body and fails on any non-2xx answer, quoting the
// admin API's {"error": …} message when there is one.
func adminPost(ctx context.Context, client *http.Client, target string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, registerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("POST %s: %w", target, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w (is caddy-bbb running with its admin endpoint there?)", target, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if err != nil {
		return fmt.Errorf("POST %s: read answer: %w", target, err)
	}
	if resp.StatusCode/100 == 2 {
		return nil
	}
	msg := strings.TrimSpace(string(reply))
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(reply, &e) == nil && e.Error != "" {
		msg = e.Error
	}
	if resp.StatusCode == http.StatusNotFound && e.Error == "" {
		msg += " (does this caddy-bbb have the /bbb/ admin routes?)"
	}
	return fmt.Errorf("POST %s: %s: %s", target, resp.Status, msg)
}
