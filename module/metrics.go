package module

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/recordings"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// metricsNamespace and metricsSubsystem put every metric of the app under
// caddy_bbb_, next to Caddy's own caddy_http_… metrics.
const (
	metricsNamespace = "caddy"
	metricsSubsystem = "bbb"
)

// poolScrapeTimeout bounds the store reads of one scrape.
const poolScrapeTimeout = 5 * time.Second

// eventMetrics count what this node did. They are created once, so their
// values survive reloads; every config load registers them again on its own
// fresh registry (Caddy makes a new one per load).
type eventMetrics struct {
	apiRequests        *prometheus.CounterVec
	apiDuration        *prometheus.HistogramVec
	pollCycles         *prometheus.CounterVec
	pollDuration       prometheus.Histogram
	pollFailures       *prometheus.CounterVec
	serverTransitions  *prometheus.CounterVec
	bindingsRemoved    prometheus.Counter
	recordingsImported prometheus.Counter
	importFailures     *prometheus.CounterVec
	callbacks          *prometheus.CounterVec
}

var events = newEventMetrics()

func newEventMetrics() *eventMetrics {
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help}
	}
	hist := func(name, help string, buckets []float64) prometheus.HistogramOpts {
		return prometheus.HistogramOpts{Namespace: metricsNamespace, Subsystem: metricsSubsystem, Name: name, Help: help, Buckets: buckets}
	}
	return &eventMetrics{
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts(opts("api_requests_total",
			"BBB API requests answered by this node, by call and result (success, or the messageKey of a FAILED answer).")),
			[]string{"call", "result"}),
		apiDuration: prometheus.NewHistogramVec(hist("api_request_duration_seconds",
			"Time to answer a BBB API request on this node, by call.", prometheus.DefBuckets),
			[]string{"call"}),
		pollCycles: prometheus.NewCounterVec(prometheus.CounterOpts(opts("poll_cycles_total",
			"Poll cycles run by this node, by result (ok, error).")),
			[]string{"result"}),
		pollDuration: prometheus.NewHistogram(hist("poll_cycle_duration_seconds",
			"Wall time of the poll cycles run by this node.", []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})),
		pollFailures: prometheus.NewCounterVec(prometheus.CounterOpts(opts("poll_failures_total",
			"Failed polls of a server by this node.")),
			[]string{"server"}),
		serverTransitions: prometheus.NewCounterVec(prometheus.CounterOpts(opts("server_transitions_total",
			"Server state changes made by this node's poller: to online, offline, or disabled (a cordoned server left without meetings).")),
			[]string{"to"}),
		bindingsRemoved: prometheus.NewCounter(prometheus.CounterOpts(opts("poll_bindings_removed_total",
			"Meeting bindings this node's poller removed: meetings that ended, and those of servers that went offline."))),
		recordingsImported: prometheus.NewCounter(prometheus.CounterOpts(opts("recordings_imported_total",
			"Recordings imported from the spool by this node."))),
		importFailures: prometheus.NewCounterVec(prometheus.CounterOpts(opts("recording_import_failures_total",
			"Recording tars (or formats in them) this node could not import, by whether they stay in the spool to be retried.")),
			[]string{"retry"}),
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts(opts("recording_ready_callbacks_total",
			"Attempts to send a recording-ready callback from this node, by outcome (sent, refused, retried, given_up, dropped).")),
			[]string{"outcome"}),
	}
}

func (m *eventMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.apiRequests, m.apiDuration, m.pollCycles, m.pollDuration, m.pollFailures,
		m.serverTransitions, m.bindingsRemoved, m.recordingsImported, m.importFailures, m.callbacks}
}

