// Package integration starts a real Caddy (caddytest) with caddy-bbb end to
// end. Every caddytest test lives in this one package: caddytest runs Caddy
// in-process with its admin endpoint on localhost:2999, which a second test
// binary running at the same time would collide with.
package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddytest"
	"github.com/caddyserver/certmagic"
)

// TestMain points Caddy's data and config directories at a temporary
// directory, so the in-process Caddy (its storage, autosaved config, the
// SQLite store) never writes into the user's home. Caddy computes its default
// storage and autosave path when its package loads, before TestMain runs, so
// those are replaced too; the environment covers later AppDataDir calls.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "caddy-bbb-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "create temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	for env, sub := range map[string]string{"XDG_DATA_HOME": "data", "XDG_CONFIG_HOME": "config"} {
		if err := os.Setenv(env, filepath.Join(dir, sub)); err != nil {
			fmt.Fprintln(os.Stderr, "set", env+":", err)
			return 1
		}
	}
	caddy.DefaultStorage = &certmagic.FileStorage{Path: caddy.AppDataDir()}
	caddy.ConfigAutosavePath = filepath.Join(caddy.AppConfigDir(), "autosave.json")
	return m.Run()
}

// newTester returns a caddytest Tester. caddytest skips a test, rather than
// failing it, when it cannot start Caddy; under CI that would let a broken
// start pass unnoticed, so there a skip fails the test.
func newTester(t *testing.T) *caddytest.Tester {
	t.Helper()
	t.Cleanup(func() {
		if t.Skipped() && os.Getenv("CI") != "" {
			t.Error("caddytest skipped this test under CI: Caddy did not start")
		}
	})
	tester := caddytest.NewTester(t)
	tester.Client.Transport = retryDropped{next: tester.Client.Transport}
	return tester
}
