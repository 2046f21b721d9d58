package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/caddyrun"
)

// buildCaddy builds the main package pkg (such as ./cmd/caddy) of the
// module that holds the working directory into dir/name and returns the
// binary's path.
func buildCaddy(ctx context.Context, dir, pkg, name string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("find the module root: run this from inside the caddy-bbb module")
	}
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = filepath.Dir(gomod)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	return bin, nil
}

// childConfig returns the JSON config of the measured Caddy: the admin
// endpoint on adminAddr (the bbb admin routes and Go's /debug/ handlers live
// there), one HTTP server on siteAddr with the bbb handler, and the bbb app
// with its SQLite store and recordings folders under dir. Polling is left to
// the benchmark (POST /bbb/poll), so a periodic cycle never lands inside a
// measurement.
func childConfig(dir, secret, adminAddr, siteAddr string) ([]byte, error) {
	rec := filepath.Join(dir, "recordings")
	for _, d := range []string{"spool", "work", "published", "unpublished"} {
		if err := os.MkdirAll(filepath.Join(rec, d), 0o755); err != nil {
			return nil, fmt.Errorf("recordings dir: %w", err)
		}
	}
	return caddyrun.Config(dir, caddyrun.Admin(adminAddr), map[string]any{
		"bbb": map[string]any{
			"secrets":       []string{secret},
			"store":         map[string]any{"sqlite": map[string]any{"path": filepath.Join(dir, "bbb.db")}},
			"poll_interval": "1h",
			"recordings": map[string]any{
				"spool_dir":     filepath.Join(rec, "spool"),
				"work_dir":      filepath.Join(rec, "work"),
				"publish_dir":   filepath.Join(rec, "published"),
				"unpublish_dir": filepath.Join(rec, "unpublished"),
			},
		},
		"http": map[string]any{
			"servers": map[string]any{"lb": caddyrun.Server(siteAddr, caddyrun.Handle("bbb", nil))},
		},
	})
}

// stockConfig returns the JSON config of the stock Caddy baseline: the same
// admin endpoint, storage and logging as childConfig, and one HTTP server on
// siteAddr answering a static response.
func stockConfig(dir, adminAddr, siteAddr string) ([]byte, error) {
	return caddyrun.Config(dir, caddyrun.Admin(adminAddr), map[string]any{
		"http": map[string]any{
			"servers": map[string]any{
				"site": caddyrun.Server(siteAddr, caddyrun.Handle("static_response", map[string]any{"body": "ok"})),
			},
		},
	})
}

// child is the measured Caddy, running as a process of its own.
type child struct {
	cmd       *exec.Cmd
	adminBase string // http://host:port of the admin endpoint
	logPath   string
	exited    chan struct{} // closed when the process has been waited for
	waitErr   error         // set before exited is closed
}

// startChild runs `caddy run` with the config at cfgPath and waits until
// every URL of ready answers 200. extraEnv is added to the environment
// (e.g. GOMEMLIMIT=50MiB to try a setting).
func startChild(ctx context.Context, bin, dir, cfgPath, adminAddr string, ready []string, extraEnv []string) (*child, error) {
	logPath := filepath.Join(dir, "caddy.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("caddy log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Dir = dir
	// Caddy's default data and config dirs would be in the home directory.
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Should this process die without its cleanup, the kernel ends the
	// child too, so no Caddy is left behind holding the ports.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start caddy: %w", err)
	}
	c := &child{cmd: cmd, adminBase: "http://" + adminAddr, logPath: logPath, exited: make(chan struct{})}
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	if err := c.waitReady(ctx, ready); err != nil {
		c.stop(5 * time.Second)
		return nil, fmt.Errorf("%w\n%s", err, c.logTail(20))
	}
	return c, nil
}