// registerMetrics registers the event metrics and a collector of the pool's
// state read from this load's stores.
func (a *App) registerMetrics(reg *prometheus.Registry) error {
	if reg == nil {
		// A context made outside a config load (tests) has no registry.
		return nil
	}
	for _, c := range events.collectors() {
		var already prometheus.AlreadyRegisteredError
		if err := reg.Register(c); err != nil && !errors.As(err, &already) {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	if a.live == nil {
		return nil
	}
	if err := reg.Register(&poolCollector{live: a.live, recs: a.recs, log: a.logger}); err != nil {
		return fmt.Errorf("register pool metrics: %w", err)
	}
	return nil
}

// ObserveAPICall counts one BBB API request: its call name, its result
// ("success", or the messageKey of a FAILED answer) and how long it took.
func ObserveAPICall(call, result string, elapsed time.Duration) {
	events.apiRequests.WithLabelValues(call, result).Inc()
	events.apiDuration.WithLabelValues(call).Observe(elapsed.Seconds())
}

// observePoll counts a poll cycle of this node's poller.
func observePoll(sum poller.Summary, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	events.pollCycles.WithLabelValues(result).Inc()
	events.pollDuration.Observe(sum.DurationMS / 1000)
	for _, id := range sum.Failed {
		events.pollFailures.WithLabelValues(id).Inc()
	}
	events.serverTransitions.WithLabelValues("online").Add(float64(len(sum.WentOnline)))
	events.serverTransitions.WithLabelValues("offline").Add(float64(len(sum.WentOffline)))
	events.serverTransitions.WithLabelValues("disabled").Add(float64(len(sum.Disabled)))
	events.bindingsRemoved.Add(float64(sum.BindingsRemoved))
}

// observeImport counts a pass of this node's recording importer.
func observeImport(sum recordings.ImportSummary) {
	events.recordingsImported.Add(float64(len(sum.Imported)))
	for _, f := range sum.Failed {
		events.importFailures.WithLabelValues(strconv.FormatBool(f.Retry)).Inc()
	}
}

// observeCallback counts an attempt to send a recording-ready callback.
func observeCallback(o recordings.CallbackOutcome) {
	events.callbacks.WithLabelValues(string(o)).Inc()
}

// poolCollector reports the pool as the live store has it at scrape time.
// Every node of a cluster shares that store, so every node reports the
// same values.
type poolCollector struct {
	live store.Live
	recs store.Recordings
	log  *zap.Logger
}

func poolDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(metricsNamespace, metricsSubsystem, name), help, labels, nil)
}

var (
	descServerInfo = poolDesc("server_info",
		"A registered BBB server: always 1, with its URL, tag, state (enabled, cordoned, disabled) and BBB version as labels.",
		"server", "url", "tag", "state", "bbb_version")
	descServerOnline = poolDesc("server_online", "Whether the server answered its last polls (1) or is offline (0).", "server")
	descServerLoad   = poolDesc("server_load",
		"The placement load of an online server: its users, fresh meetings counted at least load_min_user_count, times its load multiplier, plus what was placed since the last poll.",
		"server")
	descServerMeetings = poolDesc("server_meetings", "Meetings on the server at its last poll.", "server")
	descServerUsers    = poolDesc("server_users", "Users on the server at its last poll.", "server")
	descServerLargest  = poolDesc("server_largest_meeting", "Users in the server's largest meeting at its last poll.", "server")
	descServerVideos   = poolDesc("server_videos", "Video streams on the server at its last poll.", "server")
	descTenants        = poolDesc("tenants", "Registered tenants.")
	descCallbacksDue   = poolDesc("recording_ready_callbacks_pending",
		"Recording-ready callbacks waiting to be sent or retried, cluster-wide.")
)

// Describe sends the descriptors of every pool metric.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descServerInfo, descServerOnline, descServerLoad, descServerMeetings,
		descServerUsers, descServerLargest, descServerVideos, descTenants, descCallbacksDue} {
		ch <- d
	}
}

// Collect reads the pool from the stores. A store that does not answer
// leaves its metrics out of this scrape (and is logged) rather than failing
// the whole /metrics page.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), poolScrapeTimeout)
	defer cancel()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	servers, err := c.live.Servers(ctx)
	if err != nil {
		c.log.Warn("metrics: list servers", zap.Error(err))
	}
	for _, s := range servers {
		gauge(descServerInfo, 1, s.ID, s.URL, s.Tag, string(s.State), s.BBBVersion)
		online := 0.0
		if s.Online {
			online = 1
			gauge(descServerLoad, s.Load, s.ID)
		}
		gauge(descServerOnline, online, s.ID)
		gauge(descServerMeetings, float64(s.Meetings), s.ID)
		gauge(descServerUsers, float64(s.Users), s.ID)
		gauge(descServerLargest, float64(s.LargestMeeting), s.ID)
		gauge(descServerVideos, float64(s.Videos), s.ID)
	}
	if tenants, err := c.live.Tenants(ctx); err != nil {
		c.log.Warn("metrics: list tenants", zap.Error(err))
	} else {
		gauge(descTenants, float64(len(tenants)))
	}
	if c.recs != nil {
		if due, err := c.recs.ReadyCallbacks(ctx); err != nil {
			c.log.Warn("metrics: list pending recording-ready callbacks", zap.Error(err))
		} else {
			gauge(descCallbacksDue, float64(len(due)))
		}
	}
}
