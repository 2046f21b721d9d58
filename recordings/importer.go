package recordings

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Importer defaults.
const (
	// DefaultScanInterval is how often the spool is listed besides watching
	// it: NFS delivers no file events, and Scalelite's importer polls every
	// 60 s.
	DefaultScanInterval = 60 * time.Second
	// DefaultLeaseTTL is how long the importer lease lasts unless renewed
	// (DESIGN §6.12); it is renewed every third of it.
	DefaultLeaseTTL = 30 * time.Second
	// DefaultMaxEntryBytes bounds one file in a recording tar. Webcam videos
	// of long meetings reach a few gigabytes.
	DefaultMaxEntryBytes int64 = 8 << 30
	// DefaultMaxTarBytes bounds a whole recording tar.
	DefaultMaxTarBytes int64 = 32 << 30
)

// ImporterLease is the name of the live-store lease that lets one importer
// per cluster work on the spool.
const ImporterLease = "importer"

// FailedDir is the folder of the spool that refused tars are moved to, each
// with a <name>.reason file saying why.
const FailedDir = "failed"

const (
	// workPrefix names the importer's extraction folders in the work dir;
	// only folders with it are cleaned up, so a shared work dir keeps
	// anything else.
	workPrefix = "import-"
	// incompleteGrace is how long a tar without an end-of-archive marker is
	// taken for one still being written in place before it is refused.
	incompleteGrace = 10 * time.Minute
	// writeSettle is how long after the last write event a tar written in
	// place (not renamed into the spool) is looked at.
	writeSettle = 500 * time.Millisecond
)

// Hook points between the steps of an import, where tests stop a child
// importer to check that a later run recovers (see testHook).
const (
	stepExtracted  = "extracted"   // tar unpacked into the work folder
	stepUpserted   = "upserted"    // a format stored, its files not moved yet
	stepAside      = "aside"       // old copy of a format renamed aside
	stepPlaced     = "placed"      // a format's files in place
	stepTarDeleted = "tar-deleted" // tar gone, work folder still there
)

// ErrLeaseHeld means another node holds the importer lease, so this one may
// not import now.
var ErrLeaseHeld = errors.New("another node holds the importer lease")

// ImporterConfig configures an Importer. Zero durations and limits mean the
// defaults above.
type ImporterConfig struct {
	// SpoolDir is where recording tars arrive (rsync from the BBB servers).
	SpoolDir string
	// WorkDir holds the extraction folders. Put it on the file system of
	// PublishDir and UnpublishDir so format folders are renamed into place
	// instead of copied.
	WorkDir      string
	PublishDir   string
	UnpublishDir string
	// ImportUnpublished imports new recordings unpublished.
	ImportUnpublished bool
	// Protected imports recordings protected (the `protected` setting); a
	// protect decision made through the API is kept.
	Protected bool
	// MaxEntryBytes refuses a tar with a bigger file in it.
	MaxEntryBytes int64
	// MaxTarBytes refuses a bigger tar.
	MaxTarBytes int64
	// ScanInterval is how often the spool is listed besides being watched.
	ScanInterval time.Duration
	// LeaseTTL is the lifetime of the importer lease.
	LeaseTTL time.Duration
	// Holder names this importer in the lease; default
	// store.NewLeaseHolder().
	Holder string

	// Secrets are the load balancer's secrets, used to sign the
	// recording-ready callbacks of recordings without a tenant.
	Secrets []string
	// CallbackHS512 signs recording-ready callbacks with HS512; set it when
	// sha256 is not an accepted checksum algorithm (Scalelite's rule).
	CallbackHS512 bool
	// CallbackAttempts, CallbackBackoff and CallbackTimeout are those of
	// NotifierConfig.
	CallbackAttempts int
	CallbackBackoff  time.Duration
	CallbackTimeout  time.Duration

	// OnPass, when set, is called after every pass over the spool with
	// what it did, for metrics. It must not block.
	OnPass func(ImportSummary)
	// OnCallback is NotifierConfig.OnOutcome.
	OnCallback func(CallbackOutcome)
}

