package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
)

// jsDir holds the bigbluebutton-js client script; ./test.sh installs the
// package into its node_modules with npm ci.
const jsDir = "js"

// jsPackageVersion is the bigbluebutton-js version package-lock.json pins.
const jsPackageVersion = "0.2.0"

// jsPrerequisites returns the node binary, skipping the test when node or
// the installed package is missing, or failing it under CI, where
// ./test.sh installs the package.
func jsPrerequisites(t *testing.T) string {
	t.Helper()
	missing := func(what string) {
		msg := what + ": run ./test.sh, which installs it (npm ci in integration/js), or run npm ci there yourself"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not installed")
	}
	raw, err := os.ReadFile(filepath.Join(jsDir, "node_modules", "bigbluebutton-js", "package.json"))
	if err != nil {
		missing("bigbluebutton-js is not installed")
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil || pkg.Version != jsPackageVersion {
		missing(fmt.Sprintf("bigbluebutton-js %s is not installed (found %q)", jsPackageVersion, pkg.Version))
	}
	return node
}

// jsDoc is a BBB document as bigbluebutton-js hands it to a front-end:
// fast-xml-parser's rendering, with numbers for numeric-looking text.
type jsDoc struct {
	ReturnCode       string          `json:"returncode"`
	MessageKey       any             `json:"messageKey"`
	MeetingID        any             `json:"meetingID"`
	MeetingName      any             `json:"meetingName"`
	ModeratorPW      any             `json:"moderatorPW"`
	Running          bool            `json:"running"`
	ParticipantCount int             `json:"participantCount"`
	Meetings         json.RawMessage `json:"meetings"`
}

// meetingIDs returns the meetingIDs of a getMeetings answer. The library
// makes <meetings> an array when it has meetings; with none it stays "".
func (d jsDoc) meetingIDs(t *testing.T) []string {
	t.Helper()
	var list []struct {
		MeetingID any `json:"meetingID"`
	}
	if err := json.Unmarshal(d.Meetings, &list); err != nil {
		var empty string
		if json.Unmarshal(d.Meetings, &empty) == nil && empty == "" {
			return nil
		}
		t.Fatalf("getMeetings meetings %s: %v", d.Meetings, err)
	}
	ids := make([]string, 0, len(list))
	for _, m := range list {
		ids = append(ids, fmt.Sprint(m.MeetingID))
	}
	return ids
}

// jsRedirect is a response fetched without following its redirect.
type jsRedirect struct {
	Status   int    `json:"status"`
	Location string `json:"location"`
}

// jsRun is what client.mjs prints.
type jsRun struct {
	Algorithm         string         `json:"algorithm"`
	ChecksumLengths   map[string]int `json:"checksumLengths"`
	Create            jsDoc          `json:"create"`
	RunningBeforeJoin jsDoc          `json:"runningBeforeJoin"`
	Join              jsRedirect     `json:"join"`
	JoinAtServer      jsRedirect     `json:"joinAtServer"`
	RunningAfterJoin  jsDoc          `json:"runningAfterJoin"`
	Info              jsDoc          `json:"info"`
	Meetings          jsDoc          `json:"meetings"`
	End               jsDoc          `json:"end"`
	RunningAfterEnd   jsDoc          `json:"runningAfterEnd"`
	MeetingsAfterEnd  jsDoc          `json:"meetingsAfterEnd"`
}

// TestBigBlueButtonJS is the acceptance test with a real client library:
// bigbluebutton-js 0.2.0 builds and signs every URL (Node's querystring
// encoding, checksum last) and parses every answer, through Caddy, over a
// fleet of simulated servers.
func TestBigBlueButtonJS(t *testing.T) {
	node := jsPrerequisites(t)
	sims := startFleet(t, 3)
	l := startLB(t, lbConfig{})
	l.addServers(sims)
	// Another meeting, so getMeetings has more than the client's to list.
	l.get(frontEnd.url("create", "name=Other&meetingID=js-other")).wantSuccess(t, "create js-other")

	hexLen := map[bbb.Algorithm]int{bbb.SHA1: 40, bbb.SHA256: 64, bbb.SHA384: 96, bbb.SHA512: 128}
	for _, alg := range bbb.Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			id := "js-acceptance-" + string(alg)
			run := runJSClient(t, node, id, alg)

			for call, n := range run.ChecksumLengths {
				if n != hexLen[alg] {
					t.Errorf("the client signed %s with a %d-digit checksum, want %d (%s)", call, n, hexLen[alg], alg)
				}
			}
			if len(run.ChecksumLengths) != 6 {
				t.Errorf("checksums seen for %v, want the six calls", run.ChecksumLengths)
			}

			if run.Create.ReturnCode != bbb.ReturnSuccess || fmt.Sprint(run.Create.MeetingID) != id || fmt.Sprint(run.Create.ModeratorPW) != "mp-js" {
				t.Fatalf("create: %+v", run.Create)
			}
			if run.RunningBeforeJoin.ReturnCode != bbb.ReturnSuccess || run.RunningBeforeJoin.Running {
				t.Errorf("isMeetingRunning before the join: %+v, want SUCCESS, running false", run.RunningBeforeJoin)
			}

			// The client has ended the meeting by now; its server is the
			// one that received its create.
			i := slices.IndexFunc(sims, func(sim *bbbsim.Sim) bool { return createdOn(sim, id) != nil })
			if i < 0 {
				t.Fatalf("create answered SUCCESS but no server received the create of %s", id)
			}
			p := createdOn(sims[i], id)
			if p.Get("name") != "Acceptance (JS) test! *~" || p.Get("meta_origin-name") != "bigbluebutton-js acceptance" {
				t.Errorf("create reached the server with name %q, meta_origin-name %q", p.Get("name"), p.Get("meta_origin-name"))
			}
			if run.Join.Status != 302 {
				t.Fatalf("join: status %d, want 302", run.Join.Status)
			}
			loc, err := url.Parse(run.Join.Location)
			if err != nil {
				t.Fatalf("join Location %q: %v", run.Join.Location, err)
			}
			params := checkJoinLocation(t, loc, sims[i])
			if params.Get("fullName") != "Ada Lovelace" || params.Get("password") != "mp-js" || params.Get("userID") != "ada-1" {
				t.Errorf("join Location parameters %v", params)
			}
			if run.JoinAtServer.Status != 302 || !strings.Contains(run.JoinAtServer.Location, "/html5client/join?") {
				t.Errorf("following the join to the server: %+v, want 302 to the HTML5 client", run.JoinAtServer)
			}

			if run.RunningAfterJoin.ReturnCode != bbb.ReturnSuccess || !run.RunningAfterJoin.Running {
				t.Errorf("isMeetingRunning after the join: %+v, want SUCCESS, running true", run.RunningAfterJoin)
			}
			if run.Info.ReturnCode != bbb.ReturnSuccess || fmt.Sprint(run.Info.MeetingID) != id ||
				fmt.Sprint(run.Info.MeetingName) != "Acceptance (JS) test! *~" || run.Info.ParticipantCount != 1 {
				t.Errorf("getMeetingInfo: %+v", run.Info)
			}
			if run.Meetings.ReturnCode != bbb.ReturnSuccess {
				t.Errorf("getMeetings: %+v", run.Meetings)
			}
			if ids := run.Meetings.meetingIDs(t); !slices.Contains(ids, id) || !slices.Contains(ids, "js-other") {
				t.Errorf("getMeetings lists %v, want %s and js-other among them", ids, id)
			}

			if run.End.ReturnCode != bbb.ReturnSuccess || fmt.Sprint(run.End.MessageKey) != bbb.KeySentEndMeetingRequest {
				t.Errorf("end: %+v", run.End)
			}
			if j := simRunning(t, sims, id); j >= 0 {
				t.Errorf("%s still runs on sim %d after end", id, j)
			}
			if run.RunningAfterEnd.ReturnCode != bbb.ReturnSuccess || run.RunningAfterEnd.Running {
				t.Errorf("isMeetingRunning after end: %+v, want SUCCESS, running false", run.RunningAfterEnd)
			}
			if ids := run.MeetingsAfterEnd.meetingIDs(t); slices.Contains(ids, id) || !slices.Contains(ids, "js-other") {
				t.Errorf("getMeetings after end lists %v, want js-other without %s", ids, id)
			}
		})
	}
}

// createdOn returns the parameters of the create of meetingID that sim
// received, or nil.
func createdOn(sim *bbbsim.Sim, meetingID string) url.Values {
	for _, r := range sim.RequestsFor("create") {
		if q, err := url.ParseQuery(r.RawQuery); err == nil && q.Get("meetingID") == meetingID {
			return q
		}
	}
	return nil
}

// runJSClient runs client.mjs against the Caddy under test and decodes its
// output.
func runJSClient(t *testing.T, node, meetingID string, alg bbb.Algorithm) jsRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs")
	cmd.Dir = jsDir
	cmd.Env = append(os.Environ(),
		"BBB_URL=http://"+lbAddr+"/bigbluebutton/",
		"BBB_SECRET="+lbSecret,
		"BBB_MEETING_ID="+meetingID,
		"BBB_HASH="+string(alg),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.mjs: %v\nstderr:\n%s", err, stderr.String())
	}
	var run jsRun
	if err := json.Unmarshal(stdout.Bytes(), &run); err != nil {
		t.Fatalf("client.mjs output: %v\n%s", err, stdout.String())
	}
	if run.Algorithm != string(alg) {
		t.Fatalf("client.mjs signed with %q, want %q", run.Algorithm, alg)
	}
	return run
}