// waitReady waits, for at most 30 s, until every URL of ready answers 200.
func (c *child) waitReady(ctx context.Context, ready []string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	probe := func(url string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		all := true
		for _, u := range ready {
			all = all && probe(u)
		}
		if all {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("caddy exited before it was ready: %v", c.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("caddy not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM, waits up to grace for the process to end, then kills
// it and waits for that.
func (c *child) stop(grace time.Duration) {
	select {
	case <-c.exited:
		return
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		fmt.Fprintln(os.Stderr, "bench/memory: SIGTERM caddy:", err)
	}
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-c.exited:
		return
	case <-timer.C:
	}
	fmt.Fprintf(os.Stderr, "bench/memory: caddy still running %s after SIGTERM; killing it\n", grace)
	if err := c.cmd.Process.Kill(); err != nil {
		fmt.Fprintln(os.Stderr, "bench/memory: kill caddy:", err)
	}
	<-c.exited
}

// logTail returns the last n lines of the child's output.
func (c *child) logTail(n int) string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// memory is what the child's kernel and Go runtime report at one moment.
type memory struct {
	rss, hwm, anon, file int64 // bytes: VmRSS, VmHWM, RssAnon, RssFile
	heapInuse, goSys     uint64
}

// procStatus reads the memory lines of /proc/<pid>/status.
func procStatus(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("read status of %d: %w", pid, err)
	}
	defer f.Close()
	m, err := parseStatus(f)
	if err != nil {
		return memory{}, fmt.Errorf("status of %d: %w", pid, err)
	}
	return m, nil
}

// parseStatus picks VmRSS, VmHWM, RssAnon and RssFile out of the text of a
// /proc/<pid>/status file.
func parseStatus(r io.Reader) (memory, error) {
	var m memory
	fields := map[string]*int64{"VmRSS:": &m.rss, "VmHWM:": &m.hwm, "RssAnon:": &m.anon, "RssFile:": &m.file}
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		dst, ok := fields[f[0]]
		if !ok {
			continue
		}
		if len(f) != 3 || f[2] != "kB" {
			return m, fmt.Errorf("unexpected line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			return m, fmt.Errorf("line %q: %w", sc.Text(), err)
		}
		*dst = kb << 10
		found++
	}
	if err := sc.Err(); err != nil {
		return m, err
	}
	if found != len(fields) {
		return m, fmt.Errorf("found %d of the %d memory lines", found, len(fields))
	}
	return m, nil
}

// measure reads the child's RSS and, from its admin endpoint's expvar page,
// the Go runtime's view: heap in use and all memory obtained from the OS.
func (c *child) measure(ctx context.Context) (memory, error) {
	m, err := procStatus(c.cmd.Process.Pid)
	if err != nil {
		return m, err
	}
	var vars struct {
		MemStats struct {
			HeapInuse uint64
			Sys       uint64
		} `json:"memstats"`
	}
	body, err := c.get(ctx, "/debug/vars")
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(body, &vars); err != nil {
		return m, fmt.Errorf("decode /debug/vars: %w", err)
	}
	m.heapInuse, m.goSys = vars.MemStats.HeapInuse, vars.MemStats.Sys
	return m, nil
}

// rss reads the child's VmRSS only, cheap enough to sample often.
func (c *child) rss() (int64, error) {
	m, err := procStatus(c.cmd.Process.Pid)
	return m.rss, err
}

// saveHeapProfile writes the child's heap profile to path.
func (c *child) saveHeapProfile(ctx context.Context, path string) error {
	body, err := c.get(ctx, "/debug/pprof/heap")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	return nil
}

// get fetches a path of the admin endpoint.
func (c *child) get(ctx context.Context, path string) ([]byte, error) {
	return c.admin(ctx, http.MethodGet, path, nil, http.StatusOK)
}

// admin sends a request to the admin endpoint and returns the body of an
// answer with status want.
func (c *child) admin(ctx context.Context, method, path string, body any, want int) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.adminBase+path, rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("%s %s: status %d: %.300s", method, path, resp.StatusCode, b)
	}
	return b, nil
}