// ImportSummary is what one pass over the spool did; it is the answer of
// POST /bbb/recordings/import.
type ImportSummary struct {
	// Imported lists the record ids imported, in the order of their tars.
	Imported []string `json:"imported"`
	// Failed lists the tars (or formats in them) that did not import.
	Failed     []ImportFailure `json:"failed"`
	DurationMS float64         `json:"duration_ms"`
}

// ImportFailure is one tar, or one format in it, that did not import.
type ImportFailure struct {
	File     string `json:"file"`
	RecordID string `json:"record_id,omitempty"`
	Format   string `json:"format,omitempty"`
	Reason   string `json:"reason"`
	// Retry is true when the tar stays in the spool to be tried again (the
	// store was unreachable, or the tar is still being written); false when
	// it was moved to the failed folder.
	Retry bool `json:"retry"`
}

// Importer imports recording tars from the spool: it extracts each safely,
// stores every format's metadata.xml, moves the format folders into the
// publish or unpublish directory, deletes the tar and queues the
// recording-ready callbacks. One importer per cluster works at a time, under
// the ImporterLease of the live store.
type Importer struct {
	cfg      ImporterConfig
	recs     store.Recordings
	live     store.Live
	log      *zap.Logger
	notifier *Notifier

	// importMu serialises passes over the spool: Run's and ImportNow's.
	importMu sync.Mutex
	running  atomic.Bool
	kick     chan struct{}

	leaseMu     sync.Mutex
	leaseHeld   bool
	leaseAt     time.Time // last successful renewal
	needCleanup bool      // set when the lease is (re)gained; guarded by leaseMu

	// testHook, when set, runs at each step* point of an import.
	testHook func(step string)
}

// NewImporter checks cfg, fills in the defaults and returns an importer; it
// touches no file until Run or ImportNow.
func NewImporter(cfg ImporterConfig, recs store.Recordings, live store.Live, logger *zap.Logger) (*Importer, error) {
	for name, dir := range map[string]string{
		"spool_dir": cfg.SpoolDir, "work_dir": cfg.WorkDir,
		"publish_dir": cfg.PublishDir, "unpublish_dir": cfg.UnpublishDir,
	} {
		if dir == "" {
			return nil, fmt.Errorf("recording importer: %s is not set", name)
		}
	}
	if recs == nil || live == nil {
		return nil, errors.New("recording importer: a recordings and a live store are needed")
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	if cfg.MaxEntryBytes <= 0 {
		cfg.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if cfg.MaxTarBytes <= 0 {
		cfg.MaxTarBytes = DefaultMaxTarBytes
	}
	if cfg.ScanInterval <= 0 {
		cfg.ScanInterval = DefaultScanInterval
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.Holder == "" {
		cfg.Holder = store.NewLeaseHolder()
	}
	notifier := NewNotifier(NotifierConfig{
		Secrets:   cfg.Secrets,
		HS512:     cfg.CallbackHS512,
		Attempts:  cfg.CallbackAttempts,
		Backoff:   cfg.CallbackBackoff,
		Timeout:   cfg.CallbackTimeout,
		OnOutcome: cfg.OnCallback,
	}, recs, live, logger)
	return &Importer{
		cfg:      cfg,
		recs:     recs,
		live:     live,
		log:      logger,
		notifier: notifier,
		kick:     make(chan struct{}, 1),
	}, nil
}

// Notifier returns the importer's recording-ready notifier, which Run runs.
func (im *Importer) Notifier() *Notifier { return im.notifier }

// Run imports until ctx is done. It watches the spool (a tar renamed into it
// is picked up at once), lists it every ScanInterval, and works only while it
// holds the importer lease, which it renews and releases on return. It also
// runs the recording-ready notifier. A panic in a pass is logged and the
// loop goes on.
func (im *Importer) Run(ctx context.Context) (err error) {
	if !im.running.CompareAndSwap(false, true) {
		return errors.New("recording importer: already running")
	}
	defer im.running.Store(false)
	defer func() {
		if r := recover(); r != nil {
			im.log.Error("recording importer panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			err = fmt.Errorf("recording importer: panic: %v", r)
		}
	}()
	if err := im.makeDirs(); err != nil {
		return err
	}
	watcher, err := newSpoolWatcher(im.cfg.SpoolDir)
	if err != nil {
		// Polling alone still imports, only later.
		im.log.Warn("cannot watch the recording spool; scanning it only", zap.String("spool_dir", im.cfg.SpoolDir), zap.Error(err))
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		if watcher != nil {
			if cerr := watcher.Close(); cerr != nil {
				im.log.Warn("close spool watcher", zap.Error(cerr))
			}
		}
		im.releaseLease()
	}()
	wg.Go(func() { im.notifier.Run(ctx) })
	wg.Go(func() { im.leaseLoop(ctx) })
	wg.Go(func() { im.importLoop(ctx) })

	scan := time.NewTicker(im.cfg.ScanInterval)
	defer scan.Stop()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	var events <-chan spoolEvent
	var errs <-chan error
	if watcher != nil {
		events, errs = watcher.events, watcher.errors
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-events:
			if ev.written {
				// Written in place: wait until the writes stop.
				settle.Reset(writeSettle)
			} else {
				im.wake()
			}
		case werr := <-errs:
			im.log.Warn("recording spool watcher", zap.Error(werr))
		case <-settle.C:
			im.wake()
		case <-scan.C:
			im.wake()
		}
	}
}

func (im *Importer) wake() {
	select {
	case im.kick <- struct{}{}:
	default:
	}
}

// importLoop runs a pass over the spool each time it is woken while the
// lease is held.
func (im *Importer) importLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-im.kick:
		}
		if !im.leaseFresh() {
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					im.log.Error("recording import pass panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				}
			}()
			im.pass(ctx)
		}()
	}
}

