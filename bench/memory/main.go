// Command memory measures the resident memory of the load balancer alone
// against the targets of DESIGN §7: idle RSS at most 60 MB, at most 80 MB
// under sustained proxied load, and at most 150 MB with 10,000 live
// meetings.
//
// It builds Caddy with caddy-bbb (./cmd/caddy) into a temp dir and runs it
// as a child process: admin endpoint and one site on loopback, the bbb app
// on a SQLite store in the temp dir, no periodic poll. The simulated BBB
// servers and the load generator run in this process, so the child's
// VmRSS (/proc/<pid>/status) is the load balancer's memory and nothing
// else. Servers are registered through the admin API (add, enable, poll),
// as an operator would.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/loopback"
)

// lbSecret is the front-end secret of the load balancer.
const lbSecret = "memory-lb-secret"

// loadMeeting is the meeting getMeetingInfo and join ask for under load.
const loadMeeting = "memory-load"

// The targets of DESIGN §7.
const (
	targetIdle     = 60 << 20
	targetLoad     = 80 << 20
	targetMeetings = 150 << 20
)

// options are the settings of a run.
type options struct {
	idle, duration, settle, sample time.Duration
	concurrency                    int
	servers, meetings              int
	createConcurrency              int
	baseline                       bool
	caddyBin, profiles             string
	childEnv                       []string
}

