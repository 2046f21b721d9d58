package recordings

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Environment of the child importer TestKilledImport starts.
const (
	crashRootEnv = "BBB_IMPORT_CRASH_ROOT" // the parent's folder tree and database
	crashStepEnv = "BBB_IMPORT_CRASH_STEP" // the step to SIGKILL itself at
)

// crashTTL is the importer lease's lifetime in this test: the killed child
// never releases it, so the next run waits it out, as a restarted node would.
const crashTTL = 400 * time.Millisecond

func crashConfig(c *ImporterConfig) { c.LeaseTTL = crashTTL }

// TestKilledImportChild is the child importer of TestKilledImport; run
// alone it does nothing.
func TestKilledImportChild(t *testing.T) {
	root, step := os.Getenv(crashRootEnv), os.Getenv(crashStepEnv)
	if root == "" {
		t.Skip("child of TestKilledImport")
	}
	e := newImportEnv(t, root, crashConfig)
	e.im.testHook = func(s string) {
		if s == step {
			// kill -9: no deferred function, no cleanup runs.
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}
	e.importNow()
	t.Fatalf("step %q never reached", step)
}

// TestKilledImport kills an importer process at each step of an import (the
// tar re-sent with one more format, so an older copy is replaced) and checks
// that the next run leaves the recording stored once, with every format's
// files in place and the spool and work folders empty.
func TestKilledImport(t *testing.T) {
	if os.Getenv(crashRootEnv) != "" {
		t.Skip("in the child")
	}
	steps := []string{stepExtracted, stepUpserted, stepAside, stepPlaced, stepTarDeleted}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			t.Parallel()
			e := newImportEnv(t, "", crashConfig)
			e.writeTar(simRecording("crash-1", "presentation"))
			e.importNow()
			e.writeTar(simRecording("crash-1", "presentation", "video"))

			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestKilledImportChild$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashRootEnv+"="+e.root, crashStepEnv+"="+step)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("child: %v\n%s", err, out)
			}
			if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("child did not die at %s: %v\n%s", step, err, out)
			}

			// The next run waits for the dead child's lease to expire.
			var sum ImportSummary
			if !waitUntil(10*time.Second, func() bool {
				var err error
				sum, err = e.im.ImportNow(ctx)
				if err != nil && !errors.Is(err, ErrLeaseHeld) {
					t.Fatalf("ImportNow: %v", err)
				}
				return err == nil
			}) {
				t.Fatal("lease never freed")
			}
			if step == stepTarDeleted {
				// The child finished the import; only its work folder was left.
				if len(sum.Imported) != 0 {
					t.Errorf("imported again: %+v", sum)
				}
			} else if !slices.Equal(sum.Imported, []string{"crash-1"}) || len(sum.Failed) != 0 {
				t.Errorf("summary %+v", sum)
			}

			recs, total, err := e.db.QueryRecordings(ctx, storeQueryAll("crash-1"))
			if err != nil || total != 1 {
				t.Fatalf("%d recordings (%v)", total, err)
			}
			rec := recs[0]
			if len(rec.Formats) != 2 || !rec.Published {
				t.Errorf("recording %+v", rec)
			}
			got := files(t, e.cfg.PublishDir)
			for _, want := range []string{
				"presentation/crash-1/metadata.xml", "presentation/crash-1/shapes.svg",
				"video/crash-1/metadata.xml", "video/crash-1/video-0.m4v",
			} {
				if !slices.Contains(got, want) {
					t.Errorf("published %v lacks %s", got, want)
				}
			}
			if left := e.spoolNames(); len(left) != 0 {
				t.Errorf("spool keeps %v", left)
			}
			e.assertClean()
		})
	}
}

// storeQueryAll selects a recording by id in any state.
func storeQueryAll(recordID string) store.RecordingQuery {
	return store.RecordingQuery{RecordIDs: []string{recordID}, States: []string{"any"}}
}
