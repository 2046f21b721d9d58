package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Notifier defaults: 6 attempts 1, 2, 4, 8 and 16 minutes apart, about half
// an hour in all.
const (
	DefaultCallbackAttempts = 6
	DefaultCallbackBackoff  = time.Minute
	DefaultCallbackTimeout  = 10 * time.Second
)

// notifierConcurrency bounds the callbacks sent at once, so a slow receiver
// delays the others only when many are slow.
const notifierConcurrency = 8

// NotifierConfig configures a Notifier. Zero values mean the defaults.
type NotifierConfig struct {
	// Secrets are the load balancer's secrets, for recordings without a
	// (known) tenant.
	Secrets []string
	// HS512 signs with HS512 instead of HS256.
	HS512 bool
	// Attempts bounds the tries of one callback.
	Attempts int
	// Backoff is the wait before the first retry; it doubles each time.
	Backoff time.Duration
	// Timeout bounds one POST.
	Timeout time.Duration
	// Client sends the callbacks; by default one that follows no redirects
	// (a 3xx is a failure, as in Scalelite).
	Client *http.Client
	// OnOutcome, when set, is called after every attempt with how it
	// ended, for metrics. It must not block.
	OnOutcome func(CallbackOutcome)
}

// CallbackOutcome is how one attempt to send a recording-ready callback
// ended.
type CallbackOutcome string

// The outcomes of an attempt.
const (
	// CallbackSent: the application accepted it (2xx).
	CallbackSent CallbackOutcome = "sent"
	// CallbackRefused: 404 or 410, the application does not want it.
	CallbackRefused CallbackOutcome = "refused"
	// CallbackRetried: it failed and is tried again later.
	CallbackRetried CallbackOutcome = "retried"
	// CallbackGaveUp: it failed for the last of its attempts.
	CallbackGaveUp CallbackOutcome = "given_up"
	// CallbackDropped: it can never succeed (no usable URL or secret).
	CallbackDropped CallbackOutcome = "dropped"
)

// Notifier sends recording-ready callbacks (spec/scalelite.md §10.1): after
// a recording is imported, the URL create captured for its meeting gets a
// form POST signed_parameters=<JWT {meeting_id, record_id}>, signed with each
// of the tenant's secrets (or the load balancer's) in turn until one is
// accepted (2xx). 404 and 410 mean the application does not want it; other
// failures are retried with exponential backoff.
//
// Every callback is also kept in the recordings store until it is done, so
// one still waiting when the process stops is sent after Resume, by this
// node after a restart or by the node that takes the importer lease over.
// A callback is therefore sent at least once, and in rare cases (a node
// losing the lease mid-attempt) twice.
type Notifier struct {
	cfg    NotifierConfig
	recs   store.Recordings
	live   store.Live
	log    *zap.Logger
	client *http.Client

	mu    sync.Mutex
	queue []*readyCallback
	known map[string]bool // record ids queued or in flight
	wake  chan struct{}
}

// readyCallback is one recording-ready notification waiting to be sent.
type readyCallback struct {
	tenant, meetingID, recordID string
	attempts                    int
	due                         time.Time
}