func main() {
	var o options
	flag.DurationVar(&o.idle, "idle", 3*time.Second, "wait after start (and after registering servers) before the idle measurement")
	flag.DurationVar(&o.duration, "duration", 25*time.Second, "sustained proxied load")
	flag.DurationVar(&o.settle, "settle", 10*time.Second, "wait after load and after the creates before the settled measurement")
	flag.DurationVar(&o.sample, "sample", 100*time.Millisecond, "RSS sampling interval for the peaks")
	flag.IntVar(&o.concurrency, "concurrency", 32, "keep-alive clients of the load phase")
	flag.IntVar(&o.servers, "servers", 10, "simulated BBB servers")
	flag.IntVar(&o.meetings, "meetings", 10000, "meetings to create")
	flag.IntVar(&o.createConcurrency, "create-concurrency", 32, "concurrent creates")
	flag.BoolVar(&o.baseline, "baseline", true, "first measure a stock Caddy (standard modules only) idle, the floor under the idle target")
	flag.StringVar(&o.caddyBin, "caddy", "", "measure this Caddy binary instead of building ./cmd/caddy")
	flag.StringVar(&o.profiles, "profiles", "", "save the child's heap profile after each phase into this folder")
	env := flag.String("env", "", "comma-separated KEY=VALUE pairs added to the child's environment, e.g. GOMEMLIMIT=50MiB")
	flag.Parse()
	if *env != "" {
		o.childEnv = strings.Split(*env, ",")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/memory:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.concurrency < 1 || o.servers < 1 || o.meetings < 0 || o.createConcurrency < 1 || o.sample <= 0 {
		return fmt.Errorf("-concurrency, -servers, -create-concurrency and -sample must be positive, -meetings not negative")
	}
	if o.profiles != "" {
		if err := os.MkdirAll(o.profiles, 0o755); err != nil {
			return fmt.Errorf("profiles folder: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "caddy-bbb-bench-memory-")
	if err != nil {
		return fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)

	bin := o.caddyBin
	if bin == "" {
		fmt.Fprintln(os.Stderr, "building ./cmd/caddy …")
		if bin, err = buildCaddy(ctx, dir, "./cmd/caddy", "caddy"); err != nil {
			return err
		}
	}
	var stock *memory
	if o.baseline {
		m, err := measureStock(ctx, o, dir)
		if err != nil {
			return fmt.Errorf("stock caddy baseline: %w", err)
		}
		stock = &m
	}
	sims, err := startFleet(o.servers)
	if err != nil {
		return err
	}
	defer sims.close()

	adminAddr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	siteAddr, err := loopback.FreeAddr()
	if err != nil {
		return err
	}
	cfg, err := childConfig(dir, lbSecret, adminAddr, siteAddr)
	if err != nil {
		return err
	}
	cfgPath := filepath.Join(dir, "caddy.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return fmt.Errorf("write caddy config: %w", err)
	}
	ready := []string{"http://" + adminAddr + "/bbb/servers", "http://" + siteAddr + "/bigbluebutton/api"}
	c, err := startChild(ctx, bin, dir, cfgPath, adminAddr, ready, o.childEnv)
	if err != nil {
		return err
	}
	defer c.stop(10 * time.Second)

	b := &bench{o: o, c: c, sims: sims, lb: signer{base: "http://" + siteAddr, secret: lbSecret}, stock: stock}
	runErr := b.phases(ctx)
	b.print()
	if runErr != nil {
		return fmt.Errorf("%w\ncaddy's last output:\n%s", runErr, c.logTail(20))
	}
	return nil
}

// row is one line of the table.
type row struct {
	phase  string
	mem    memory
	peak   bool // mem.rss is the highest sample of a period; the rest unknown
	target int64
}

// bench is one run against one child.
type bench struct {
	o     options
	c     *child
	sims  fleet
	lb    signer
	rows  []row
	notes []string
	stock *memory // the stock Caddy baseline, when measured
}

// phases runs the three phases of the brief in order, recording a row for
// each measurement.
func (b *bench) phases(ctx context.Context) error {
	// (1) Idle: nothing registered, then the fleet online.
	if err := sleep(ctx, b.o.idle); err != nil {
		return err
	}
	if err := b.record(ctx, "idle, just started", targetIdle, "idle-start"); err != nil {
		return err
	}
	if err := b.registerFleet(ctx); err != nil {
		return err
	}
	if err := sleep(ctx, b.o.idle); err != nil {
		return err
	}
	if err := b.record(ctx, fmt.Sprintf("idle, %d servers online", len(b.sims)), targetIdle, "idle-servers"); err != nil {
		return err
	}

	// (2) Sustained proxied load: getMeetingInfo of an existing meeting and
	// join, in turn, from keep-alive clients.
	client := newClient(max(b.o.concurrency, b.o.createConcurrency))
	defer client.CloseIdleConnections()
	create := request{
		name:   "create",
		url:    b.lb.url("create", "name=Memory+load&meetingID="+loadMeeting+"&attendeePW=ap&moderatorPW=mp"),
		status: http.StatusOK,
		want:   []byte("<returncode>SUCCESS</returncode>"),
	}
	reqs := []request{
		{name: "getMeetingInfo", url: b.lb.url("getMeetingInfo", "meetingID="+loadMeeting), status: http.StatusOK,
			want: []byte("<returncode>SUCCESS</returncode>")},
		{name: "join", url: b.lb.url("join", "fullName=Memory+User&meetingID="+loadMeeting+"&password=ap"), status: http.StatusFound},
	}
	if err := sendOnce(ctx, client, create); err != nil {
		return err
	}
	for _, r := range reqs {
		if err := sendOnce(ctx, client, r); err != nil {
			return fmt.Errorf("check before the load: %w", err)
		}
	}
	var load loadResult
	peak, err := b.peakWhile(func() error {
		load = sustain(ctx, client, reqs, b.o.concurrency, b.o.duration)
		return nil
	})
	if err != nil {
		return err
	}
	b.notes = append(b.notes, fmt.Sprintf("load: %d requests in %s (%.0f/s) from %d clients, %d errors",
		load.requests, load.elapsed.Round(time.Millisecond), float64(load.requests)/load.elapsed.Seconds(), b.o.concurrency, load.errors))
	if load.errors > 0 {
		return fmt.Errorf("%d of %d requests under load failed, first: %w", load.errors, load.requests, load.firstErr)
	}
	b.rows = append(b.rows, row{phase: "load, peak sample", mem: memory{rss: peak}, peak: true, target: targetLoad})
	if err := b.record(ctx, "load, right after", targetLoad, ""); err != nil {
		return err
	}
	b.sims.clearRequests()
	if err := sleep(ctx, b.o.settle); err != nil {
		return err
	}
	if err := b.record(ctx, fmt.Sprintf("load, %s after", b.o.settle), targetLoad, "load-settled"); err != nil {
		return err
	}

	// (3) Many live meetings: creates spread by the balancer over the
	// fleet, then a getMeetings that gathers them all, then a poll cycle
	// that syncs them all.
	if b.o.meetings == 0 {
		return nil
	}
	before := b.sims.meetings()
	start := time.Now()
	peak, err = b.peakWhile(func() error {
		return createMeetings(ctx, client, b.lb, b.o.meetings, b.o.createConcurrency)
	})
	if err != nil {
		return fmt.Errorf("create meetings: %w", err)
	}
	if got := b.sims.meetings() - before; got != b.o.meetings {
		return fmt.Errorf("the servers run %d new meetings, want %d", got, b.o.meetings)
	}
	b.sims.clearRequests()
	b.notes = append(b.notes, fmt.Sprintf("creates: %d in %s from %d clients", b.o.meetings, time.Since(start).Round(time.Millisecond), b.o.createConcurrency))
	n := b.o.meetings
	b.rows = append(b.rows, row{phase: fmt.Sprintf("%d creates, peak sample", n), mem: memory{rss: peak}, peak: true, target: targetMeetings})
	if err := b.record(ctx, fmt.Sprintf("%d meetings, right after", n), targetMeetings, ""); err != nil {
		return err
	}
	if err := sleep(ctx, b.o.settle); err != nil {
		return err
	}
	if err := b.record(ctx, fmt.Sprintf("%d meetings, %s after", n, b.o.settle), targetMeetings, "meetings"); err != nil {
		return err
	}

	var listed, size int
	peak, err = b.peakWhile(func() (err error) {
		listed, size, err = countMeetings(ctx, client, b.lb)
		return err
	})
	if err != nil {
		return err
	}
	if want := before + n; listed != want {
		return fmt.Errorf("getMeetings lists %d meetings, want %d", listed, want)
	}
	b.notes = append(b.notes, fmt.Sprintf("getMeetings: %d meetings, %.1f MB of XML", listed, float64(size)/(1<<20)))
	b.rows = append(b.rows, row{phase: "getMeetings, peak sample", mem: memory{rss: peak}, peak: true, target: targetMeetings})
	if err := b.record(ctx, "after getMeetings", targetMeetings, "getmeetings"); err != nil {
		return err
	}

	peak, err = b.peakWhile(func() error { return b.poll(ctx) })
	if err != nil {
		return err
	}
	b.rows = append(b.rows, row{phase: "poll cycle, peak sample", mem: memory{rss: peak}, peak: true, target: targetMeetings})
	return b.record(ctx, "after a poll cycle", targetMeetings, "poll")
}

// measureStock builds and starts a stock Caddy, reads its memory once it
// has been idle for o.idle, and stops it.
func measureStock(ctx context.Context, o options, dir string) (memory, error) {
	fmt.Fprintln(os.Stderr, "building ./bench/memory/stockcaddy …")
	bin, err := buildCaddy(ctx, dir, "./bench/memory/stockcaddy", "stockcaddy")
	if err != nil {
		return memory{}, err
	}
	adminAddr, err := loopback.FreeAddr()
	if err != nil {
		return memory{}, err
	}
	siteAddr, err := loopback.FreeAddr()
	if err != nil {
		return memory{}, err
	}
	cfg, err := stockConfig(dir, adminAddr, siteAddr)
	if err != nil {
		return memory{}, err
	}
	cfgPath := filepath.Join(dir, "stock.json")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return memory{}, fmt.Errorf("write stock caddy config: %w", err)
	}
	ready := []string{"http://" + adminAddr + "/config/", "http://" + siteAddr + "/"}
	c, err := startChild(ctx, bin, dir, cfgPath, adminAddr, ready, o.childEnv)
	if err != nil {
		return memory{}, err
	}
	defer c.stop(10 * time.Second)
	if err := sleep(ctx, o.idle); err != nil {
		return memory{}, err
	}
	m, err := c.measure(ctx)
	if err != nil {
		return memory{}, err
	}
	fmt.Fprintf(os.Stderr, "%-32s RSS %s\n", "stock Caddy, idle", mb(m.rss))
	return m, nil
}

// registerFleet adds every simulated server through the admin API, enables
// it and polls once, which brings it online, and checks that it is.
func (b *bench) registerFleet(ctx context.Context) error {
	for i, s := range b.sims {
		id := fmt.Sprintf("sim%02d", i)
		add := map[string]any{"id": id, "url": s.URL(), "secret": s.Secret()}
		if _, err := b.c.admin(ctx, http.MethodPost, "/bbb/servers", add, http.StatusCreated); err != nil {
			return err
		}
		if _, err := b.c.admin(ctx, http.MethodPost, "/bbb/servers/"+id+"/enable", nil, http.StatusOK); err != nil {
			return err
		}
	}
	if err := b.poll(ctx); err != nil {
		return err
	}
	servers, err := b.c.servers(ctx)
	if err != nil {
		return err
	}
	online := 0
	for _, s := range servers {
		if s.Online && s.State == "enabled" {
			online++
		}
	}
	if online != len(b.sims) {
		return fmt.Errorf("%d of %d servers enabled and online after a poll", online, len(b.sims))
	}
	return nil
}

func (b *bench) poll(ctx context.Context) error {
	_, err := b.c.admin(ctx, http.MethodPost, "/bbb/poll", nil, http.StatusOK)
	return err
}

// record measures the child now and adds a row; with a profile name and
// -profiles set, it also saves the heap profile.
func (b *bench) record(ctx context.Context, phase string, target int64, profile string) error {
	m, err := b.c.measure(ctx)
	if err != nil {
		return fmt.Errorf("measure %s: %w", phase, err)
	}
	b.rows = append(b.rows, row{phase: phase, mem: m, target: target})
	fmt.Fprintf(os.Stderr, "%-32s RSS %s\n", phase, mb(m.rss))
	if profile != "" && b.o.profiles != "" {
		if err := b.c.saveHeapProfile(ctx, filepath.Join(b.o.profiles, profile+".pb.gz")); err != nil {
			return fmt.Errorf("profile %s: %w", phase, err)
		}
	}
	return nil
}

// peakWhile runs fn while sampling the child's RSS and returns the highest
// sample.
func (b *bench) peakWhile(fn func() error) (int64, error) {
	done := make(chan struct{})
	result := make(chan int64, 1)
	go func() {
		var peak int64
		tick := time.NewTicker(b.o.sample)
		defer tick.Stop()
		for {
			if rss, err := b.c.rss(); err == nil {
				peak = max(peak, rss)
			}
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := fn()
	close(done)
	peak := <-result
	// One last sample, so a short fn still has a reading taken after it.
	if rss, rerr := b.c.rss(); rerr == nil {
		peak = max(peak, rss)
	}
	return peak, err
}

// print writes the table of the rows measured so far, and the notes.
func (b *bench) print() {
	if len(b.rows) == 0 {
		return
	}
	fmt.Printf("\nmemory of the load balancer alone (child Caddy, VmRSS), %d simulated servers in the bench process\n\n", len(b.sims))
	fmt.Printf("  %-32s %9s %9s %9s %9s %9s %10s\n", "phase", "RSS", "anon", "file", "Go heap", "Go sys", "target")
	for _, r := range b.rows {
		if r.peak {
			fmt.Printf("  %-32s %9s %9s %9s %9s %9s %10s  %s\n", r.phase, mb(r.mem.rss), "", "", "", "", "≤ "+mb(r.target), verdict(r.mem.rss, r.target))
			continue
		}
		fmt.Printf("  %-32s %9s %9s %9s %9s %9s %10s  %s\n", r.phase, mb(r.mem.rss), mb(r.mem.anon), mb(r.mem.file),
			mb(int64(r.mem.heapInuse)), mb(int64(r.mem.goSys)), "≤ "+mb(r.target), verdict(r.mem.rss, r.target))
	}
	if m, err := procStatus(b.c.cmd.Process.Pid); err == nil {
		fmt.Printf("\n  peak RSS of the whole run (VmHWM): %s\n", mb(m.hwm))
	}
	if s := b.stock; s != nil {
		fmt.Printf("  stock Caddy (standard modules only), idle: RSS %s (anon %s, file %s)", mb(s.rss), mb(s.anon), mb(s.file))
		if len(b.rows) > 0 {
			fmt.Printf("; caddy-bbb just started: %+.1f MB", float64(b.rows[0].mem.rss-s.rss)/(1<<20))
		}
		fmt.Println()
	}
	for _, n := range b.notes {
		fmt.Printf("  %s\n", n)
	}
	if len(b.o.childEnv) > 0 {
		fmt.Printf("  child environment added: %s\n", strings.Join(b.o.childEnv, " "))
	}
}

// serverJSON is the part of an admin server entry the bench checks.
type serverJSON struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Online bool   `json:"online"`
}

// servers lists the registered servers.
func (c *child) servers(ctx context.Context) ([]serverJSON, error) {
	body, err := c.get(ctx, "/bbb/servers")
	if err != nil {
		return nil, err
	}
	var out []serverJSON
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("decode /bbb/servers: %w", err)
	}
	return out, nil
}

// sendOnce sends one request and checks the answer.
func sendOnce(ctx context.Context, client *http.Client, r request) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var body bytes.Buffer
	return send(ctx, client, r, &body)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }

func verdict(got, target int64) string {
	if got <= target {
		return "ok"
	}
	return "ABOVE TARGET"
}
