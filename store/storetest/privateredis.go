package storetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisServerBin is where Debian's redis-server package puts the binary.
const redisServerBin = "/usr/bin/redis-server"

// PrivateRedis is a redis-server of one test's own, on a unix socket in the
// test's temp dir, so the test may kill it or look at every key it holds.
type PrivateRedis struct {
	t    *testing.T
	bin  string
	dir  string
	sock string
	cmd  *exec.Cmd
}

// StartPrivateRedis starts a redis-server that keeps its data in an
// append-only file synced on every write, so it survives a kill. Without the
// binary the test is skipped, or fails under CI.
func StartPrivateRedis(t *testing.T) *PrivateRedis {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = redisServerBin
	}
	if _, err := os.Stat(bin); err != nil {
		msg := "redis-server not found (install the Debian package redis-server): " + err.Error()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	r := &PrivateRedis{t: t, bin: bin, dir: dir, sock: filepath.Join(dir, "redis.sock")}
	r.Start()
	t.Cleanup(r.Kill)
	return r
}

// URL is the unix:// URL of the server.
func (r *PrivateRedis) URL() string { return "unix://" + r.sock }

// Start starts the server (again, after Kill) on the same socket and data.
func (r *PrivateRedis) Start() {
	r.t.Helper()
	r.cmd = exec.Command(r.bin,
		"--port", "0",
		"--unixsocket", r.sock,
		"--unixsocketperm", "700",
		"--dir", r.dir,
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--logfile", filepath.Join(r.dir, "redis.log"),
	)
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	r.waitReady()
}

// waitReady waits, bounded, until the server answers PING.
func (r *PrivateRedis) waitReady() {
	r.t.Helper()
	c := goredis.NewClient(&goredis.Options{
		Network: "unix", Addr: r.sock, MaxRetries: -1,
		DialTimeout: 100 * time.Millisecond, ReadTimeout: 100 * time.Millisecond,
	})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			r.t.Fatalf("redis-server not ready after 10s: %v\n%s", err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill ends the server at once, as a crash would; it is a no-op once done.
func (r *PrivateRedis) Kill() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	_ = r.cmd.Wait()
	r.cmd = nil
}

// Pause stops the server without closing its socket, so calls hang instead
// of failing.
func (r *PrivateRedis) Pause() { r.signal(syscall.SIGSTOP) }

// Resume lets a paused server go on.
func (r *PrivateRedis) Resume() { r.signal(syscall.SIGCONT) }

func (r *PrivateRedis) signal(sig syscall.Signal) {
	r.t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		r.t.Fatalf("signal redis-server: %v", err)
	}
}