// NewNotifier returns a notifier; RecordingReady queues callbacks, Run sends
// them.
func NewNotifier(cfg NotifierConfig, recs store.Recordings, live store.Live, logger *zap.Logger) *Notifier {
	if cfg.Attempts <= 0 {
		cfg.Attempts = DefaultCallbackAttempts
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultCallbackBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultCallbackTimeout
	}
	cfg.Secrets = slices.Clone(cfg.Secrets)
	client := cfg.Client
	if client == nil {
		client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Notifier{cfg: cfg, recs: recs, live: live, log: logger, client: client,
		known: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// RecordingReady stores the recording-ready callback of a recording and
// queues it; sending happens in Run. Whether the meeting asked for one is
// looked up when it is sent. A recording whose callback is already pending
// (imported again) gets no second one. Should the store fail, the callback
// is still queued, in memory only, and the error returned.
func (n *Notifier) RecordingReady(ctx context.Context, tenant, meetingID, recordID string) error {
	cb := &readyCallback{tenant: tenant, meetingID: meetingID, recordID: recordID, due: time.Now()}
	n.mu.Lock()
	pending := n.known[recordID]
	n.mu.Unlock()
	if pending {
		return nil
	}
	err := n.save(ctx, cb)
	n.enqueue([]*readyCallback{cb})
	return err
}

// Resume queues the callbacks kept in the store that are not queued here
// yet: those a stopped process, or another node, left unsent. The importer
// calls it whenever it takes the importer lease.
func (n *Notifier) Resume(ctx context.Context) (int, error) {
	stored, err := n.recs.ReadyCallbacks(ctx)
	if err != nil {
		return 0, fmt.Errorf("resume recording-ready callbacks: %w", err)
	}
	cbs := make([]*readyCallback, 0, len(stored))
	for _, c := range stored {
		cbs = append(cbs, &readyCallback{tenant: c.Tenant, meetingID: c.MeetingID, recordID: c.RecordID,
			attempts: c.Attempts, due: c.Due})
	}
	return n.enqueue(cbs), nil
}

// enqueue adds the callbacks whose record id is not queued or in flight and
// returns how many it added.
func (n *Notifier) enqueue(cbs []*readyCallback) int {
	added := 0
	n.mu.Lock()
	for _, cb := range cbs {
		if n.known[cb.recordID] {
			continue
		}
		n.known[cb.recordID] = true
		n.queue = append(n.queue, cb)
		added++
	}
	n.mu.Unlock()
	if added > 0 {
		n.signal()
	}
	return added
}

// save stores a callback's state, so it outlives this process.
func (n *Notifier) save(ctx context.Context, cb *readyCallback) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.Timeout)
	defer cancel()
	err := n.recs.PutReadyCallback(ctx, store.ReadyCallback{RecordID: cb.recordID, Tenant: cb.tenant,
		MeetingID: cb.meetingID, Attempts: cb.attempts, Due: cb.due})
	if err != nil {
		return fmt.Errorf("store recording-ready callback of %s: %w", cb.recordID, err)
	}
	return nil
}

func (n *Notifier) observe(o CallbackOutcome) {
	if n.cfg.OnOutcome != nil {
		n.cfg.OnOutcome(o)
	}
}

// finish forgets a callback that is done with, here and in the store.
// The stored row goes first: while the id is still known here, a Resume
// cannot queue the row again, nor can a re-import store a fresh one that
// this delete would then remove.
func (n *Notifier) finish(ctx context.Context, cb *readyCallback, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), n.cfg.Timeout)
	defer cancel()
	if err := n.recs.DeleteReadyCallback(ctx, cb.recordID); err != nil {
		// It is sent once more after the next Resume.
		log.Warn("forget a finished recording-ready callback", zap.Error(err))
	}
	n.mu.Lock()
	delete(n.known, cb.recordID)
	n.mu.Unlock()
}

// Pending returns how many callbacks wait to be sent, are being sent or
// wait for a retry.
func (n *Notifier) Pending() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.known)
}

func (n *Notifier) signal() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends queued callbacks until ctx is done, then waits for those in
// flight.
func (n *Notifier) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		// Attempts cut short by the shutdown are in the store; only what
		// is still queued stays known, so a later Resume finds the rest.
		n.mu.Lock()
		clear(n.known)
		for _, cb := range n.queue {
			n.known[cb.recordID] = true
		}
		n.mu.Unlock()
	}()
	slots := make(chan struct{}, notifierConcurrency)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		due, next := n.takeDue(time.Now())
		for _, cb := range due {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				defer func() { <-slots }()
				n.deliver(ctx, cb)
			})
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(time.Until(next), 0)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			if left := n.Pending(); left > 0 {
				n.log.Info("recording-ready callbacks still pending at shutdown; they are kept for the next start", zap.Int("count", left))
			}
			return
		case <-n.wake:
		case <-timer.C:
		}
	}
}

// takeDue removes and returns the callbacks due at now, and the time the
// next of the others is due (zero if none).
func (n *Notifier) takeDue(now time.Time) (due []*readyCallback, next time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	keep := n.queue[:0]
	for _, cb := range n.queue {
		if !cb.due.After(now) {
			due = append(due, cb)
			continue
		}
		keep = append(keep, cb)
		if next.IsZero() || cb.due.Before(next) {
			next = cb.due
		}
	}
	clear(n.queue[len(keep):])
	n.queue = keep
	return due, next
}

// callbackOutcome is how one attempt ended.
type callbackOutcome int

const (
	callbackDone    callbackOutcome = iota // accepted
	callbackNone                           // the meeting asked for none
	callbackRefused                        // 404/410: the application does not want it
	callbackRetry                          // try again later
	callbackDrop                           // can never succeed
)