// leaseLoop takes and renews the importer lease every third of its TTL and
// wakes the import loop when it gains it.
func (im *Importer) leaseLoop(ctx context.Context) {
	tick := time.NewTicker(im.cfg.LeaseTTL / 3)
	defer tick.Stop()
	for {
		func() {
			defer func() {
				if r := recover(); r != nil {
					im.log.Error("importer lease renewal panicked", zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				}
			}()
			gained, err := im.renewLease(ctx)
			if err != nil && ctx.Err() == nil {
				im.log.Warn("renew the importer lease", zap.Error(err))
			}
			if gained {
				im.log.Info("recording importer took the lease", zap.String("holder", im.cfg.Holder))
				im.wake()
				im.resumeCallbacks(ctx)
			}
		}()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// resumeCallbacks queues the recording-ready callbacks an earlier process
// or another node left unsent.
func (im *Importer) resumeCallbacks(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, im.cfg.LeaseTTL/3)
	defer cancel()
	n, err := im.notifier.Resume(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		im.log.Warn("resume recording-ready callbacks", zap.Error(err))
	case n > 0:
		im.log.Info("resumed recording-ready callbacks left unsent", zap.Int("count", n))
	}
}

// renewLease takes or renews the lease and reports whether it was gained (not
// held before). A failed renewal counts as lost: another node may take it
// over once it expires.
func (im *Importer) renewLease(ctx context.Context) (gained bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, im.cfg.LeaseTTL/3)
	defer cancel()
	held, err := im.live.AcquireLease(ctx, ImporterLease, im.cfg.Holder, im.cfg.LeaseTTL)
	if err != nil {
		held = false
		err = fmt.Errorf("acquire lease %s: %w", ImporterLease, err)
	}
	im.leaseMu.Lock()
	defer im.leaseMu.Unlock()
	gained = held && !im.leaseHeld
	im.leaseHeld = held
	if held {
		im.leaseAt = time.Now()
	}
	if gained {
		im.needCleanup = true
	}
	return gained, err
}

// leaseFresh reports whether the lease was held at its last renewal.
func (im *Importer) leaseFresh() bool {
	im.leaseMu.Lock()
	defer im.leaseMu.Unlock()
	return im.leaseHeld
}

// holdLease reports whether this importer holds the lease, renewing it when
// the last renewal is older than a third of the TTL, so a long pass keeps it.
func (im *Importer) holdLease(ctx context.Context) bool {
	im.leaseMu.Lock()
	fresh := im.leaseHeld && time.Since(im.leaseAt) < im.cfg.LeaseTTL/3
	im.leaseMu.Unlock()
	if fresh {
		return true
	}
	if _, err := im.renewLease(ctx); err != nil && ctx.Err() == nil {
		im.log.Warn("renew the importer lease", zap.Error(err))
	}
	return im.leaseFresh()
}

func (im *Importer) releaseLease() {
	im.leaseMu.Lock()
	held := im.leaseHeld
	im.leaseHeld = false
	im.leaseMu.Unlock()
	if !held {
		return
	}
	// The run's context is done by now; the release still deserves a try.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := im.live.ReleaseLease(ctx, ImporterLease, im.cfg.Holder); err != nil {
		im.log.Warn("release the importer lease", zap.Error(err))
	}
}

