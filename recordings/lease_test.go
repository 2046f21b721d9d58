package recordings

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// TestImporterLease runs two importers on one store and one spool: only the
// lease holder imports, never both at once, and the other takes over when
// the holder stops.
func TestImporterLease(t *testing.T) {
	a := newImportEnv(t, "", func(c *ImporterConfig) {
		c.LeaseTTL = 300 * time.Millisecond
		c.ScanInterval = 50 * time.Millisecond
		c.Holder = "node-a"
	})
	cfgB := a.cfg
	cfgB.Holder = "node-b"
	imB, err := NewImporter(cfgB, a.db, a.db, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}

	var active, overlaps atomic.Int32
	var mu sync.Mutex
	importedBy := map[string]int{}
	track := func(name string) func(string) {
		return func(step string) {
			switch step {
			case stepExtracted:
				if active.Add(1) > 1 {
					overlaps.Add(1)
				}
				// Widen the window an overlap would need.
				time.Sleep(2 * time.Millisecond)
			case stepTarDeleted:
				active.Add(-1)
				mu.Lock()
				importedBy[name]++
				mu.Unlock()
			}
		}
	}
	a.im.testHook = track("a")
	imB.testHook = track("b")

	ctxA, stopA := context.WithCancel(context.Background())
	ctxB, stopB := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := a.im.Run(ctxA); err != nil {
			t.Errorf("Run a: %v", err)
		}
	})
	defer func() {
		stopA()
		stopB()
		wg.Wait()
	}()
	if !waitUntil(5*time.Second, a.im.leaseFresh) {
		t.Fatal("a did not take the lease")
	}
	wg.Go(func() {
		if err := imB.Run(ctxB); err != nil {
			t.Errorf("Run b: %v", err)
		}
	})
	if _, err := imB.ImportNow(context.Background()); !errors.Is(err, ErrLeaseHeld) {
		t.Errorf("ImportNow on b while a holds the lease: %v, want ErrLeaseHeld", err)
	}

	for i := range 20 {
		a.writeTar(simRecording(fmt.Sprintf("lease-%02d", i)))
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return importedBy["a"] + importedBy["b"]
	}
	if !waitUntil(10*time.Second, func() bool { return count() == 20 }) {
		t.Fatalf("imported %v of 20", importedBy)
	}
	mu.Lock()
	if importedBy["a"] != 20 {
		t.Errorf("imported by %v, want all by the holder a", importedBy)
	}
	mu.Unlock()

	// a stops and releases the lease; b takes over within a renewal period.
	stopA()
	for i := range 5 {
		a.writeTar(simRecording(fmt.Sprintf("takeover-%02d", i)))
	}
	if !waitUntil(5*time.Second, func() bool { return count() == 25 }) {
		t.Fatalf("after a stopped: imported %v", importedBy)
	}
	mu.Lock()
	if importedBy["b"] != 5 {
		t.Errorf("imported by %v, want 5 by b", importedBy)
	}
	mu.Unlock()
	if n := overlaps.Load(); n != 0 {
		t.Errorf("%d imports overlapped", n)
	}
	for i := range 20 {
		a.recording(fmt.Sprintf("lease-%02d", i))
	}
}