// deliver makes one attempt and queues a retry when it failed.
func (n *Notifier) deliver(ctx context.Context, cb *readyCallback) {
	log := n.log.With(zap.String("record_id", cb.recordID), zap.String("meeting_id", cb.meetingID))
	defer func() {
		if r := recover(); r != nil {
			log.Error("recording-ready callback panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			// Left in the store, for the next Resume.
			n.mu.Lock()
			delete(n.known, cb.recordID)
			n.mu.Unlock()
		}
	}()
	cb.attempts++
	outcome, err := n.attempt(ctx, cb, log)
	switch outcome {
	case callbackNone:
		n.finish(ctx, cb, log)
		return
	case callbackDone:
		n.observe(CallbackSent)
		n.finish(ctx, cb, log)
		return
	case callbackRefused:
		n.observe(CallbackRefused)
		n.finish(ctx, cb, log)
		return
	case callbackDrop:
		log.Error("recording-ready callback dropped", zap.Error(err))
		n.observe(CallbackDropped)
		n.finish(ctx, cb, log)
		return
	}
	if ctx.Err() != nil {
		// Shutting down: the stored state (without this attempt) is what
		// the next Resume starts from.
		return
	}
	if cb.attempts >= n.cfg.Attempts {
		log.Error("recording-ready callback failed; giving up", zap.Int("attempts", cb.attempts), zap.Error(err))
		n.observe(CallbackGaveUp)
		n.finish(ctx, cb, log)
		return
	}
	n.observe(CallbackRetried)
	wait := n.cfg.Backoff << (cb.attempts - 1)
	log.Warn("recording-ready callback failed; retrying", zap.Int("attempt", cb.attempts), zap.Duration("in", wait), zap.Error(err))
	cb.due = time.Now().Add(wait)
	if serr := n.save(ctx, cb); serr != nil {
		log.Warn("recording-ready callback retry kept in memory only", zap.Error(serr))
	}
	n.mu.Lock()
	n.queue = append(n.queue, cb)
	n.mu.Unlock()
	n.signal()
}

// readyClaims is the JWT payload of a recording-ready callback.
type readyClaims struct {
	MeetingID string `json:"meeting_id"`
	RecordID  string `json:"record_id"`
}

// attempt looks up the meeting's callback URL and posts to it with each
// secret in turn.
func (n *Notifier) attempt(ctx context.Context, cb *readyCallback, log *zap.Logger) (callbackOutcome, error) {
	lookup, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	data, err := n.recs.Callback(lookup, cb.tenant, cb.meetingID)
	if errors.Is(err, store.ErrNotFound) {
		return callbackNone, nil
	}
	if err != nil {
		return callbackRetry, fmt.Errorf("look up callback: %w", err)
	}
	if data.RecordingReadyURL == "" {
		return callbackNone, nil
	}
	target, err := url.Parse(data.RecordingReadyURL)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return callbackDrop, errors.New("recording-ready URL is not an http(s) URL")
	}
	secrets := n.cfg.Secrets
	if cb.tenant != "" {
		t, err := n.live.Tenant(lookup, cb.tenant)
		switch {
		case err == nil:
			secrets = t.Secrets
		case !errors.Is(err, store.ErrNotFound):
			return callbackRetry, fmt.Errorf("look up tenant: %w", err)
		}
		// A tenant that is gone falls back to the load balancer's secrets,
		// as in Scalelite.
	}
	if len(secrets) == 0 {
		return callbackDrop, errors.New("no secret to sign the callback with")
	}
	alg := bbb.HS256
	if n.cfg.HS512 {
		alg = bbb.HS512
	}
	log = log.With(zap.String("host", target.Host))
	var errs []error
	for i, secret := range secrets {
		token, err := bbb.SignJWT(alg, readyClaims{MeetingID: cb.meetingID, RecordID: cb.recordID}, secret)
		if err != nil {
			return callbackDrop, fmt.Errorf("sign callback: %w", err)
		}
		status, err := n.post(ctx, data.RecordingReadyURL, token)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("secret %d: %w", i+1, err))
		case status >= 200 && status < 300:
			log.Info("recording-ready callback sent", zap.Int("status", status))
			return callbackDone, nil
		case status == http.StatusNotFound || status == http.StatusGone:
			log.Info("recording-ready callback not wanted", zap.Int("status", status))
			return callbackRefused, nil
		default:
			errs = append(errs, fmt.Errorf("secret %d: status %d", i+1, status))
		}
	}
	return callbackRetry, errors.Join(errs...)
}

// post sends one signed callback and returns the status. Errors name the
// host only: the URL's path and query may hold the application's secrets.
func (n *Notifier) post(ctx context.Context, target, token string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	body := url.Values{"signed_parameters": {token}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return 0, errors.New("build callback request")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := n.client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return 0, fmt.Errorf("post to %s: %w", req.URL.Host, err)
	}
	// Drain a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}