// ImportNow lists the spool and imports what is there, after any pass in
// progress, and returns what it did. It fails with ErrLeaseHeld when another
// node holds the importer lease. Recording-ready callbacks it queues are sent
// by Run.
func (im *Importer) ImportNow(ctx context.Context) (ImportSummary, error) {
	if err := im.makeDirs(); err != nil {
		return ImportSummary{}, err
	}
	if !im.holdLease(ctx) {
		if err := ctx.Err(); err != nil {
			return ImportSummary{}, err
		}
		return ImportSummary{}, ErrLeaseHeld
	}
	sum := im.pass(ctx)
	if !im.running.Load() {
		// Nothing renews the lease now; let another node have it at once.
		im.releaseLease()
	}
	return sum, ctx.Err()
}

func (im *Importer) makeDirs() error {
	for _, dir := range []string{im.cfg.SpoolDir, im.cfg.WorkDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("recording importer: %w", err)
		}
	}
	return nil
}

// pass imports every tar in the spool, one after the other, as long as the
// lease is held.
func (im *Importer) pass(ctx context.Context) (sum ImportSummary) {
	im.importMu.Lock()
	defer im.importMu.Unlock()
	start := time.Now()
	sum = ImportSummary{Imported: []string{}, Failed: []ImportFailure{}}
	defer func() {
		sum.DurationMS = float64(time.Since(start).Microseconds()) / 1000
		if im.cfg.OnPass != nil {
			im.cfg.OnPass(sum)
		}
	}()

	im.leaseMu.Lock()
	cleanup := im.needCleanup
	im.needCleanup = false
	im.leaseMu.Unlock()
	if cleanup {
		if err := im.cleanup(); err != nil {
			im.log.Warn("clean up after an earlier import", zap.Error(err))
		}
	}

	names, err := spoolTars(im.cfg.SpoolDir)
	if err != nil {
		im.log.Error("list the recording spool", zap.String("spool_dir", im.cfg.SpoolDir), zap.Error(err))
		sum.Failed = append(sum.Failed, ImportFailure{Reason: err.Error(), Retry: true})
		return sum
	}
	for _, name := range names {
		if ctx.Err() != nil || !im.holdLease(ctx) {
			break
		}
		im.importTar(ctx, name, &sum)
	}
	return sum
}

// cleanup removes what an importer stopped between two steps left behind:
// extraction folders in the work dir and dot-named folders beside format
// folders. Their tars are still in the spool, so nothing is lost.
func (im *Importer) cleanup() error {
	var errs []error
	entries, err := os.ReadDir(im.cfg.WorkDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		errs = append(errs, fmt.Errorf("list work dir: %w", err))
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), workPrefix) {
			if err := os.RemoveAll(filepath.Join(im.cfg.WorkDir, e.Name())); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, root := range []string{im.cfg.PublishDir, im.cfg.UnpublishDir} {
		formats, err := os.ReadDir(root)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("list %s: %w", root, err))
			continue
		}
		for _, f := range formats {
			if !f.IsDir() {
				continue
			}
			dir := filepath.Join(root, f.Name())
			items, err := os.ReadDir(dir)
			if err != nil {
				errs = append(errs, fmt.Errorf("list %s: %w", dir, err))
				continue
			}
			for _, it := range items {
				if isLeftover(it.Name()) {
					if err := os.RemoveAll(filepath.Join(dir, it.Name())); err != nil {
						errs = append(errs, err)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

func (im *Importer) hook(step string) {
	if im.testHook != nil {
		im.testHook(step)
	}
}
